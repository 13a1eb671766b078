// DmFftCallbacks: the Difference Map's Fourier pass up to the inverse FFT in one cuFFT execution
// (float, one probe and one object mode, no power bound): the forward FFT of a batch reads the
// exit waves psi through a load callback that forms 2 P O - psi, and writes the Fourier buffer
// through a store callback that applies the modulus projection. It replaces the Reflect pass,
// the in-place forward FFT and the ModulusProject pass of DifferenceMap::iterate, saving two full
// reads and writes of the batch. Built only with CUDA; DifferenceMap names it only for CUDA float.
#pragma once

#include <cstdint>
#include <memory>

#include "phasis/core/complex.hpp"
#include "ptycho/dm_kernels.hpp"

namespace phasis::dm {

class DmFftCallbacks {
 public:
  /// Plans for batches of `batch` frames and, if tail > 0, for a last batch of `tail` frames.
  DmFftCallbacks(const Geometry& g, int64_t batch, int64_t tail);
  ~DmFftCallbacks();
  DmFftCallbacks(const DmFftCallbacks&) = delete;
  DmFftCallbacks& operator=(const DmFftCallbacks&) = delete;

  /// buf = ModulusProject(FFT(2 P O - psi)) for the nb frames from j0 (nb: the batch or the tail);
  /// psi and amp point at frame j0's exit waves and amplitudes, `offsets` at frame 0's.
  void forward_project(int64_t j0, int64_t nb, const Complex<float>* psi, const float* amp, Complex<float>* buf,
                       const Complex<float>* probe, const Complex<float>* object, const int32_t* offsets,
                       const uint8_t* valid, float inv_gain);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Stands in for DmFftCallbacks where it does not apply (CPU backend, double), so DifferenceMap
/// can hold one member of either type without naming CUDA code in CPU builds.
struct NoFftCallbacks {};

}  // namespace phasis::dm
