#include "toeplitz_cuda.hpp"

#include <algorithm>

#include "block_cg.hpp"
#include "cuda_buffer.cuh"
#include "phasis/fft/fft.hpp"

namespace phasis::spi::detail {

namespace {
__device__ inline int64_t wrap(int64_t d, int64_t period) { return d < 0 ? d + period : d; }

// Where element i of batch x n^3 (centred) sits in the (2n)^3 grids: offset k - n/2 (mod 2n).
__device__ inline int64_t grid_index(int64_t i, int64_t n) {
  const int64_t cells = n * n * n, b = i / cells, k = i % cells, kx = k % n, ky = (k / n) % n, kz = k / (n * n), n2 = 2 * n;
  return b * n2 * n2 * n2 + (wrap(kz - n / 2, n2) * n2 + wrap(ky - n / 2, n2)) * n2 + wrap(kx - n / 2, n2);
}
// x into the zeroed grids; one thread per element of x.
__global__ void pad(const double* x, Complex<double>* grid, int64_t n, int64_t batch) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < batch * n * n * n) grid[grid_index(i, n)] = {x[i], 0.0};
}
// The grids' real parts back into y.
__global__ void crop(const Complex<double>* grid, double* y, int64_t n, int64_t batch) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < batch * n * n * n) y[i] = grid[grid_index(i, n)].re;
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
int CudaToeplitz::device() const { return impl_->device; }

void CudaToeplitz::apply_device(const double* x, double* y) const {
  Impl& p = *impl_;
  const int64_t elements = p.batch * p.cells, total = p.batch * p.cells2;
  cuda_check(cudaMemset(p.grid.p, 0, size_t(total) * sizeof(Complex<double>)), "spi merge: clear");
  pad<<<blocks(elements), 256>>>(x, p.grid.p, p.n, p.batch);
  p.plan.forward(p.grid.p);
  multiply<<<blocks(total), 256>>>(p.grid.p, p.spectrum.p, p.cells2, total);
  p.plan.inverse(p.grid.p);
  crop<<<blocks(elements), 256>>>(p.grid.p, y, p.n, p.batch);
  cuda_check(cudaGetLastError(), "spi merge: Toeplitz kernels");
}

void CudaToeplitz::apply(const double* x, double* y) const {
  Impl& p = *impl_;
  cuda_check(cudaSetDevice(p.device), "spi merge: cudaSetDevice");
  const int64_t elements = p.batch * p.cells;
  p.vec.upload(x, size_t(elements));
  apply_device(p.vec.p, p.vec.p);  // crop reads only the grid, so y may be x
  p.vec.download(y, size_t(elements));
}

namespace {
// The CG's vector steps for the systems still running (active[l]); one thread per element of all
// L systems, scalars per system.
__global__ void regularise_kernel(double* q, const double* p, const uint8_t* support, const double* lambda,
                                  const char* active, int64_t cells, int64_t total) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= total || !active[i / cells]) return;
  q[i] = support[i % cells] ? q[i] + lambda[i / cells] * p[i] : 0.0;
}
__global__ void step_kernel(double* x, double* r, const double* p, const double* q, const double* alpha,
                            const char* active, int64_t cells, int64_t total) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= total || !active[i / cells]) return;
  const double a = alpha[i / cells];
  x[i] += a * p[i], r[i] -= a * q[i];
}
__global__ void turn_kernel(double* p, const double* r, const double* beta, const char* active, int64_t cells,
                            int64_t total) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= total || !active[i / cells]) return;
  p[i] = r[i] + beta[i / cells] * p[i];
}
// Per system l (blockIdx.y) the dot of a_l and b_l, summed by blocks of 256 into out[l].
__global__ void dots_kernel(const double* a, const double* b, const char* active, int64_t cells, double* out) {
  const int64_t l = blockIdx.y;
  __shared__ double part[256];
  double s = 0;
  if (active[l])
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < cells; i += int64_t(gridDim.x) * blockDim.x)
      s += a[l * cells + i] * b[l * cells + i];
  part[threadIdx.x] = s;
  __syncthreads();
  for (int w = blockDim.x / 2; w > 0; w /= 2) {
    if (threadIdx.x < w) part[threadIdx.x] += part[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0 && active[l]) atomicAdd(out + l, part[0]);
}

// block_cg's vectors on the GPU.
struct CudaCgVectors {
  const CudaToeplitz& op;
  int64_t L, cells, total;
  Buffer<double> x, r, p, q, scalars, dots;
  Buffer<uint8_t> support;
  Buffer<char> active;
  CudaCgVectors(const CudaToeplitz& o, int64_t systems, int64_t n) : op(o), L(systems), cells(n), total(systems * n) {}

  void set_active(const std::vector<char>& a) { active.upload(a.data(), a.size()); }
  void set_scalars(const std::vector<double>& v) { scalars.upload(v.data(), v.size()); }
  std::vector<double> dot_of(const double* a, const double* b, const std::vector<char>& act) {
    set_active(act);
    cuda_check(cudaMemset(dots.p, 0, size_t(L) * sizeof(double)), "spi merge: clear dots");
    dots_kernel<<<dim3(unsigned(std::min<int64_t>(blocks(cells), 256)), unsigned(L)), 256>>>(a, b, active.p, cells, dots.p);
    std::vector<double> out(L);
    dots.download(out.data(), size_t(L));
    return out;
  }
  void apply() { op.apply_device(p.p, q.p); }
  void regularise(const std::vector<double>& lambda, const std::vector<char>& act) {
    set_active(act), set_scalars(lambda);
    regularise_kernel<<<blocks(total), 256>>>(q.p, p.p, support.p, scalars.p, active.p, cells, total);
  }
  std::vector<double> dots_pq(const std::vector<char>& act) { return dot_of(p.p, q.p, act); }
  std::vector<double> dots_rr(const std::vector<char>& act) { return dot_of(r.p, r.p, act); }
  void step(const std::vector<double>& alpha, const std::vector<char>& act) {
    set_active(act), set_scalars(alpha);
    step_kernel<<<blocks(total), 256>>>(x.p, r.p, p.p, q.p, scalars.p, active.p, cells, total);
  }
  void turn(const std::vector<double>& beta, const std::vector<char>& act) {
    set_active(act), set_scalars(beta);
    turn_kernel<<<blocks(total), 256>>>(p.p, r.p, scalars.p, active.p, cells, total);
    cuda_check(cudaGetLastError(), "spi merge: CG kernels");
  }
};
}  // namespace

void block_cg_cuda(const CudaToeplitz& op, const std::vector<uint8_t>& support, const std::vector<double>& lambda,
                   const std::vector<double>& target_norm, std::vector<double>& x, std::vector<double>& r,
                   std::vector<double>& rr, std::vector<int>& iterations, int max_iterations, double tolerance) {
  cuda_check(cudaSetDevice(op.device()), "spi merge: cudaSetDevice");
  const int64_t L = int64_t(lambda.size()), cells = int64_t(support.size());
  CudaCgVectors v(op, L, cells);
  v.x.upload(x.data(), x.size()), v.r.upload(r.data(), r.size()), v.p.upload(r.data(), r.size());
  v.q.resize(r.size()), v.scalars.resize(size_t(L)), v.dots.resize(size_t(L)), v.active.resize(size_t(L));
  v.support.upload(support.data(), support.size());
  block_cg(v, lambda, target_norm, rr, iterations, max_iterations, tolerance);
  v.x.download(x.data(), x.size()), v.r.download(r.data(), r.size());
}

}  // namespace phasis::spi::detail
