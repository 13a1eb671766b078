// The CPU spreader of the NUFFT pipeline (nufft_impl.hpp): bin-sorted points and spreading by
// subproblems. Sorting: a parallel counting sort (bin_sort.hpp) on bins of 16 x 16 (2D) or
// 16 x 4 x 4 (3D) fine cells, so consecutive points touch nearby cells. Spreading: the sorted
// points are cut into chunks of at most Options::subproblem_points; each thread spreads a chunk
// into a private zeroed subgrid covering the chunk's supports, then adds the subgrid to the fine
// grid (wrapped) in chunk order (an OpenMP ordered region), so no two threads ever write the same
// cell at once and every run with the same thread count gives the same sums.
#pragma once

#include <cstdint>
#include <vector>

#include "phasis/nufft/nufft.hpp"
#include "backend/cpu.hpp"
#include "nufft/nufft_kernels.hpp"

namespace phasis::nufft {

/// A chunk's subgrid: first cell (unwrapped, may be negative) and size per dimension.
struct SubgridBox {
  int64_t lo[3] = {0, 0, 0};
  int64_t size[3] = {1, 1, 1};
};

template <class T>
class CpuSpreader {
 public:
  CpuSpreader(const CpuBackend& backend, const Geometry& g, const Options& opt);
  /// Nothing to select on the CPU: every parallel region names the backend's thread count.
  void activate() const {}
  void release() const noexcept {}
  /// Host memory needs no check.
  void check_memory(const void*, const char*) const {}
  void set_points(int64_t m, const T* x, const T* y, const T* z);
  /// Zeroes the fine grid of every transform, then spreads c (transforms x m) onto it.
  void spread(const Complex<T>* c, Complex<T>* fine, int64_t transforms, const KernelEval<T>& kernel) const;

  const double* sx() const { return s_[0].data(); }
  const double* sy() const { return s_[1].data(); }
  const double* sz() const { return g_.dims == 3 ? s_[2].data() : nullptr; }
  const int64_t* order() const { return order_.data(); }
  /// One method each on the CPU: this spreader's subgrids, and the engine's loop over points.
  const char* spread_method() const { return "cpu"; }
  const char* interpolate_method() const { return "cpu"; }

 private:
  /// Spreads sorted points [p0, p1) into sub, sized and zeroed here.
  SubgridBox spread_chunk(const Complex<T>* c, int64_t p0, int64_t p1, const KernelEval<T>& kernel,
                          std::vector<Complex<T>>& sub) const;
  /// fine += sub, wrapped.
  void add_subgrid(const SubgridBox& box, const std::vector<Complex<T>>& sub, Complex<T>* fine) const;

  const CpuBackend& b_;
  Geometry g_;
  int threads_;
  bool sort_;
  int64_t subproblem_;
  int64_t m_ = 0;
  std::vector<double> s_[3];  // fine coordinates in sorted order (double: see ToGrid)
  std::vector<int64_t> order_;  // sorted position -> caller's index
};

}  // namespace phasis::nufft
