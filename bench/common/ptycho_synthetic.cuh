// What the ptychography benchmarks share: a synthetic scan (random amplitudes on a Fermat spiral;
// the timings do not depend on the data) and the cuFFT time of every frame's forward and inverse
// transform in the solver's batches (the device floor's FFT part).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "../common/cuda_timing.cuh"
#include "phasis/core/array.hpp"
#include "phasis/fft/fft.hpp"
#include "phasis/ptycho/problem.hpp"

namespace phasis::bench {


inline PtychoProblem synthetic(int64_t n, int64_t m) {
  PtychoProblem pr;
  pr.frames = n;
  pr.frame_size = m;
  const double step = 0.1 * m, c = step * 0.525, golden = M_PI * (3 - std::sqrt(5.0));
  pr.offsets = Array<int32_t>(Shape{n, 2});
  std::vector<double> ys(n), xs(n);
  for (int64_t j = 0; j < n; ++j) {
    const double r = c * std::sqrt(j + 0.5), th = j * golden;
    ys[j] = r * std::sin(th), xs[j] = r * std::cos(th);
  }
  const double y0 = *std::min_element(ys.begin(), ys.end()), x0 = *std::min_element(xs.begin(), xs.end());
  int64_t h = 0, w = 0;
  for (int64_t j = 0; j < n; ++j) {
    pr.offsets[2 * j] = int32_t(std::lround(ys[j] - y0));
    pr.offsets[2 * j + 1] = int32_t(std::lround(xs[j] - x0));
    h = std::max<int64_t>(h, pr.offsets[2 * j] + m);
    w = std::max<int64_t>(w, pr.offsets[2 * j + 1] + m);
  }
  pr.object_h = h, pr.object_w = w;
  pr.amplitudes = Array<float>(Shape{n, m, m});
  const int64_t total = n * m * m;
#pragma omp parallel for
  for (int64_t i = 0; i < total; ++i) pr.amplitudes[i] = float(1 + (uint32_t(i * 2654435761u) >> 20) % 97);
  pr.valid = Array<uint8_t>(Shape{m, m});
  for (int64_t p = 0; p < m * m; ++p) pr.valid[p] = 1;
  pr.probe = Array<Complex<float>>(Shape{m, m});
  for (int64_t y = 0; y < m; ++y)
    for (int64_t x = 0; x < m; ++x) {
      const double r2 = (y - m / 2.0) * (y - m / 2.0) + (x - m / 2.0) * (x - m / 2.0);
      pr.probe[y * m + x] = {float(std::exp(-r2 / (2.0 * m * m / 36))), 0.f};
    }
  return pr;
}

inline double fft_ms(int64_t n, int64_t m, int64_t batch) {
  Array<Complex<float>> buf(Shape{batch, m, m}, Memory::device);
  cudaMemset(buf.data(), 0, buf.bytes());
  CufftPlan<float> plan({int(m), int(m)}, batch);
  std::unique_ptr<CufftPlan<float>> tail;
  if (n % batch) tail = std::make_unique<CufftPlan<float>>(std::vector<int>{int(m), int(m)}, n % batch);
  Timer t;
  std::vector<double> ms;
  for (int r = 0; r < 6; ++r) {
    t.start();
    for (int64_t j0 = 0; j0 < n; j0 += batch) {
      const auto& p = (n - j0 >= batch) ? plan : *tail;
      p.forward(buf.data());
      p.inverse(buf.data());
    }
    ms.push_back(t.stop_ms());
  }
  ms.erase(ms.begin());  // first run: warm-up
  return median(ms);
}

}  // namespace phasis::bench
