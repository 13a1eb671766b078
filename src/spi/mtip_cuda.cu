// The CUDA engine of M-TIP's heavy steps (see mtip_steps.hpp). The run's intensities and pixel
// coordinates are uploaded once; per generation the selected pixels are gathered and scaled on the
// GPU, references are rotated, sliced and scored there, and only indices, distances and the
// merge's sums come back.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <type_traits>

#include "cuda_buffer.cuh"
#include "friedel.hpp"
#include "mtip_steps.hpp"
#include "orientation_groups.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/nufft/nufft.hpp"
#include "phasis/spi/matching.hpp"
#include "phasis/spi/orientations.hpp"

namespace phasis::spi::detail {

namespace {

void check_blas(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS) throw DeviceError(std::string("spi: ") + what + ": cuBLAS status " + std::to_string(int(s)));
}

struct Blas {
  cublasHandle_t h = nullptr;
  Blas() { check_blas(cublasCreate(&h), "cublasCreate"); }
  ~Blas() { cublasDestroy(h); }
  Blas(const Blas&) = delete;
  Blas& operator=(const Blas&) = delete;
};

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

// Sum over a block of 256 threads (every thread gets the total).
__device__ double block_sum(double v) {
  __shared__ double part[256];
  part[threadIdx.x] = v;
  __syncthreads();
  for (int w = blockDim.x / 2; w > 0; w /= 2) {
    if (threadIdx.x < w) part[threadIdx.x] += part[threadIdx.x + w];
    __syncthreads();
  }
  const double total = part[0];
  __syncthreads();
  return total;
}

// One image per block: its selected pixels (keep: null for all) gathered from the raw intensities,
// then scaled to unit norm (euclidean) or kept as counts with their total (poisson, totals set).
__global__ void prepare_images(const float* raw, int64_t all, const int64_t* keep, int64_t m, float* out, float* totals) {
  const int64_t row = blockIdx.x;
  const float* in = raw + row * all;
  float* o = out + row * m;
  double s = 0;
  for (int64_t j = threadIdx.x; j < m; j += blockDim.x) {
    const float v = in[keep ? keep[j] : j];
    o[j] = v;
    s += totals ? double(v) : double(v) * v;
  }
  const double total = block_sum(s);
  if (totals) {
    if (threadIdx.x == 0) totals[row] = float(total);
    return;
  }
  const float inv = total > 0 ? float(1 / sqrt(total)) : 0.0f;
  for (int64_t j = threadIdx.x; j < m; j += blockDim.x) o[j] *= inv;
}

// Real parts of one slice per block, scaled to unit norm (a zero slice stays zero).
__global__ void real_unit_rows(const Complex<float>* c, int64_t m, float* out) {
  const int64_t row = blockIdx.x;
  double s = 0;
  for (int64_t j = threadIdx.x; j < m; j += blockDim.x) {
    const float v = c[row * m + j].re;
    s += double(v) * v;
  }
  const double total = block_sum(s);
  const float inv = total > 0 ? float(1 / sqrt(total)) : 0.0f;
  for (int64_t j = threadIdx.x; j < m; j += blockDim.x) out[row * m + j] = c[row * m + j].re * inv;
}

// Poisson score's slices: log of the slice floored at 1e-6 of its maximum, and log of its sum, per
// block one row (as prepare_slices on the host).
__global__ void log_rows(const Complex<float>* c, int64_t m, float* out, float* terms) {
  const int64_t row = blockIdx.x;
  __shared__ float top[256];
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
  const double total = block_sum(s);
  if (threadIdx.x == 0) terms[row] = float(log(total));
}

// One warp per image: the best score of its column of the batch's block (column-major b x images,
// so the warp reads it contiguously), kept when better than the image's best so far: x.y
// (euclidean: d = 2 - 2 x.y) or x.log M - K log sum M (poisson: d = minus that). totals and terms
// are null for the euclidean score. Ties go to the lower reference, as on the CPU.
__global__ void running_argmin(const float* dots, int64_t b, int64_t images, int64_t first, const float* totals,
                               const float* terms, int64_t* best, float* dist) {
  const int64_t i = (int64_t(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (i >= images) return;
  const float* d = dots + i * b;
  const float total = totals ? totals[i] : 0.0f;
  int64_t arg = -1;
  float top = -INFINITY;
  for (int64_t j = lane; j < b; j += 32) {
    const float v = d[j] - (terms ? total * terms[j] : 0.0f);
    if (v > top) top = v, arg = j;
  }
  for (int off = 16; off > 0; off /= 2) {
    const float v = __shfl_down_sync(0xffffffffu, top, off);
    const int64_t a = __shfl_down_sync(0xffffffffu, arg, off);
    if (a >= 0 && (v > top || (v == top && (arg < 0 || a < arg)))) top = v, arg = a;
  }
  if (lane != 0 || arg < 0) return;
  const float v = terms ? -top : 2 - 2 * top;
  if (v < dist[i]) dist[i] = v, best[i] = first + arg;
}

// The batch's strengths w + i v (friedel.hpp) for groups g0 ... of images of one orientation
// (orientation_groups.hpp): w the group's image count, v the sum of its images' selected raw
// values; the sum of every value's square into *norm2.
template <class T>
__global__ void fill_grouped(const float* raw, int64_t all, const int64_t* keep, int64_t m, const int64_t* members,
                             const int64_t* start, int64_t g0, int64_t points, Complex<T>* c, double* norm2) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  double v2 = 0;
  if (i < points) {
    const int64_t q = g0 + i / m, j = i % m, pixel = keep ? keep[j] : j;
    double sum = 0;
    for (int64_t e = start[q]; e < start[q + 1]; ++e) {
      const double v = raw[members[e] * all + pixel];
      sum += v, v2 += v * v;
    }
    // The sum rounded to float as the CPU engine's (exact for photon counts below 2^24).
    c[i] = {T(double(start[q + 1] - start[q])), T(float(sum))};
  }
  const double s = block_sum(v2);
  if (threadIdx.x == 0) atomicAdd(norm2, s);
}

// Both sums from F = A + i B (friedel.hpp): acc[0, cells2) += Re A, acc[cells2, 2 cells2) += Re B.
template <class T>
__global__ void add_friedel(const Complex<T>* f, int64_t modes, double* acc) {
  const int64_t cells2 = modes * modes * modes, i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= cells2) return;
  const int64_t j = friedel_partner(i, modes);
  if (j < 0) return;
  acc[i] += 0.5 * (double(f[i].re) + double(f[j].re));
  acc[cells2 + i] += 0.5 * (double(f[i].im) + double(f[j].im));
}

std::vector<double> flat(const std::vector<Rotation>& r, size_t begin, size_t end) {
  std::vector<double> out;
  out.reserve(9 * (end - begin));
  for (size_t i = begin; i < end; ++i) out.insert(out.end(), r[i].begin(), r[i].end());
  return out;
}

void set_device(int device) { cuda_check(cudaSetDevice(device), "spi: cudaSetDevice"); }

class CudaEngine final : public MtipEngine {
 public:
  CudaEngine(int device, const SpiImages& im) : device_(device), count_(im.count), all_(im.pixels) {
    set_device(device);
    raw_.upload(im.intensities.data(), im.intensities.size());
    sx_host_ = im.sx, sy_host_ = im.sy, sz_host_ = im.sz;
    blas_ = std::make_unique<Blas>();
  }

  Matches slice_and_match(const std::vector<double>& model, int64_t n, double voxel, double tolerance,
                          const PixelSelection& keep, int64_t references, int64_t batch, Score score) override {
    set_device(device_);
    select(keep);
    const int64_t m = m_, count = count_;
    if (!type2_ || type2_n_ != n || type2_tol_ != tolerance) {
      nufft::Options o;
      o.device = Device::cuda(device_);
      type2_ = std::make_unique<nufft::Plan<float>>(nufft::Type::type2, std::vector<int64_t>{n, n, n}, +1, tolerance, 1, o);
      type2_n_ = n, type2_tol_ = tolerance;
    }
    nufft::Plan<float>& plan = *type2_;
    {  // The model, deconvolved and transformed once (as GridTransform: h^3 sum a e^{+i x.k}).
      const double h3 = voxel * voxel * voxel;
      std::vector<Complex<float>> f(model.size());
      for (size_t i = 0; i < f.size(); ++i) f[i] = {float(model[i] * h3), 0.0f};
      Buffer<Complex<float>> df;
      df.upload(f.data(), f.size());
      plan.prepare_uniform(df.p);
      cuda_check(cudaDeviceSynchronize(), "spi: prepare model");
    }
    const bool poisson = score == Score::poisson;
    if (!prepared_ || prepared_score_ != score) {  // the images as the score reads them
      images_.resize(size_t(count * m));
      totals_.resize(size_t(count));
      prepare_images<<<unsigned(count), 256>>>(raw_.p, all_, keep_host_.empty() ? nullptr : keep_.p, m, images_.p,
                                               poisson ? totals_.p : nullptr);
      cuda_check(cudaGetLastError(), "spi: prepare images");
      prepared_ = true, prepared_score_ = score;
    }
    const int64_t b = std::min(batch, references);
    rot_.resize(9 * b);
    xf_.resize(b * m), yf_.resize(b * m), zf_.resize(b * m), slices_.resize(b * m), dots_.resize(b * count);
    c_.resize(b * m), terms_.resize(b), best_.resize(count), dist_.resize(count);
    {
      std::vector<float> inf(count, INFINITY);
      std::vector<int64_t> none(count, -1);
      dist_.upload(inf.data(), count), best_.upload(none.data(), count);
    }
    const double scale = 2 * std::numbers::pi * voxel;
    for (int64_t b0 = 0; b0 < references; b0 += b) {
      const int64_t k = std::min(references, b0 + b) - b0;
      const auto r = reference_rotations(b0, b0 + k, references);
      const std::vector<double> flat_r = flat(r, 0, r.size());
      rot_.upload(flat_r.data(), flat_r.size());
      rotate_kernel<float><<<blocks(k * m), 256>>>(rot_.p, k, m, sx_.p, sy_.p, sz_.p, scale, xf_.p, yf_.p, zf_.p);
      plan.set_points(k * m, xf_.p, yf_.p, zf_.p);
      plan.interpolate(c_.p);
      if (poisson)
        log_rows<<<unsigned(k), 256>>>(c_.p, m, slices_.p, terms_.p);
      else
        real_unit_rows<<<unsigned(k), 256>>>(c_.p, m, slices_.p);
      // dots (column-major k x count) = slices (k x m) . images^T.
      const float one = 1, zero = 0;
      check_blas(cublasSgemm(blas_->h, CUBLAS_OP_T, CUBLAS_OP_N, int(k), int(count), int(m), &one, slices_.p, int(m),
                             images_.p, int(m), &zero, dots_.p, int(k)),
                 "sgemm");
      running_argmin<<<blocks(32 * count), 256>>>(dots_.p, k, count, b0, poisson ? totals_.p : nullptr,
                                                  poisson ? terms_.p : nullptr, best_.p, dist_.p);
      cuda_check(cudaGetLastError(), "spi: matching kernels");
    }
    Matches out;
    out.best.resize(count), out.distance.resize(count);
    best_.download(out.best.data(), count);
    dist_.download(out.distance.data(), count);
    return out;
  }

  MergeSums merge_sums(int64_t n, double voxel, double tolerance, const PixelSelection& keep,
                       const std::vector<Rotation>& orientations, int64_t image_batch) override {
    set_device(device_);
    select(keep);
    return merge_in_float(tolerance) ? merge<float>(n, voxel, tolerance, orientations, image_batch)
                                     : merge<double>(n, voxel, tolerance, orientations, image_batch);
  }

 private:
  // The generation's pixels: their coordinates and indices on the GPU; the scaled images are
  // remade at the next matching.
  void select(const PixelSelection& keep) {
    if (selected_ && keep == keep_host_) return;
    keep_host_ = keep;
    m_ = keep.empty() ? all_ : int64_t(keep.size());
    std::vector<double> x(m_), y(m_), z(m_);
    for (int64_t j = 0; j < m_; ++j) {
      const int64_t p = keep.empty() ? j : keep[j];
      x[j] = sx_host_[p], y[j] = sy_host_[p], z[j] = sz_host_[p];
    }
    sx_.upload(x.data(), m_), sy_.upload(y.data(), m_), sz_.upload(z.data(), m_);
    if (!keep.empty()) keep_.upload(keep.data(), keep.size());
    selected_ = true, prepared_ = false;
  }

  template <class T>
  MergeSums merge(int64_t n, double voxel, double tolerance, const std::vector<Rotation>& orientations,
                  int64_t image_batch) {
    const int64_t m = m_, n2 = 2 * n, cells2 = n2 * n2 * n2;
    nufft::Plan<T>& plan = merge_plan<T>(n2, tolerance);
    // One set of points per orientation (orientation_groups.hpp), image_batch of them per transform.
    const OrientationGroups g = group_orientations(orientations);
    const int64_t groups = g.count(), kb = std::min(image_batch, groups);
    Buffer<double> rot(9 * kb), acc(2 * cells2), norm2(1);
    Buffer<int64_t> members(count_), start(groups + 1);
    members.upload(g.members.data(), count_), start.upload(g.start.data(), groups + 1);
    Buffer<T> x(kb * m), y(kb * m), z(kb * m);
    Buffer<Complex<T>> c(kb * m), f(cells2);
    cuda_check(cudaMemset(acc.p, 0, 2 * cells2 * sizeof(double)), "spi: clear sums");
    cuda_check(cudaMemset(norm2.p, 0, sizeof(double)), "spi: clear sums");
    const double scale = 2 * std::numbers::pi * voxel;
    MergeSums sums(n, voxel);
    for (int64_t g0 = 0; g0 < groups; g0 += kb) {
      const int64_t k = std::min(groups, g0 + kb) - g0, points = k * m;
      const std::vector<double> flat_r = flat(g.rotation, size_t(g0), size_t(g0 + k));
      rot.upload(flat_r.data(), flat_r.size());
      rotate_kernel<T><<<blocks(points), 256>>>(rot.p, k, m, sx_.p, sy_.p, sz_.p, scale, x.p, y.p, z.p);
      fill_grouped<T><<<blocks(points), 256>>>(raw_.p, all_, keep_host_.empty() ? nullptr : keep_.p, m, members.p,
                                               start.p, g0, points, c.p, norm2.p);
      plan.set_points(points, x.p, y.p, z.p);
      plan.execute(c.p, f.p);
      add_friedel<T><<<blocks(cells2), 256>>>(f.p, n2, acc.p);
      cuda_check(cudaGetLastError(), "spi: merge sums");
    }
    sums.points = double(count_ * m);
    std::vector<double> host(2 * cells2);
    acc.download(host.data(), host.size());
    norm2.download(&sums.data_norm2, 1);
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

  // The merge's type-1 plan, kept across generations while its grid and tolerance stay.
  template <class T>
  nufft::Plan<T>& merge_plan(int64_t n2, double tolerance) {
    auto& plan = [this]() -> std::unique_ptr<nufft::Plan<T>>& {
      if constexpr (std::is_same_v<T, float>) return merge_float_;
      else return merge_double_;
    }();
    if (!plan || merge_n2_ != n2 || merge_tolerance_ != tolerance) {
      merge_float_.reset(), merge_double_.reset();
      nufft::Options o;
      o.device = Device::cuda(device_);
      o.fft_order = true;
      plan = std::make_unique<nufft::Plan<T>>(nufft::Type::type1, std::vector<int64_t>{n2, n2, n2}, -1, tolerance, 1, o);
      merge_n2_ = n2, merge_tolerance_ = tolerance;
    }
    return *plan;
  }

  int device_;
  std::unique_ptr<nufft::Plan<float>> merge_float_;
  std::unique_ptr<nufft::Plan<double>> merge_double_;
  int64_t merge_n2_ = 0;
  double merge_tolerance_ = 0;
  int64_t count_, all_, m_ = 0;
  Buffer<float> raw_;                             // count x all intensities, as read
  std::vector<double> sx_host_, sy_host_, sz_host_;
  PixelSelection keep_host_;
  bool selected_ = false, prepared_ = false;
  Score prepared_score_ = Score::euclidean;
  Buffer<int64_t> keep_;                          // the selection (unused when keep_host_ is empty)
  Buffer<double> sx_, sy_, sz_;                   // the selected pixels' coordinates
  Buffer<float> images_, totals_;                 // count x m, as the score reads them
  std::unique_ptr<Blas> blas_;
  std::unique_ptr<nufft::Plan<float>> type2_;
  int64_t type2_n_ = 0;
  double type2_tol_ = 0;
  Buffer<double> rot_;
  Buffer<float> xf_, yf_, zf_, slices_, dots_, terms_, dist_;
  Buffer<Complex<float>> c_;
  Buffer<int64_t> best_;
};

}  // namespace

std::unique_ptr<MtipEngine> make_cuda_engine(int device, const SpiImages& images) {
  return std::make_unique<CudaEngine>(device, images);
}

}  // namespace phasis::spi::detail
