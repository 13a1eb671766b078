// The Difference Map's cuFFT LTO callbacks, compiled to LTO-IR at build time (CMakeLists.txt:
// nvcc -dlto -fatbin) and embedded in the library; cuFFT links them into its own kernels when the
// plan is made (DmFftCallbacks). Not part of phasis_lib's ordinary sources.
// The forward FFT of a batch reads the exit waves psi and writes the Fourier buffer; the load
// callback turns psi into 2 P O - psi on the way in (the Reflect pass) and the store callback
// applies the modulus projection on the way out (the ModulusProject pass), with the same PHASIS_HD
// functions those passes call. Single mode: element `offset` of the batch is pixel offset % pix of
// frame offset / pix, counted from the batch's first frame.
// The callbacks have C++ linkage at global namespace on purpose: cuFFT declares them itself, by the
// name given to cufftXtSetJITCallback and the callback signature, as ordinary C++ functions, so an
// extern "C" definition leaves its reference unresolved (nvJitLink: "Unresolved extern function
// '_Z22phasis_dm_reflect_loadPvyS_S_'"), and the plan fails with CUFFT_INTERNAL_ERROR.
#include <cufftXt.h>

#include "ptycho/dm_fft_callback_info.hpp"

using phasis::Complex;
using phasis::dm::ExitIndex;
using phasis::dm::FftCallbackInfo;

__device__ cufftComplex phasis_dm_reflect_load(void* data_in, unsigned long long offset, void* caller_info,
                                                         void*) {
  const auto& c = *static_cast<const FftCallbackInfo*>(caller_info);
  const Complex<float> psi = static_cast<const Complex<float>*>(data_in)[offset];
  const Complex<float> r =
      phasis::dm::reflect_wave(psi, c.probe, c.object, c.offsets, c.g, ExitIndex(int64_t(offset), c.g, 0));
  return make_cuComplex(r.re, r.im);
}

__device__ void phasis_dm_modulus_store(void* data_out, unsigned long long offset, cufftComplex element,
                                                   void* caller_info, void*) {
  const auto& c = *static_cast<const FftCallbackInfo*>(caller_info);
  const int64_t i = int64_t(offset), p = i % c.g.pix;
  const Complex<float> x = phasis::dm::modulus_project_single(Complex<float>(element.x, element.y), c.amp[i],
                                                              c.valid[p] != 0, 0.0f, false, c.inv_m, c.inv_gain);
  static_cast<Complex<float>*>(data_out)[offset] = x;
}
