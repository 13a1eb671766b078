// CUDA versions of M-TIP's heavy steps (see mtip_steps.hpp): everything per point stays on the GPU.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "core/cuda_check.hpp"
#include "mtip_steps.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/nufft/nufft.hpp"
#include "phasis/spi/matching.hpp"
#include "phasis/spi/orientations.hpp"

namespace phasis::spi::detail {

namespace {

// Device buffer of T, freed on scope exit.
template <class T>
struct Buffer {
  T* p = nullptr;
  size_t n = 0;
  Buffer() = default;
  explicit Buffer(size_t count) { resize(count); }
  ~Buffer() { cudaFree(p); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  void resize(size_t count) {
    if (count <= n) return;
    cudaFree(p);
    p = nullptr;
    n = 0;
    cuda_check(cudaMalloc(&p, count * sizeof(T)), "spi: cudaMalloc of " + std::to_string(count * sizeof(T)) + " bytes");
    n = count;
  }
  void upload(const T* src, size_t count) {
    resize(count);
    cuda_check(cudaMemcpy(p, src, count * sizeof(T), cudaMemcpyHostToDevice), "spi: upload");
  }
};

void check_blas(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS) throw DeviceError(std::string("spi: ") + what + ": cuBLAS status " + std::to_string(int(s)));
}

struct Blas {
  cublasHandle_t h = nullptr;
  Blas() { check_blas(cublasCreate(&h), "cublasCreate"); }
  ~Blas() { cublasDestroy(h); }
};

unsigned blocks(int64_t n, int threads = 256) { return unsigned((n + threads - 1) / threads); }

// Points R_r^T s_j * scale for `count` rotations (row-major 3 x 3 each) and m pixels, rotation-major.
template <class T>
__global__ void rotate_kernel(const double* rot, int64_t count, int64_t m, const double* sx, const double* sy,
                              const double* sz, double scale, T* x, T* y, T* z) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= count * m) return;
  const int64_t r = i / m, j = i % m;
  const double* R = rot + 9 * r;
  const double a = sx[j], b = sy[j], c = sz[j];
  x[i] = T(scale * (R[0] * a + R[3] * b + R[6] * c));
  y[i] = T(scale * (R[1] * a + R[4] * b + R[7] * c));
  z[i] = T(scale * (R[2] * a + R[5] * b + R[8] * c));
}

// Real parts of one slice per block, scaled to unit norm (a zero slice stays zero).
__global__ void real_unit_rows(const Complex<float>* c, int64_t m, float* out) {
  const int64_t row = blockIdx.x;
  __shared__ double part[256];
  double s = 0;
  for (int64_t j = threadIdx.x; j < m; j += blockDim.x) {
    const float v = c[row * m + j].re;
    s += double(v) * v;
  }
  part[threadIdx.x] = s;
  __syncthreads();
  for (int w = blockDim.x / 2; w > 0; w /= 2) {
    if (threadIdx.x < w) part[threadIdx.x] += part[threadIdx.x + w];
    __syncthreads();
  }
  const float inv = part[0] > 0 ? float(1 / sqrt(part[0])) : 0.0f;
  for (int64_t j = threadIdx.x; j < m; j += blockDim.x) out[row * m + j] = c[row * m + j].re * inv;
}

// Poisson score's slices: log of the slice floored at 1e-6 of its maximum, and log of its sum, per
// block one row (as prepare_slices on the host).
__global__ void log_rows(const Complex<float>* c, int64_t m, float* out, float* terms) {
  const int64_t row = blockIdx.x;
  __shared__ float top[256];
  __shared__ double sum[256];
  float t = 0;
  for (int64_t j = threadIdx.x; j < m; j += blockDim.x) t = fmaxf(t, c[row * m + j].re);
  top[threadIdx.x] = t;
  __syncthreads();
  for (int w = blockDim.x / 2; w > 0; w /= 2) {
    if (threadIdx.x < w) top[threadIdx.x] = fmaxf(top[threadIdx.x], top[threadIdx.x + w]);
    __syncthreads();
  }
  const float floor = top[0] > 0 ? 1e-6f * top[0] : 1e-30f;
  double s = 0;
  for (int64_t j = threadIdx.x; j < m; j += blockDim.x) {
    const float v = fmaxf(c[row * m + j].re, floor);
    s += v;
    out[row * m + j] = logf(v);
  }
  sum[threadIdx.x] = s;
  __syncthreads();
  for (int w = blockDim.x / 2; w > 0; w /= 2) {
    if (threadIdx.x < w) sum[threadIdx.x] += sum[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) terms[row] = float(log(sum[0]));
}

// Per image: the best score of its row of the batch's block (column-major b x images), kept when
// better than the image's best so far: x.y (euclidean: d = 2 - 2 x.y) or x.log M - K log sum M
// (poisson: d = minus that). totals and terms are null for the euclidean score.
__global__ void running_argmin(const float* dots, int64_t b, int64_t images, int64_t first, const float* totals,
                               const float* terms, int64_t* best, float* dist) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= images) return;
  const float* d = dots + i * b;
  const float total = totals ? totals[i] : 0.0f;
  int64_t arg = 0;
  float top = d[0] - (terms ? total * terms[0] : 0.0f);
  for (int64_t j = 1; j < b; ++j) {
    const float v = d[j] - (terms ? total * terms[j] : 0.0f);
    if (v > top) top = v, arg = j;
  }
  const float v = terms ? -top : 2 - 2 * top;
  if (v < dist[i]) dist[i] = v, best[i] = first + arg;
}

__global__ void fill_values(const float* values, int64_t m, Complex<double>* c) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= m) return;
  c[i] = {1.0, 0.0};
  c[m + i] = {double(values[i]), 0.0};
}

__global__ void add_real(const Complex<double>* f, int64_t count, double* acc) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < count) acc[i] += f[i].re;
}

std::vector<double> flat(const std::vector<Rotation>& r, size_t begin, size_t end) {
  std::vector<double> out;
  out.reserve(9 * (end - begin));
  for (size_t i = begin; i < end; ++i) out.insert(out.end(), r[i].begin(), r[i].end());
  return out;
}

}  // namespace

Matches slice_and_match_cuda(int device, const std::vector<double>& model, int64_t n, double voxel, double tolerance,
                             const SpiImages& im, int64_t references, int64_t batch, Score score) {
  cuda_check(cudaSetDevice(device), "spi: cudaSetDevice");
  const int64_t m = im.pixels, count = im.count;
  nufft::Options o;
  o.device = Device::cuda(device);
  nufft::Plan<float> plan(nufft::Type::type2, {n, n, n}, +1, tolerance, 1, o);
  {  // The model, deconvolved and transformed once (as GridTransform: h^3 sum a e^{+i x.k}).
    const double h3 = voxel * voxel * voxel;
    std::vector<Complex<float>> f(model.size());
    for (size_t i = 0; i < f.size(); ++i) f[i] = {float(model[i] * h3), 0.0f};
    Buffer<Complex<float>> df;
    df.upload(f.data(), f.size());
    plan.prepare_uniform(df.p);
    cuda_check(cudaDeviceSynchronize(), "spi: prepare model");
  }
  // Images scaled to unit norm on the host (once per generation; the Poisson score takes the counts
  // and their totals), then kept on the GPU.
  const bool poisson = score == Score::poisson;
  std::vector<float> unit(im.intensities);
  Buffer<float> images, totals, terms;
  if (poisson) {
    std::vector<float> t(count);
    for (int64_t i = 0; i < count; ++i) {
      double sum = 0;
      for (int64_t k = 0; k < m; ++k) sum += unit[i * m + k];
      t[i] = float(sum);
    }
    totals.upload(t.data(), t.size());
  } else {
    normalise_rows(unit.data(), count, m);
  }
  images.upload(unit.data(), unit.size());
  Buffer<double> sx, sy, sz;
  sx.upload(im.sx.data(), m), sy.upload(im.sy.data(), m), sz.upload(im.sz.data(), m);
  const int64_t b = std::min(batch, references);
  Buffer<double> rot(9 * b);
  Buffer<float> x(b * m), y(b * m), z(b * m), slices(b * m), dots(b * count);
  Buffer<Complex<float>> c(b * m);
  if (poisson) terms.resize(b);
  Buffer<int64_t> best(count);
  Buffer<float> dist(count);
  {
    std::vector<float> inf(count, INFINITY);
    std::vector<int64_t> none(count, -1);
    dist.upload(inf.data(), count), best.upload(none.data(), count);
  }
  Blas blas;
  const double scale = 2 * std::numbers::pi * voxel;
  for (int64_t b0 = 0; b0 < references; b0 += b) {
    const int64_t k = std::min(references, b0 + b) - b0;
    const auto r = reference_rotations(b0, b0 + k, references);
    const std::vector<double> flat_r = flat(r, 0, r.size());
    rot.upload(flat_r.data(), flat_r.size());
    rotate_kernel<float><<<blocks(k * m), 256>>>(rot.p, k, m, sx.p, sy.p, sz.p, scale, x.p, y.p, z.p);
    cuda_check(cudaDeviceSynchronize(), "spi: rotate references");
    plan.set_points(k * m, x.p, y.p, z.p);
    plan.interpolate(c.p);
    cuda_check(cudaDeviceSynchronize(), "spi: slicing");
    if (poisson)
      log_rows<<<unsigned(k), 256>>>(c.p, m, slices.p, terms.p);
    else
      real_unit_rows<<<unsigned(k), 256>>>(c.p, m, slices.p);
    // dots (column-major k x count) = slices (k x m) . images^T.
    const float one = 1, zero = 0;
    check_blas(cublasSgemm(blas.h, CUBLAS_OP_T, CUBLAS_OP_N, int(k), int(count), int(m), &one, slices.p, int(m), images.p,
                           int(m), &zero, dots.p, int(k)),
               "sgemm");
    running_argmin<<<blocks(count), 256>>>(dots.p, k, count, b0, poisson ? totals.p : nullptr, poisson ? terms.p : nullptr,
                                           best.p, dist.p);
    cuda_check(cudaGetLastError(), "spi: matching kernels");
  }
  Matches out;
  out.best.resize(count), out.distance.resize(count);
  cuda_check(cudaMemcpy(out.best.data(), best.p, count * sizeof(int64_t), cudaMemcpyDeviceToHost), "spi: download");
  cuda_check(cudaMemcpy(out.distance.data(), dist.p, count * sizeof(float), cudaMemcpyDeviceToHost), "spi: download");
  return out;
}

MergeSums merge_sums_cuda(int device, int64_t n, double voxel, double tolerance, const SpiImages& im,
                          const std::vector<Rotation>& orientations, int64_t image_batch) {
  cuda_check(cudaSetDevice(device), "spi: cudaSetDevice");
  const int64_t m = im.pixels, n2 = 2 * n, cells2 = n2 * n2 * n2;
  nufft::Options o;
  o.device = Device::cuda(device);
  o.fft_order = true;
  nufft::Plan<double> plan(nufft::Type::type1, {n2, n2, n2}, -1, tolerance, 2, o);
  Buffer<double> sx, sy, sz;
  sx.upload(im.sx.data(), m), sy.upload(im.sy.data(), m), sz.upload(im.sz.data(), m);
  const int64_t kb = std::min(image_batch, im.count);
  Buffer<double> rot(9 * kb), x(kb * m), y(kb * m), z(kb * m), acc(2 * cells2);
  Buffer<float> values(kb * m);
  Buffer<Complex<double>> c(2 * kb * m), f(2 * cells2);  // c: ones then values, per batch
  cuda_check(cudaMemset(acc.p, 0, 2 * cells2 * sizeof(double)), "spi: clear sums");
  const double scale = 2 * std::numbers::pi * voxel;
  MergeSums sums(n, voxel);
  for (int64_t i0 = 0; i0 < im.count; i0 += kb) {
    const int64_t k = std::min(im.count, i0 + kb) - i0, points = k * m;
    const std::vector<double> flat_r = flat(orientations, size_t(i0), size_t(i0 + k));
    rot.upload(flat_r.data(), flat_r.size());
    values.upload(im.intensities.data() + i0 * m, size_t(points));
    rotate_kernel<double><<<blocks(points), 256>>>(rot.p, k, m, sx.p, sy.p, sz.p, scale, x.p, y.p, z.p);
    // Two transforms of `points` values each: ones (the kernel) and the data (the right-hand side).
    fill_values<<<blocks(points), 256>>>(values.p, points, c.p);
    cuda_check(cudaDeviceSynchronize(), "spi: merge points");
    plan.set_points(points, x.p, y.p, z.p);
    plan.execute(c.p, f.p);
    cuda_check(cudaDeviceSynchronize(), "spi: merge sums");
    add_real<<<blocks(2 * cells2), 256>>>(f.p, 2 * cells2, acc.p);
    cuda_check(cudaGetLastError(), "spi: accumulate");
    for (int64_t j = 0; j < points; ++j) sums.data_norm2 += double(im.intensities[i0 * m + j]) * im.intensities[i0 * m + j];
    sums.points += double(points);
  }
  std::vector<double> host(2 * cells2);
  cuda_check(cudaMemcpy(host.data(), acc.p, host.size() * sizeof(double), cudaMemcpyDeviceToHost), "spi: download sums");
  const double h3 = voxel * voxel * voxel;
  for (int64_t i = 0; i < cells2; ++i) sums.kernel[i] = h3 * h3 * host[i];
  auto wrap = [n2](int64_t d) { return d < 0 ? d + n2 : d; };
  for (int64_t kz = 0; kz < n; ++kz)
    for (int64_t ky = 0; ky < n; ++ky)
      for (int64_t kx = 0; kx < n; ++kx)
        sums.rhs[(kz * n + ky) * n + kx] =
            h3 * host[cells2 + (wrap(kz - n / 2) * n2 + wrap(ky - n / 2)) * n2 + wrap(kx - n / 2)];
  return sums;
}

}  // namespace phasis::spi::detail
