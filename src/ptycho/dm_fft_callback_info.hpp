// What the Difference Map's cuFFT callbacks (src/ptycho/dm_fft_callbacks.lto.cu) read besides the
// element itself: the pointers and sizes of the batch being transformed. It lives in device memory
// (cuFFT hands its address to every callback call) and is rewritten before each batch's forward
// FFT, since the amplitudes and offsets move with the batch. Float, one probe and one object mode.
#pragma once

#include <cstdint>

#include "ptycho/dm_kernels.hpp"

namespace phasis::dm {

struct FftCallbackInfo {
  const Complex<float>* probe;
  const Complex<float>* object;
  const int32_t* offsets;  // of the batch's first frame
  const float* amp;        // sqrt(I) of the batch's first frame
  const uint8_t* valid;    // one frame of pixels
  Geometry g;
  float inv_m;             // 1 / frame side
  float inv_gain;          // as ModulusProject::inv_gain
};

/// Names of the callbacks in the embedded LTO fatbin: global-namespace C++ functions, which is how
/// cuFFT declares the name it is given (dm_fft_callbacks.lto.cu).
inline constexpr const char* kReflectLoadSymbol = "phasis_dm_reflect_load";
inline constexpr const char* kModulusStoreSymbol = "phasis_dm_modulus_store";

}  // namespace phasis::dm
