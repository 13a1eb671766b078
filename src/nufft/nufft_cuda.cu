// The NUFFT on the CUDA backend: cuFFT, the shared kernels of nufft_kernels.hpp, and a spreader
// that sorts the points by bin on the device (a counting sort, kept across executions) and
// spreads either bin by bin in shared memory or one thread per point with global atomics
// (spread_cuda.cuh has both). Every call first selects the plan's device, so plans on several
// GPUs never touch each other's memory; pointers must be device memory of that GPU.
#include <cub/device/device_scan.cuh>

#include <algorithm>
#include <string>
#include <vector>

#include "engines.hpp"
#include "backend/cuda.cuh"
#include "launch_cuda.cuh"
#include "spread_cuda.cuh"

namespace phasis::nufft {
namespace {

using namespace cuda_spread;

struct Iota {
  int64_t* out;
  __device__ void operator()(int64_t i) const { out[i] = i; }
};

/// Bins for a point density (points per fine cell): among bins of 4 ... 128 cells per dimension
/// (z: 1 in 2D) whose box fits `budget` bytes and the fine grid (tiny grids have none: they
/// spread and interpolate one thread per point), the one with the fewest box cells per point of
/// a subproblem (cells / min(points per bin, subproblem size)): each subproblem zeroes its box
/// and adds it back (type 1) or reads it (type 2) once. Returns that cost, or -1 when no bin fits.
template <class T>
double choose_bins(Geometry& g, int64_t budget, double density) {
  const int64_t sizes[6] = {4, 8, 16, 32, 64, 128};
  double best = -1;
  int64_t best_bin[3] = {1, 1, 1};
  int64_t best_cells = 0;
  const int nz = g.dims == 3 ? 6 : 1;
  for (int ix = 0; ix < 6; ++ix)
    for (int iy = 0; iy < 6; ++iy)
      for (int iz = 0; iz < nz; ++iz) {
        const int64_t bin[3] = {sizes[ix], sizes[iy], g.dims == 3 ? sizes[iz] : 1};
        Geometry t = g;
        for (int d = 0; d < 3; ++d) t.bin[d] = bin[d];
        const BoxShape box = box_shape(t);
        // A box no larger than the grid: its cells then lie within one period either side of the
        // grid, which the kernels' one-compare wrap needs.
        bool inside = true;
        for (int d = 0; d < g.dims; ++d)
          if (box.size[d] > g.fine[d]) inside = false;
        if (!inside) continue;
        if (box.cells * 2 * int64_t(sizeof(T)) > budget) continue;
        const double per_bin = density * double(bin[0] * bin[1] * bin[2]);
        const double points = std::max(1e-3, std::min(per_bin, double(kSubproblemPoints)));
        const double cost = double(box.cells) / points;
        // Ties: the smaller box, then the longer x rows (coalesced box reads and writes).
        const bool tie = cost <= best * (1 + 1e-9);
        if (best < 0 || cost < best * (1 - 1e-9) ||
            (tie && (box.cells < best_cells || (box.cells == best_cells && bin[0] > best_bin[0])))) {
          best = cost;
          best_cells = box.cells;
          for (int d = 0; d < 3; ++d) best_bin[d] = bin[d];
        }
      }
  if (best < 0) return -1;
  for (int d = 0; d < 3; ++d) {
    g.bin[d] = best_bin[d];
    g.bins[d] = (g.fine[d] + g.bin[d] - 1) / g.bin[d];
  }
  return best;
}

template <class T>
class CudaSpreader {
 public:
  CudaSpreader(const CudaBackend& backend, const Geometry& g, const Options& opt)
      : b_(backend), g_(g), device_(opt.device.index), sort_(opt.sort), spread_(opt.spread), interp_(opt.interpolate) {
    int count = 0;
    cuda_detail::check(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
    if (device_ < 0 || device_ >= count)
      throw InputError("nufft device: expected a CUDA device in [0, " + std::to_string(count) + "); found " +
                       std::to_string(device_));
    if (opt.spread == Spread::shared && !opt.sort)
      throw InputError("nufft spread shared: needs sorted points (Options::sort = true)");
    if (opt.interpolate == Interpolate::shared && !opt.sort)
      throw InputError("nufft interpolate shared: needs sorted points (Options::sort = true)");
    if (opt.shared_bytes < 0)
      throw InputError("nufft shared_bytes: expected 0 (automatic) or a positive size; found " +
                       std::to_string(opt.shared_bytes));
    int optin = 0, per_sm = 0;
    cuda_detail::check(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device_),
                       "cudaDeviceGetAttribute");
    cuda_detail::check(cudaDeviceGetAttribute(&per_sm, cudaDevAttrMaxSharedMemoryPerMultiprocessor, device_),
                       "cudaDeviceGetAttribute");
    // 1 KiB per block is the system's; 256 bytes cover the kernels' static shared variables.
    const int64_t limit = int64_t(optin) - 256;
    budget_ = opt.shared_bytes > 0 ? std::min<int64_t>(opt.shared_bytes, limit)
                                   : std::min<int64_t>(limit, int64_t(per_sm) / 2 - 1024 - 256);
    Geometry probe = g_;
    fits_ = sort_ && choose_bins<T>(probe, budget_, 1.0) >= 0;
    const bool wants = opt.spread == Spread::shared || opt.interpolate == Interpolate::shared;
    if (!fits_ && wants && sort_)
      throw InputError("nufft shared: no bin and the kernel's reach (width " + std::to_string(g.width) +
                       ") fit in " + std::to_string(budget_) +
                       " bytes of shared memory and within the fine grid; use Spread/Interpolate global or automatic");
    choose_methods();
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
    if (!sort_) check_finite(m, in, names);
    // The arrays of the previous point set are kept when large enough (no allocation, no
    // implicit synchronisation); otherwise freed first: their memory may be needed for this one.
    m_ = 0;
    if (order_.size() < m) {
      order_ = Array<int64_t>();
      for (auto& s : s_) s = Array<double>();
      order_ = Array<int64_t>(Shape{m}, Memory::device);
      for (int d = 0; d < g_.dims; ++d) s_[d] = Array<double>(Shape{m}, Memory::device);
    }
    int64_t* order = order_.data();
    if (sort_) {
      if (fits_) cost_ = choose_bins<T>(g_, budget_, double(m) / double(g_.fine_total));
      sort_checked(m, in, names);
    } else {
      b_.for_each(m, Iota{order});
    }
    GatherFineAll<T> gather{};
    for (int d = 0; d < 3; ++d) {
      gather.dst[d] = d < g_.dims ? s_[d].data() : nullptr;
      gather.src[d] = in[d];
      gather.n[d] = double(g_.fine[d]);
    }
    gather.order = order;
    gather.dims = g_.dims;
    b_.for_each(m, gather);
    m_ = m;
    choose_methods();
    b_.synchronize();
  }

  void spread(const Complex<T>* c, Complex<T>* fine, int64_t transforms, const KernelEval<T>& kernel) {
    zero_bytes(fine, Memory::device, std::size_t(transforms * g_.fine_total) * sizeof(Complex<T>));
    if (m_ == 0) return;
    launch(spread_shared_, true, c, fine, transforms, kernel);
  }

  /// Type 2's last step: c at the points from the fine grid (the CUDA engine's own interpolation).
  void interpolate(const Complex<T>* fine, Complex<T>* c, int64_t transforms, const KernelEval<T>& kernel) {
    if (m_ == 0) return;
    launch(interp_shared_, false, const_cast<Complex<T>*>(fine), c, transforms, kernel);
  }

  const char* spread_method() const { return spread_shared_ ? "shared" : "global"; }
  const char* interpolate_method() const { return interp_shared_ ? "shared" : "global"; }

  const double* sx() const { return s_[0].data(); }
  const double* sy() const { return s_[1].data(); }
  const double* sz() const { return s_[2].data(); }
  const int64_t* order() const { return order_.data(); }

 private:
  // Cost model of the automatic choice: shared when the box's global traffic per point
  // (cost_ = box cells / points of a subproblem) is below this fraction of the w^d global
  // accesses per point of the one-thread-per-point kernels. Atomics (type 1) are dearer than
  // cached reads (type 2), so type 1 switches to shared sooner. The first-generation kernels'
  // measurements on the H100 (16 x 16 x 2 bins, 3D float, width 6; docs/performance.md) put the
  // break-even of type 1 between 19 (shared 2.7x faster) and 150 (1.4x slower) box cells per
  // point for w^d = 216. Type 2 with the present kernels (H100, 2026-11-23, 10^7 points, width
  // 6): shared wins at 128^3 modes (3,359 against 2,187 Mpts/s; points 8 times denser on the fine
  // grid) and loses at 256^3 (1,041 against 1,296, 45 cells per point), so its break-even lies
  // between: 0.15 w^d = 32.
  static constexpr double kSpreadSharedRatio = 0.5;
  static constexpr double kInterpSharedRatio = 0.15;

  /// Shared or global for one direction: as asked (the constructor made sure that a box fits
  /// and the points are sorted when shared is), or by the cost model at the current bins for
  /// automatic: global where no box fits, the points are unsorted, or none have been set yet.
  bool shared_for(bool asked, bool automatic, double ratio) const {
    if (asked) return true;
    if (!automatic || !fits_ || !sort_ || cost_ < 0) return false;
    double wd = 1;
    for (int d = 0; d < g_.dims; ++d) wd *= g_.width;
    return cost_ < ratio * wd;
  }

  /// The methods every execution until the next set_points uses: chosen here once (at plan
  /// creation, then by each set_points, which sizes the bins for the points' density), so an
  /// execution only launches, and spread_method / interpolate_method report what ran.
  void choose_methods() {
    spread_shared_ = shared_for(spread_ == Spread::shared, spread_ == Spread::automatic, kSpreadSharedRatio);
    interp_shared_ =
        shared_for(interp_ == Interpolate::shared, interp_ == Interpolate::automatic, kInterpSharedRatio);
  }

  /// Launches one of the four kernels: type 1 (spread) or 2, shared or not.
  void launch(bool shared, bool spread, const Complex<T>* c, Complex<T>* out, int64_t transforms,
              const KernelEval<T>& kernel) {
    const std::vector<T>& coeffs = host_coeffs(kernel);
    BoxArgs<T> a{};
    a.c = c;
    a.cw = out;
    a.fine = spread ? out : const_cast<Complex<T>*>(c);
    a.sx = sx();
    a.sy = sy();
    a.sz = sz();
    a.order = order();
    a.key_start = bin_start_.data();
    a.sub_start = sub_start_.data();
    a.key_stride = key_stride_;
    a.nbins = nbins();
    a.subproblems = subproblems_;
    a.sub_points = kSubproblemPoints;
    a.m = m_;
    a.transforms = transforms;
    a.s.dims = g_.dims;
    const BoxShape box = box_shape(g_);
    for (int d = 0; d < 3; ++d) {
      a.s.n[d] = int(g_.fine[d]);
      a.s.bin[d] = int(g_.bin[d]);
      a.s.bins[d] = int(g_.bins[d]);
      a.s.box[d] = int(box.size[d]);
    }
    a.s.cells = int(box.cells);
    a.s.fine_total = g_.fine_total;
    if (!spread) {  // type 2 reads c's role from fine and writes c
      a.fine = const_cast<Complex<T>*>(c);
      a.cw = out;
    }
    if (g_.dims == 3) launch_box<T, 3>(shared, spread, a, kernel, coeffs.data(), int64_t(coeffs.size()), g_.width);
    else launch_box<T, 2>(shared, spread, a, kernel, coeffs.data(), int64_t(coeffs.size()), g_.width);
  }

  /// A host copy of the kernel's polynomial table (device memory of the engine), fetched once.
  const std::vector<T>& host_coeffs(const KernelEval<T>& k) {
    if (k.coeffs != coeffs_from_) {
      coeffs_from_ = k.coeffs;
      host_coeffs_.clear();
      if (k.coeffs) {
        host_coeffs_.resize(std::size_t(k.degree + 1) * std::size_t(g_.width));
        copy_bytes(host_coeffs_.data(), Memory::host, k.coeffs, Memory::device, host_coeffs_.size() * sizeof(T));
      }
    }
    return host_coeffs_;
  }

  void check_finite(int64_t m, const T* const* in, const char* const* names) const {
    for (int d = 0; d < g_.dims; ++d) {
      const double bad = b_.sum(m, NotFinite<T>{in[d]});
      if (bad > 0)
        throw InputError("nufft points: expected finite coordinates; found " + std::to_string(int64_t(bad)) +
                         " NaN or infinite values of " + names[d]);
    }
  }

  /// Exclusive scan of n + 1 counts (the last 0) into out, with CUB and a kept scratch buffer.
  void scan(const int64_t* in, int64_t* out, int64_t n) {
    std::size_t bytes = 0;
    cuda_detail::check(cub::DeviceScan::ExclusiveSum(nullptr, bytes, in, out, n), "nufft scan size");
    if (int64_t(bytes) > scratch_.size()) scratch_ = Array<unsigned char>(Shape{int64_t(bytes)}, Memory::device);
    cuda_detail::check(cub::DeviceScan::ExclusiveSum(scratch_.data(), bytes, in, out, n), "nufft scan");
  }

  /// Counting sort by key (bin, then sub-bin; with the finiteness check in its counting pass)
  /// into order_; keeps the keys' starts (bin_start_) and the subproblems' starts per bin.
  void sort_checked(int64_t m, const T* const* in, const char* const* names) {
    PointKey<T> key{in[0], in[1], in[2], g_, {1, 1, 1}, {1, 1, 1}};
    key_stride_ = 1;
    for (int d = 0; d < g_.dims; ++d) {
      // Sub-bins of 4^3 (3D) or 8^2 (2D) cells: a few dozen points each at the densities where
      // one thread per point competes, so a warp's points share their supports' cache lines.
      key.sub[d] = int(std::min<int64_t>(g_.bin[d], g_.dims == 3 ? 4 : 8));
      key.subs[d] = int((g_.bin[d] + key.sub[d] - 1) / key.sub[d]);
      key_stride_ *= key.subs[d];
    }
    const int64_t nb = nbins(), nk = nb * key_stride_;
    if (counts_.size() < nk + 1) {
      counts_ = Array<int64_t>(Shape{nk + 1}, Memory::device);
      bin_start_ = Array<int64_t>(Shape{nk + 1}, Memory::device);
    }
    if (sub_start_.size() < nb + 1) sub_start_ = Array<int64_t>(Shape{nb + 1}, Memory::device);
    if (bad_.empty()) bad_ = Array<int64_t>(Shape{3}, Memory::device);
    zero_bytes(counts_.data(), Memory::device, std::size_t(nk + 1) * sizeof(int64_t));
    bad_.zero();
    auto* counts_u = reinterpret_cast<unsigned long long*>(counts_.data());
    b_.for_each(m, CountKeysChecked<T>{key, counts_u, reinterpret_cast<unsigned long long*>(bad_.data())});
    int64_t bad[3] = {0, 0, 0};
    copy_bytes(bad, Memory::host, bad_.data(), Memory::device, sizeof(bad));
    for (int d = 0; d < g_.dims; ++d)
      if (bad[d] > 0)
        throw InputError("nufft points: expected finite coordinates; found " + std::to_string(bad[d]) +
                         " NaN or infinite values of " + names[d]);
    // counts[nk] is 0, so the exclusive scan ends with the total, m.
    scan(counts_.data(), bin_start_.data(), nk + 1);
    // The counts become the cursors: each key's next free slot.
    copy_bytes(counts_.data(), Memory::device, bin_start_.data(), Memory::device, std::size_t(nk + 1) * sizeof(int64_t));
    b_.for_each(m, PlaceByKey<T>{key, counts_u, order_.data()});
    if (!fits_) return;
    b_.for_each(nb, SubproblemsPerKeyedBin{bin_start_.data(), key_stride_, kSubproblemPoints, counts_.data()});
    zero_bytes(counts_.data() + nb, Memory::device, sizeof(int64_t));
    scan(counts_.data(), sub_start_.data(), nb + 1);
    copy_bytes(&subproblems_, Memory::host, sub_start_.data() + nb, Memory::device, sizeof(int64_t));
  }

  int64_t nbins() const { return g_.bins[0] * g_.bins[1] * g_.bins[2]; }

  const CudaBackend& b_;
  Geometry g_;
  int device_;
  bool sort_;
  Spread spread_;
  Interpolate interp_;
  bool fits_ = false;     // some bin's box fits budget_
  int64_t budget_ = 0;    // shared memory a box may take
  double cost_ = -1;      // box cells per point of a subproblem at the current points
  bool spread_shared_ = false;  // the methods chosen by choose_methods
  bool interp_shared_ = false;
  int64_t m_ = 0;
  int64_t subproblems_ = 0;
  int64_t key_stride_ = 1;  // sort keys (sub-bins) per bin
  Array<double> s_[3];
  Array<int64_t> order_;
  Array<int64_t> counts_;
  Array<int64_t> bin_start_;
  Array<int64_t> sub_start_;
  Array<int64_t> bad_;
  Array<unsigned char> scratch_;
  const T* coeffs_from_ = nullptr;
  std::vector<T> host_coeffs_;
};

}  // namespace

template <class T>
std::unique_ptr<typename Plan<T>::Impl> make_cuda_engine(const Geometry& g, const KernelShape& k,
                                                         int64_t transforms, const Options& opt) {
  // The kernels' 32-bit per-dimension indices and one-compare wraps; checked before the plan
  // touches the device or allocates its fine grid.
  for (int d = 0; d < g.dims; ++d)
    if (g.fine[d] >= (int64_t(1) << 30))
      throw InputError("nufft modes: expected a fine grid below 2^30 cells per dimension on CUDA; found " +
                       std::to_string(g.fine[d]));
  return std::make_unique<Engine<CudaBackend, T, CudaSpreader<T>>>(g, k, transforms, opt);
}

template std::unique_ptr<Plan<float>::Impl> make_cuda_engine<float>(const Geometry&, const KernelShape&, int64_t,
                                                                    const Options&);
template std::unique_ptr<Plan<double>::Impl> make_cuda_engine<double>(const Geometry&, const KernelShape&, int64_t,
                                                                      const Options&);

}  // namespace phasis::nufft
