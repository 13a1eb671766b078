// ToeplitzOperator's GPU path: y = crop(IFFT(spectrum . FFT(pad(x)))) with cuFFT, for `batch`
// vectors of n^3 (centred) padded into the (2n)^3 circular grid. x and y are host arrays: the CG
// that calls it keeps its vectors on the host (a few MB, copied in and out per apply).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "phasis/core/complex.hpp"

namespace phasis::spi::detail {

class CudaToeplitz {
 public:
  /// spectrum: the FFT of the circular kernel, (2n)^3, with the inverse FFT's 1/(2n)^3 folded in.
  /// DeviceError in a build without CUDA.
  CudaToeplitz(int device, int64_t n, int64_t batch, const std::vector<Complex<double>>& spectrum);
  ~CudaToeplitz();
  CudaToeplitz(const CudaToeplitz&) = delete;
  CudaToeplitz& operator=(const CudaToeplitz&) = delete;
  void apply(const double* x, double* y) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phasis::spi::detail
