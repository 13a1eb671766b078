// Timing helpers the GPU benchmarks share: CUDA event timers, medians, and the device's copy
// bandwidth (the floor every pass over memory is compared with), measured in the same run.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <vector>

#include "phasis/core/array.hpp"

namespace phasis::bench {

/// Milliseconds between start() and stop_ms() on the default stream, by CUDA events.
struct Timer {
  cudaEvent_t a, b;
  Timer() { cudaEventCreate(&a), cudaEventCreate(&b); }
  ~Timer() { cudaEventDestroy(a), cudaEventDestroy(b); }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  void start() { cudaEventRecord(a); }
  double stop_ms() {
    cudaEventRecord(b);
    cudaEventSynchronize(b);
    float ms = 0;
    cudaEventElapsedTime(&ms, a, b);
    return ms;
  }
};

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// Median of `reps` timings of f() after one warm-up call, in ms.
template <class F>
double time_ms(F&& f, int reps = 5) {
  f();
  Timer t;
  std::vector<double> ms;
  for (int r = 0; r < reps; ++r) {
    t.start();
    f();
    ms.push_back(t.stop_ms());
  }
  return median(ms);
}

/// A device-to-device copy of 2 GiB: bytes read + written per second, in GB/s.
inline double copy_bandwidth_gbs() {
  const size_t bytes = size_t(2) << 30;
  Array<char> x(Shape{int64_t(bytes)}, Memory::device), y(Shape{int64_t(bytes)}, Memory::device);
  cudaMemset(x.data(), 1, bytes);
  const double ms = time_ms([&] { cudaMemcpy(y.data(), x.data(), bytes, cudaMemcpyDeviceToDevice); });
  return 2.0 * bytes / (ms * 1e-3) / 1e9;
}

}  // namespace phasis::bench
