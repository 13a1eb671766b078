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
  /// The same on device arrays (x, y: batch x n^3 on the operator's GPU).
  void apply_device(const double* x, double* y) const;
  int device() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phasis::spi::detail

namespace phasis::spi::detail {

/// block_cg (block_cg.hpp) with its vectors on the operator's GPU: x and r (L x n^3, host) hold the
/// start and come back as the result; p starts as r.
void block_cg_cuda(const CudaToeplitz& op, const std::vector<uint8_t>& support, const std::vector<double>& lambda,
                   const std::vector<double>& target_norm, std::vector<double>& x, std::vector<double>& r,
                   std::vector<double>& rr, std::vector<int>& iterations, int max_iterations, double tolerance);

}  // namespace phasis::spi::detail
