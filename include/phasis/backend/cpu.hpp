// CPU backend: the primitives every solver template is written against, run with OpenMP.
// The same member names exist in CudaBackend (cuda.cuh); a solver instantiated with either runs
// the same math, which lives in PHASIS_HD functors.
//   for_each(n, f)            f(i) for i in [0, n)
//   sum(n, f)                 sum of f(i) (f may also write), accumulated in double
//   max(n, f)                 max of f(i)
//   sum_segments(s, len, f, out)  out[k] = sum of f(k * len + i) for i < len, k < s (host array)
//   scatter_add(...)          out[target] += value for every pixel of every frame, where frames
//                             overlap: here with per-thread copies of the output (see below).
//   scatter_add_sum(...)      scatter_add whose functor also returns a scalar per pixel
//                             (ScatterSumTerm::extra); returns their sum, accumulated in double.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>
#ifndef PHASIS_SCATTER_LIMIT
#define PHASIS_SCATTER_LIMIT (1ll << 30)
#endif

#include "phasis/core/array.hpp"    // for Memory
#include "phasis/core/complex.hpp"  // for Complex
#include "phasis/fft/fft.hpp"       // for FftwPlan

namespace phasis {

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

struct CpuBackend {
  static constexpr Memory memory = Memory::host;
  using Staging = CpuStaging;
  static constexpr const char* name = "cpu";
  template <class T>
  using Fft = FftwPlan<T>;

  template <class F>
  static void for_each(int64_t n, F f) {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) f(i);
  }

  template <class F>
  static double sum(int64_t n, F f) {
    double acc = 0;
#pragma omp parallel for schedule(static) reduction(+ : acc)
    for (int64_t i = 0; i < n; ++i) acc += double(f(i));
    return acc;
  }

  template <class F>
  static double max(int64_t n, F f) {
    double acc = -1e300;
#pragma omp parallel for schedule(static) reduction(max : acc)
    for (int64_t i = 0; i < n; ++i) acc = std::max(acc, double(f(i)));
    return acc;
  }

  template <class F>
  static void sum_segments(int64_t segments, int64_t len, F f, double* out) {
#pragma omp parallel for schedule(static)
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
  static void scatter_add(int64_t nframes, int64_t h, int64_t w, F f, Complex<T>* num, T* den, int64_t targets) {
    const int threads = omp_get_max_threads();
    const double private_bytes = double(threads) * double(targets) * (sizeof(Complex<T>) + sizeof(T));
    if (threads > 1 && private_bytes <= double(PHASIS_SCATTER_LIMIT)) {
      std::vector<Complex<T>> pnum(size_t(threads) * targets);
      std::vector<T> pden(size_t(threads) * targets);
#pragma omp parallel num_threads(threads)
      {
        const int t = omp_get_thread_num();
        Complex<T>* my_num = pnum.data() + size_t(t) * targets;
        T* my_den = pden.data() + size_t(t) * targets;
#pragma omp for schedule(static)
        for (int64_t j = 0; j < nframes; ++j)
          for (int64_t y = 0; y < h; ++y)
            for (int64_t x = 0; x < w; ++x) {
              auto s = f(j, y, x);
              my_num[s.target] += s.value;
              my_den[s.target] += s.weight;
            }
#pragma omp for schedule(static)
        for (int64_t i = 0; i < targets; ++i)
          for (int u = 0; u < threads; ++u) {
            num[i] += pnum[size_t(u) * targets + i];
            den[i] += pden[size_t(u) * targets + i];
          }
      }
      return;
    }
    for (int64_t j = 0; j < nframes; ++j) {
#pragma omp parallel for schedule(static)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) {
          auto s = f(j, y, x);
          num[s.target] += s.value;
          den[s.target] += s.weight;
        }
    }
  }

  /// scatter_add for functors returning ScatterSumTerm: the same adds into num and den, and the sum
  /// of every pixel's `extra` in double (an OpenMP reduction next to the private copies). Lets a
  /// pass that writes per-pixel values (the exit-wave update) scatter them and report its error
  /// in the same read.
  template <class T, class F>
  static double scatter_add_sum(int64_t nframes, int64_t h, int64_t w, F f, Complex<T>* num, T* den, int64_t targets) {
    const int threads = omp_get_max_threads();
    const double private_bytes = double(threads) * double(targets) * (sizeof(Complex<T>) + sizeof(T));
    double acc = 0;
    if (threads > 1 && private_bytes <= double(PHASIS_SCATTER_LIMIT)) {
      std::vector<Complex<T>> pnum(size_t(threads) * targets);
      std::vector<T> pden(size_t(threads) * targets);
#pragma omp parallel num_threads(threads) reduction(+ : acc)
      {
        const int t = omp_get_thread_num();
        Complex<T>* my_num = pnum.data() + size_t(t) * targets;
        T* my_den = pden.data() + size_t(t) * targets;
#pragma omp for schedule(static)
        for (int64_t j = 0; j < nframes; ++j)
          for (int64_t y = 0; y < h; ++y)
            for (int64_t x = 0; x < w; ++x) {
              auto s = f(j, y, x);
              my_num[s.target] += s.value;
              my_den[s.target] += s.weight;
              acc += double(s.extra);
            }
#pragma omp for schedule(static)
        for (int64_t i = 0; i < targets; ++i)
          for (int u = 0; u < threads; ++u) {
            num[i] += pnum[size_t(u) * targets + i];
            den[i] += pden[size_t(u) * targets + i];
          }
      }
      return acc;
    }
    for (int64_t j = 0; j < nframes; ++j) {
#pragma omp parallel for schedule(static) reduction(+ : acc)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) {
          auto s = f(j, y, x);
          num[s.target] += s.value;
          den[s.target] += s.weight;
          acc += double(s.extra);
        }
    }
    return acc;
  }

  static void synchronize() {}
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

}  // namespace phasis
