// CPU backend: the primitives every solver template is written against, run with OpenMP.
// A backend is an object: a solver holds one and calls its members. The CPU backend owns its
// thread count, which every parallel region names in a num_threads clause (never OpenMP's global
// setting, so two backends with different counts run side by side in one process). The same
// members exist in CudaBackend (cuda.cuh), and both satisfy the Backend concept (concept.hpp); a
// solver instantiated with either runs the same math, which lives in PHASIS_HD functors.
//   for_each(n, f)            f(i) for i in [0, n)
//   sum(n, f)                 sum of f(i) (f may also write), accumulated in double
//   max(n, f)                 max of f(i)
//   sum_segments(s, len, f, out)  out[k] = sum of f(k * len + i) for i < len, k < s (host array)
//   scatter_add(...)          out[target] += value for every pixel of every frame, where frames
//                             overlap: here with per-thread copies of the output (see below).
//   sums(count)               `count` sums kept where the backend computes (Sums), read at once
//   sum_into(n, f, sums, k)   adds sum of f(i) to sums slot k without waiting for it
//   scatter_add_sum(..., sums, k)  scatter_add whose functor also returns a scalar per pixel
//                             (ScatterSumTerm::extra); their sum goes to sums slot k, in double.
//   gather_add(...)           the same sums for frames on a plane (TileFrames): every plane pixel
//                             adds the terms of the frame pixels above it, in frame order, with no
//                             atomics and no private copies; gather_add_sum also sums `extra`.
// sum and max return their value, so they wait for the work before them; the *_into and *_sum
// members leave their results in a Sums, whose read() is the one point that waits (the solvers
// read once per iteration, not once per batch).
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>
#ifndef PHASIS_SCATTER_LIMIT
#define PHASIS_SCATTER_LIMIT (1ll << 30)
#endif

#include "backend/concept.hpp"
#include "backend/tile_frames.hpp"
#include "phasis/core/device.hpp"  // for Device
#include "phasis/core/array.hpp"    // for Memory
#include "phasis/core/complex.hpp"  // for Complex
#include "phasis/fft/fft.hpp"       // for FftwPlan

namespace phasis {

/// Sums on the host: nothing to wait for; read() returns the slots (the same interface as CudaSums).
class CpuSums {
 public:
  explicit CpuSums(int count = 0) : slots_(size_t(count), 0.0) {}
  void zero() { std::fill(slots_.begin(), slots_.end(), 0.0); }
  std::vector<double> read() const { return slots_; }
  double& operator[](int k) { return slots_.at(size_t(k)); }

 private:
  std::vector<double> slots_;
};

/// The CPU's frames already live in host memory, so its staging is a plain copy (the solver never
/// streams on the CPU; this keeps the one template compiling for both backends).
struct CpuStaging {
  void fetch(int, void* dst, const void* src, std::size_t bytes) { std::memcpy(dst, src, bytes); }
  void fetched(int) {}
  void use(int) {}
  void store(int, void* dst, const void* src, std::size_t bytes) { std::memcpy(dst, src, bytes); }
  void release(int) {}
  void drain() {}
};

class CpuBackend {
 public:
  static constexpr Memory memory = Memory::host;
  using Staging = CpuStaging;
  using Sums = CpuSums;
  static constexpr const char* name = "cpu";
  template <class T>
  using Fft = FftwPlan<T>;

  /// `threads` <= 0: as many as OpenMP would use (omp_get_max_threads at construction).
  explicit CpuBackend(int threads = 0) : threads_(threads > 0 ? threads : omp_get_max_threads()) {}
  explicit CpuBackend(const Device& d) : CpuBackend(d.threads) {}
  int threads() const { return threads_; }
  Device device() const { return Device::cpu(threads_); }
  /// An FFT plan whose threads are this backend's.
  template <class T>
  std::unique_ptr<Fft<T>> fft(std::vector<int> dims, int64_t batch) const {
    return std::make_unique<Fft<T>>(std::move(dims), batch, threads_);
  }
  Staging staging() const { return {}; }
  // gather_add's tiles: 64 rows of 256 pixels, so a frame row crosses few tiles and the inner loop
  // runs long (a thread owns a whole tile; no atomics, so no reason to make tiles small).
  static constexpr int64_t gather_tile[2] = {64, 256};

  template <class F>
  void for_each(int64_t n, F f) const {
#pragma omp parallel for schedule(static) num_threads(threads_)
    for (int64_t i = 0; i < n; ++i) f(i);
  }

  /// Deterministic for a given thread count: each thread sums its static share of [0, n), and the
  /// shares are added in thread order (an OpenMP reduction adds them in the order threads finish,
  /// which changes the last bits from run to run).
  template <class F>
  double sum(int64_t n, F f) const {
    std::vector<double> part(size_t(threads_) * kPad, 0.0);
#pragma omp parallel num_threads(threads_)
    {
      double acc = 0;
#pragma omp for schedule(static)
      for (int64_t i = 0; i < n; ++i) acc += double(f(i));
      part[size_t(omp_get_thread_num()) * kPad] = acc;
    }
    return in_order(part);
  }

  Sums sums(int count) const { return Sums(count); }

  /// sums[k] += sum(n, f).
  template <class F>
  void sum_into(int64_t n, F f, Sums& sums, int k) const {
    sums[k] += sum(n, f);
  }

  template <class F>
  double max(int64_t n, F f) const {
    double acc = -1e300;
#pragma omp parallel for schedule(static) num_threads(threads_) reduction(max : acc)
    for (int64_t i = 0; i < n; ++i) acc = std::max(acc, double(f(i)));
    return acc;
  }

  template <class F>
  void sum_segments(int64_t segments, int64_t len, F f, double* out) const {
#pragma omp parallel for schedule(static) num_threads(threads_)
    for (int64_t k = 0; k < segments; ++k) {
      double acc = 0;
      for (int64_t i = 0; i < len; ++i) acc += double(f(k * len + i));
      out[k] = acc;
    }
  }

  /// For frames j < nframes of h x w pixels: f(j, y, x) returns {target index, complex value,
  /// real weight}; adds them to num[target] and den[target], targets < `targets`.
  /// Threads take whole frames and add into private copies of num and den, summed at the end: one
  /// parallel region, no locks. Where those copies would pass 1 GiB, frames go one after another
  /// with their rows in parallel instead (no two threads touch one target within a frame).
  template <class T, class F>
  void scatter_add(int64_t nframes, int64_t h, int64_t w, F f, Complex<T>* num, T* den, int64_t targets) const {
    scatter<false, T>(nframes, h, w, f, num, den, targets);
  }

  /// scatter_add for functors returning ScatterSumTerm: the same adds into num and den, and the sum
  /// of every pixel's `extra` in double added to sums[k] (per-thread partials next to the private
  /// copies). Lets a pass that writes per-pixel values (the exit-wave update) scatter them and
  /// report its error in the same read.
  template <class T, class F>
  void scatter_add_sum(int64_t nframes, int64_t h, int64_t w, F f, Complex<T>* num, T* den, int64_t targets,
                       Sums& sums, int k) const {
    sums[k] += scatter<true, T>(nframes, h, w, f, num, den, targets);
  }

  /// For every layer l < layers and plane pixel (oy, ox): num[l plane + oy w + ox] += the values,
  /// and den += the weights, of f((j - j0) layers + l, y, x) over frames j in [j0, j0 + nb) whose
  /// pixel (y, x) = (oy, ox) - offset_j lies inside the frame, summed in ascending j. f returns a
  /// ScatterTerm (its target is that pixel and is not read).
  template <class T, class F>
  void gather_add(const TileFramesView& t, int64_t layers, int64_t j0, int64_t nb, F f, Complex<T>* num, T* den) const {
    gather<false, T>(t, layers, j0, nb, f, num, den);
  }

  /// gather_add for functors returning ScatterSumTerm; the sum of `extra` in double goes to sums[k].
  template <class T, class F>
  void gather_add_sum(const TileFramesView& t, int64_t layers, int64_t j0, int64_t nb, F f, Complex<T>* num,
                      T* den, Sums& sums, int k) const {
    sums[k] += gather<true, T>(t, layers, j0, nb, f, num, den);
  }

  void synchronize() const {}

 private:
  template <bool Sum, class T, class F>
  double scatter(int64_t nframes, int64_t h, int64_t w, F f, Complex<T>* num, T* den, int64_t targets) const {
    const int threads = threads_;
    const double private_bytes = double(threads) * double(targets) * (sizeof(Complex<T>) + sizeof(T));
    if (threads > 1 && private_bytes <= double(PHASIS_SCATTER_LIMIT)) {
      std::vector<Complex<T>> pnum(size_t(threads) * targets);
      std::vector<T> pden(size_t(threads) * targets);
      std::vector<double> part(size_t(threads) * kPad, 0.0);
#pragma omp parallel num_threads(threads)
      {
        const int t = omp_get_thread_num();
        Complex<T>* my_num = pnum.data() + size_t(t) * targets;
        T* my_den = pden.data() + size_t(t) * targets;
        double my_extra = 0;
#pragma omp for schedule(static)
        for (int64_t j = 0; j < nframes; ++j)
          for (int64_t y = 0; y < h; ++y)
            for (int64_t x = 0; x < w; ++x) {
              const auto s = f(j, y, x);
              my_num[s.target] += s.value;
              my_den[s.target] += s.weight;
              if constexpr (Sum) my_extra += double(s.extra);
            }
        part[size_t(t) * kPad] = my_extra;
#pragma omp for schedule(static)
        for (int64_t i = 0; i < targets; ++i)
          for (int u = 0; u < threads; ++u) {
            num[i] += pnum[size_t(u) * targets + i];
            den[i] += pden[size_t(u) * targets + i];
          }
      }
      return in_order(part);
    }
    double extra = 0;
    for (int64_t j = 0; j < nframes; ++j) {
      std::vector<double> part(size_t(threads_) * kPad, 0.0);
#pragma omp parallel num_threads(threads_)
      {
        double my_extra = 0;
#pragma omp for schedule(static)
        for (int64_t y = 0; y < h; ++y)
          for (int64_t x = 0; x < w; ++x) {
            const auto s = f(j, y, x);
            num[s.target] += s.value;
            den[s.target] += s.weight;
            if constexpr (Sum) my_extra += double(s.extra);
          }
        part[size_t(omp_get_thread_num()) * kPad] = my_extra;
      }
      extra += in_order(part);
    }
    return extra;
  }

  /// Per-thread partial sums kPad doubles apart (a cache line: no false sharing), added in order.
  static constexpr size_t kPad = 8;
  static double in_order(const std::vector<double>& part) {
    double total = 0;
    for (size_t i = 0; i < part.size(); i += kPad) total += part[i];
    return total;
  }

  // One tile of one layer per task: the tile's sums live on the stack while its frames are visited.
  template <bool Sum, class T, class F>
  double gather(const TileFramesView& t, int64_t layers, int64_t j0, int64_t nb, F f, Complex<T>* num, T* den) const {
    const int64_t th = t.tile_h, tw = t.tile_w;
    const int64_t plane = t.h * t.w;
    // Each (layer, tile) task's `extra` is kept and the tasks' sums are added in task order: the
    // dynamic schedule hands tasks to threads in a different order each run.
    std::vector<double> task_extra(Sum ? size_t(layers * t.tiles()) : 0, 0.0);
#pragma omp parallel num_threads(threads_)
    {
      std::vector<Complex<T>> acc(size_t(th * tw));
      std::vector<T> wacc(size_t(th * tw));
#pragma omp for schedule(dynamic)
    for (int64_t lt = 0; lt < layers * t.tiles(); ++lt) {
      const int64_t l = lt / t.tiles(), tile = lt - l * t.tiles();
      const int64_t y0 = (tile / t.tiles_x) * th, x0 = (tile % t.tiles_x) * tw;
      const int64_t y1 = std::min(y0 + th, t.h), x1 = std::min(x0 + tw, t.w);
      std::fill(acc.begin(), acc.end(), Complex<T>(T(0), T(0)));
      std::fill(wacc.begin(), wacc.end(), T(0));
      double my_extra = 0;
      const int32_t e1 = t.first_at_least(tile, j0 + nb);
      for (int32_t e = t.first_at_least(tile, j0); e < e1; ++e) {
        const int64_t j = t.frames[e], oy = t.offsets[2 * j], ox = t.offsets[2 * j + 1];
        const int64_t ya = std::max(y0, oy), yb = std::min(y1, oy + t.m);
        const int64_t xa = std::max(x0, ox), xb = std::min(x1, ox + t.m);
        const int64_t jl = (j - j0) * layers + l;
        for (int64_t y = ya; y < yb; ++y)
          for (int64_t x = xa; x < xb; ++x) {
            const auto s = f(jl, y - oy, x - ox);
            acc[size_t((y - y0) * tw + x - x0)] += s.value;
            wacc[size_t((y - y0) * tw + x - x0)] += s.weight;
            if constexpr (Sum) my_extra += double(s.extra);
          }
      }
      if constexpr (Sum) task_extra[size_t(lt)] = my_extra;
      for (int64_t y = y0; y < y1; ++y)
        for (int64_t x = x0; x < x1; ++x) {
          num[l * plane + y * t.w + x] += acc[size_t((y - y0) * tw + x - x0)];
          den[l * plane + y * t.w + x] += wacc[size_t((y - y0) * tw + x - x0)];
        }
    }
    }
    double extra = 0;
    for (double e : task_extra) extra += e;
    return extra;
  }

  int threads_;
};

/// What scatter_add functors return.
template <class T>
struct ScatterTerm {
  int64_t target;
  Complex<T> value;
  T weight;
};

/// What scatter_add_sum functors return: a ScatterTerm and a scalar to be summed over all pixels.
template <class T>
struct ScatterSumTerm {
  int64_t target;
  Complex<T> value;
  T weight;
  T extra;
};

static_assert(Backend<CpuBackend>);

}  // namespace phasis
