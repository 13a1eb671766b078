// The Difference Map's Fourier projection of a single-mode batch of 256 x 256 frames in three
// passes over the batch (src/ptycho/dm_fused_fourier.cu, on fft256_cuda.cuh's kernels):
//   1. rows:    load 2 P O_j - psi (the Reflect pass), forward FFT along each row;
//   2. columns: forward FFT down each column, the modulus projection of every coefficient,
//               inverse FFT down the column;
//   3. rows:    inverse FFT along each row.
// The result in buf is what Reflect, the forward FFT, ModulusProject and the inverse FFT leave
// (the same element-wise functions, reflect_wave and modulus_project_single), in three reads and
// writes of the batch instead of six. CUDA float only; DifferenceMap names it only there.
#pragma once

#include <cstdint>

#include "phasis/core/complex.hpp"
#include "ptycho/dm/dm_kernels.hpp"

namespace phasis::dm {

/// Frames the fused projection handles: one probe and one object mode, 256 x 256.
inline bool fused_fourier_applies(const Geometry& g) { return g.modes() == 1 && g.m == 256; }

/// buf = IFFT(ModulusProject(FFT(2 P O - psi))) for the nb frames from j0 (fused_fourier_applies(g));
/// psi and amp point at frame j0's exit waves and amplitudes, offsets at frame 0's. Queued on
/// `stream` (a cudaStream_t: the backend's).
void fused_fourier_projection(const Geometry& g, int64_t j0, int64_t nb, const Complex<float>* psi, const float* amp,
                              Complex<float>* buf, const Complex<float>* probe, const Complex<float>* object,
                              const int32_t* offsets, const uint8_t* valid, float inv_gain, void* stream);

}  // namespace phasis::dm
