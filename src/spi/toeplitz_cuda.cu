#include "toeplitz_cuda.hpp"

#include "cuda_buffer.cuh"
#include "phasis/fft/fft.hpp"

namespace phasis::spi::detail {

namespace {
__device__ inline int64_t wrap(int64_t d, int64_t period) { return d < 0 ? d + period : d; }

// x (batch x n^3, centred) into the zeroed (2n)^3 grids at offsets k - n/2 (mod 2n); one thread per
// element of x. `back`: the reverse, the real parts of the grids into y.
__global__ void pad_or_crop(double* x, Complex<double>* grid, int64_t n, int64_t batch, bool back) {
  const int64_t cells = n * n * n, i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= batch * cells) return;
  const int64_t b = i / cells, k = i % cells, kx = k % n, ky = (k / n) % n, kz = k / (n * n), n2 = 2 * n;
  const int64_t g = b * n2 * n2 * n2 + (wrap(kz - n / 2, n2) * n2 + wrap(ky - n / 2, n2)) * n2 + wrap(kx - n / 2, n2);
  if (back)
    x[i] = grid[g].re;
  else
    grid[g] = {x[i], 0.0};
}

__global__ void multiply(Complex<double>* grid, const Complex<double>* spectrum, int64_t cells2, int64_t total) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < total) grid[i] = grid[i] * spectrum[i % cells2];
}
}  // namespace

struct CudaToeplitz::Impl {
  int device;
  int64_t n, batch, cells, cells2;
  Buffer<Complex<double>> spectrum, grid;
  Buffer<double> vec;
  CufftPlan<double> plan;
  Impl(int d, int64_t n_, int64_t b)
      : device(d), n(n_), batch(b), cells(n_ * n_ * n_), cells2(8 * n_ * n_ * n_),
        plan({int(2 * n_), int(2 * n_), int(2 * n_)}, b) {}
};

namespace {
int set_device(int device) {
  cuda_check(cudaSetDevice(device), "spi merge: cudaSetDevice");
  return device;
}
}  // namespace

CudaToeplitz::CudaToeplitz(int device, int64_t n, int64_t batch, const std::vector<Complex<double>>& spectrum)
    : impl_(std::make_unique<Impl>(set_device(device), n, batch)) {
  impl_->spectrum.upload(spectrum.data(), spectrum.size());
  impl_->grid.resize(size_t(batch * impl_->cells2));
  impl_->vec.resize(size_t(batch * impl_->cells));
}
CudaToeplitz::~CudaToeplitz() = default;

void CudaToeplitz::apply(const double* x, double* y) const {
  Impl& p = *impl_;
  cuda_check(cudaSetDevice(p.device), "spi merge: cudaSetDevice");
  const int64_t elements = p.batch * p.cells, total = p.batch * p.cells2;
  p.vec.upload(x, size_t(elements));
  cuda_check(cudaMemset(p.grid.p, 0, size_t(total) * sizeof(Complex<double>)), "spi merge: clear");
  pad_or_crop<<<blocks(elements), 256>>>(p.vec.p, p.grid.p, p.n, p.batch, false);
  p.plan.forward(p.grid.p);
  multiply<<<blocks(total), 256>>>(p.grid.p, p.spectrum.p, p.cells2, total);
  p.plan.inverse(p.grid.p);
  pad_or_crop<<<blocks(elements), 256>>>(p.vec.p, p.grid.p, p.n, p.batch, true);
  cuda_check(cudaGetLastError(), "spi merge: Toeplitz kernels");
  p.vec.download(y, size_t(elements));
}

}  // namespace phasis::spi::detail
