// The NUFFT on the CUDA backend: cuFFT, the shared kernels of nufft_kernels.hpp, and a spreader
// that sorts the points by bin on the device (a counting sort, kept across executions) and
// spreads either bin by bin in shared memory or one thread per point with global atomics
// (spread_cuda.cuh has both). Every call first selects the plan's device, so plans on several
// GPUs never touch each other's memory; pointers must be device memory of that GPU.
#include <thrust/execution_policy.h>
#include <thrust/scan.h>

#include <algorithm>
#include <string>

#include "engines.hpp"
#include "phasis/backend/cuda.cuh"
#include "spread_cuda.cuh"

namespace phasis::nufft {
namespace {

using namespace cuda_spread;

struct Iota {
  int64_t* out;
  __device__ void operator()(int64_t i) const { out[i] = i; }
};

/// Bins for shared-memory spreading: 32 x 32 (2D) or 16 x 16 x 2 (3D) cells, the largest dimension
/// halved (down to 4) until the box fits kSharedBytes; false when it never does (wide kernels in
/// double), and then the plan spreads with global atomics.
template <class T>
bool shared_bins(Geometry& out) {
  Geometry g = out;
  const int64_t start2[3] = {32, 32, 1}, start3[3] = {16, 16, 2};
  for (int d = 0; d < 3; ++d) g.bin[d] = g.dims == 3 ? start3[d] : start2[d];
  for (;;) {
    if (box_shape(g).cells * 2 * int64_t(sizeof(T)) <= kSharedBytes) break;
    int widest = 0;
    for (int d = 1; d < g.dims; ++d)
      if (g.bin[d] > g.bin[widest]) widest = d;
    if (g.bin[widest] <= 4) return false;
    g.bin[widest] /= 2;
  }
  for (int d = 0; d < 3; ++d) g.bins[d] = (g.fine[d] + g.bin[d] - 1) / g.bin[d];
  out = g;
  return true;
}

template <class T>
class CudaSpreader {
 public:
  CudaSpreader(const Geometry& g, const Options& opt) : g_(g), device_(opt.device), sort_(opt.sort) {
    int count = 0;
    cuda_detail::check(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
    if (device_ < 0 || device_ >= count)
      throw InputError("nufft device: expected a CUDA device in [0, " + std::to_string(count) + "); found " +
                       std::to_string(device_));
    if (opt.spread == Spread::shared && !opt.sort)
      throw InputError("nufft spread shared: needs sorted points (Options::sort = true)");
    if (opt.spread != Spread::global && sort_) {
      shared_ = shared_bins<T>(g_);
      if (!shared_ && opt.spread == Spread::shared)
        throw InputError("nufft spread shared: a bin and the kernel's reach (width " + std::to_string(g.width) +
                         ") do not fit in 48 KiB of shared memory; use Spread::global or automatic");
    }
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

  /// Memory: the order (8 bytes per point) and the sorted fine coordinates (8 per dimension), plus
  /// two arrays per bin; nothing per point beyond what the plan keeps.
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
    // Free the previous point set first: its memory may be needed for this one.
    m_ = 0;
    order_ = Array<int64_t>();
    for (auto& s : s_) s = Array<double>();
    order_ = Array<int64_t>(Shape{m}, Memory::device);
    int64_t* order = order_.data();
    if (sort_) sort(m, in);
    else CudaBackend::for_each(m, Iota{order});
    for (int d = 0; d < g_.dims; ++d) {
      s_[d] = Array<double>(Shape{m}, Memory::device);
      CudaBackend::for_each(m, GatherFine<T>{s_[d].data(), in[d], order, double(g_.fine[d])});
    }
    m_ = m;
    CudaBackend::synchronize();
  }

  void spread(const Complex<T>* c, Complex<T>* fine, int64_t transforms, const KernelEval<T>& kernel) const {
    zero_bytes(fine, Memory::device, std::size_t(transforms * g_.fine_total) * sizeof(Complex<T>));
    if (m_ == 0) return;
    with_width(g_.width, [&](auto w) {
      constexpr int W = decltype(w)::value;
      if (shared_) {
        const SharedSpreadArgs<T> args{c, fine, sx(), sy(), sz(), order(), bin_start_.data(), sub_start_.data(),
                                       nbins(), subproblems_, m_, transforms, box_shape(g_), g_, kernel};
        const int64_t blocks = std::min<int64_t>(subproblems_, int64_t(1) << 20);  // the kernel loops over the rest
        const std::size_t bytes = std::size_t(args.box.cells) * 2 * sizeof(T);
        spread_shared_kernel<T, W><<<unsigned(blocks), kBlockThreads, bytes>>>(args);
        cuda_detail::check(cudaGetLastError(), "nufft shared-memory spreading");
      } else {
        CudaBackend::for_each(m_, SpreadAtomic<T, W>{c, fine, sx(), sy(), sz(), order(), m_, transforms, g_, kernel});
      }
    });
  }

  const double* sx() const { return s_[0].data(); }
  const double* sy() const { return s_[1].data(); }
  const double* sz() const { return s_[2].data(); }
  const int64_t* order() const { return order_.data(); }

 private:
  int64_t nbins() const { return g_.bins[0] * g_.bins[1] * g_.bins[2]; }

  /// Counting sort by bin into order_; keeps the bins' starts and, for shared-memory spreading,
  /// the subproblems' starts.
  void sort(int64_t m, const T* const* in) {
    const int64_t nb = nbins();
    const PointBin<T> bin{in[0], in[1], in[2], g_};
    Array<int64_t> counts(Shape{nb + 1}, Memory::device);
    counts.zero();
    auto* counts_u = reinterpret_cast<unsigned long long*>(counts.data());
    CudaBackend::for_each(m, CountBins<T>{bin, counts_u});
    bin_start_ = Array<int64_t>(Shape{nb + 1}, Memory::device);
    // counts[nb] is 0, so the exclusive scan ends with the total, m.
    thrust::exclusive_scan(thrust::device, counts.data(), counts.data() + nb + 1, bin_start_.data());
    cuda_detail::check(cudaGetLastError(), "nufft bin scan");
    // The counts become the cursors: each bin's next free slot.
    copy_bytes(counts.data(), Memory::device, bin_start_.data(), Memory::device, counts.bytes());
    CudaBackend::for_each(m, PlaceInBins<T>{bin, counts_u, order_.data()});
    if (!shared_) return;
    Array<int64_t>& subs = counts;  // reused: subproblems per bin, then 0 at nb
    CudaBackend::for_each(nb, SubproblemsPerBin{bin_start_.data(), subs.data()});
    zero_bytes(subs.data() + nb, Memory::device, sizeof(int64_t));
    sub_start_ = Array<int64_t>(Shape{nb + 1}, Memory::device);
    thrust::exclusive_scan(thrust::device, subs.data(), subs.data() + nb + 1, sub_start_.data());
    cuda_detail::check(cudaGetLastError(), "nufft subproblem scan");
    copy_bytes(&subproblems_, Memory::host, sub_start_.data() + nb, Memory::device, sizeof(int64_t));
  }

  Geometry g_;
  int device_;
  bool sort_;
  bool shared_ = false;
  int64_t m_ = 0;
  int64_t subproblems_ = 0;
  Array<double> s_[3];
  Array<int64_t> order_;
  Array<int64_t> bin_start_;
  Array<int64_t> sub_start_;
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
