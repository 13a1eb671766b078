// The NUFFT on the CUDA backend: cuFFT, the shared kernels of nufft_kernels.hpp, and a spreader
// that sorts the points by bin on the device (a stable radix sort, kept across executions) and
// spreads one thread per sorted point with atomicAdd: threads of a warp hold neighbouring points,
// so their atomics hit the same cache lines. Every call first selects the plan's device, so plans
// on several GPUs never touch each other's memory; pointers must be device memory of that GPU.
#include <thrust/execution_policy.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>

#include <string>

#include "engines.hpp"
#include "phasis/backend/cuda.cuh"

namespace phasis::nufft {
namespace {

/// Spreads every transform's value at the point in sorted position p onto its W^d support.
template <class T, int W>
struct SpreadAtomic {
  const Complex<T>* c;
  Complex<T>* fine;
  const double* sx;
  const double* sy;
  const double* sz;
  const int64_t* order;
  int64_t m;
  int64_t transforms;
  Geometry g;
  KernelEval<T> kernel;
  __device__ void operator()(int64_t p) const {
    const Support<T, W> s(g, kernel, sx, sy, sz, p);
    const int wz = g.dims == 3 ? W : 1;
    const int64_t j = order[p];
    for (int64_t t = 0; t < transforms; ++t) {
      const Complex<T> v = c[t * m + j];
      Complex<T>* b = fine + t * g.fine_total;
      for (int cz = 0; cz < wz; ++cz)
        for (int cy = 0; cy < W; ++cy) {
          const T wyz = s.k[1][cy] * s.k[2][cz], re = v.re * wyz, im = v.im * wyz;
          Complex<T>* row = b + (s.i[2][cz] * g.fine[1] + s.i[1][cy]) * g.fine[0];
          for (int cx = 0; cx < W; ++cx) {
            atomicAdd(&row[s.i[0][cx]].re, re * s.k[0][cx]);
            atomicAdd(&row[s.i[0][cx]].im, im * s.k[0][cx]);
          }
        }
    }
  }
};

struct Iota {
  int64_t* out;
  __device__ void operator()(int64_t i) const { out[i] = i; }
};

struct BinIndex {
  int64_t* bin;
  const double* ux;
  const double* uy;
  const double* uz;
  Geometry g;
  __device__ void operator()(int64_t i) const { bin[i] = bin_of(g, ux, uy, uz, i); }
};

/// dst[p] = src[order[p]]: coordinates into sorted order.
struct Gather {
  double* dst;
  const double* src;
  const int64_t* order;
  __device__ void operator()(int64_t p) const { dst[p] = src[order[p]]; }
};

template <class T>
class CudaSpreader {
 public:
  CudaSpreader(const Geometry& g, const Options& opt) : g_(g), device_(opt.device), sort_(opt.sort) {
    int count = 0;
    cuda_detail::check(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
    if (device_ < 0 || device_ >= count)
      throw InputError("nufft device: expected a CUDA device in [0, " + std::to_string(count) + "); found " +
                       std::to_string(device_));
    activate();
  }

  void activate() const { cuda_detail::check(cudaSetDevice(device_), "cudaSetDevice"); }
  void release() const noexcept { cudaSetDevice(device_); }

  /// Throws InputError unless p (when not null) is memory of this plan's device.
  void check_memory(const void* p, const char* what) const {
    if (!p) return;
    cudaPointerAttributes a{};
    if (cudaPointerGetAttributes(&a, p) != cudaSuccess) {
      cudaGetLastError();
      a.type = cudaMemoryTypeUnregistered;
    }
    const bool ok = (a.type == cudaMemoryTypeDevice && a.device == device_) || a.type == cudaMemoryTypeManaged;
    if (!ok)
      throw InputError(std::string("nufft cuda plan: expected ") + what + " in the memory of device " +
                       std::to_string(device_) + "; found host memory or another device's");
  }

  void set_points(int64_t m, const T* x, const T* y, const T* z) {
    const T* in[3] = {x, y, z};
    const char* names[3] = {"x", "y", "z"};
    for (int d = 0; d < g_.dims; ++d) check_memory(in[d], names[d]);
    for (int d = 0; d < g_.dims; ++d) {
      const double bad = CudaBackend::sum(m, NotFinite<T>{in[d]});
      if (bad > 0)
        throw InputError("nufft points: expected finite coordinates; found " + std::to_string(int64_t(bad)) +
                         " NaN or infinite values of " + names[d]);
    }
    Array<double> u[3];
    for (int d = 0; d < g_.dims; ++d) {
      u[d] = Array<double>(Shape{m}, Memory::device);
      CudaBackend::for_each(m, ToGrid<T>{in[d], u[d].data(), double(g_.fine[d])});
    }
    order_ = Array<int64_t>(Shape{m}, Memory::device);
    int64_t* order = order_.data();
    CudaBackend::for_each(m, Iota{order});
    if (sort_ && m > 1) {
      Array<int64_t> bins(Shape{m}, Memory::device);
      int64_t* bin = bins.data();
      const double* uz = g_.dims == 3 ? u[2].data() : nullptr;
      CudaBackend::for_each(m, BinIndex{bin, u[0].data(), u[1].data(), uz, g_});
      // Stable, so equal bins keep the caller's order and the result is reproducible.
      thrust::stable_sort_by_key(thrust::device, bin, bin + m, order);
      cuda_detail::check(cudaGetLastError(), "nufft point sort");
    }
    for (int d = 0; d < 3; ++d) {
      if (d >= g_.dims) {
        s_[d] = Array<double>();
        continue;
      }
      s_[d] = Array<double>(Shape{m}, Memory::device);
      CudaBackend::for_each(m, Gather{s_[d].data(), u[d].data(), order});
    }
    m_ = m;
  }

  void spread(const Complex<T>* c, Complex<T>* fine, int64_t transforms, const KernelEval<T>& kernel) const {
    zero_bytes(fine, Memory::device, std::size_t(transforms * g_.fine_total) * sizeof(Complex<T>));
    with_width(g_.width, [&](auto w) {
      CudaBackend::for_each(m_, SpreadAtomic<T, decltype(w)::value>{c, fine, sx(), sy(), sz(), order(), m_,
                                                                     transforms, g_, kernel});
    });
  }

  const double* sx() const { return s_[0].data(); }
  const double* sy() const { return s_[1].data(); }
  const double* sz() const { return s_[2].data(); }
  const int64_t* order() const { return order_.data(); }

 private:
  Geometry g_;
  int device_;
  bool sort_;
  int64_t m_ = 0;
  Array<double> s_[3];
  Array<int64_t> order_;
};

}  // namespace

template <class T>
std::unique_ptr<typename Plan<T>::Impl> make_cuda_engine(const Geometry& g, const KernelShape& k,
                                                         int64_t transforms, const Options& opt) {
  if (!cuda_available()) throw DeviceError("nufft target cuda: expected a CUDA GPU; found none");
  return std::make_unique<Engine<CudaBackend, T, CudaSpreader<T>>>(g, k, transforms, opt);
}

template std::unique_ptr<Plan<float>::Impl> make_cuda_engine<float>(const Geometry&, const KernelShape&, int64_t,
                                                                    const Options&);
template std::unique_ptr<Plan<double>::Impl> make_cuda_engine<double>(const Geometry&, const KernelShape&, int64_t,
                                                                      const Options&);

}  // namespace phasis::nufft
