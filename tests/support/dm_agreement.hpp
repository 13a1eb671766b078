// Simulated problems for solver tests, and how closely two Difference Map runs of the same problem agree: the object weighted by its
// illumination sum_j |P(r - r_j)|^2 (what the data determine; unilluminated pixels keep their start
// value in both), the probe modes with their occupancies, and the error history. Both runs start
// from the same state, so no ambiguity is removed.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "errors.hpp"
#include "phasis/ptycho/dm.hpp"
#include "phasis/ptycho/simulate.hpp"

namespace phasis::testing {

/// A simulated scan as a solver problem: frames of m x m on a spiral, the model probe as the start.
inline PtychoProblem simulated_problem(int64_t m, int64_t positions, bool poisson = false, int64_t modes = 1) {
  SimulationOptions so;
  so.probe_modes = modes;
  so.frame_size = m;
  so.positions = positions;
  so.initial_probe = "model";
  so.poisson = poisson;
  PtychoData d;
  PtychoTruth t;
  simulate(so, d, t);
  return make_problem(std::move(d));
}

struct Agreement {
  double object = 0, probe = 0, error_history = 0;
};

inline Agreement agreement(const PtychoProblem& pr, const DmResult& a, const DmResult& b) {
  const int64_t m = pr.frame_size, w = pr.object_w;
  std::vector<double> cover(pr.object_h * w, 0.0);
  for (int64_t j = 0; j < pr.frames; ++j)
    for (int64_t y = 0; y < m; ++y)
      for (int64_t x = 0; x < m; ++x)
        cover[(pr.offsets[2 * j] + y) * w + pr.offsets[2 * j + 1] + x] += norm2(b.probe[y * m + x]);  // mode 0
  Agreement g;
  for (size_t i = 0; i < a.occupancy.size(); ++i) g.probe = std::max(g.probe, std::abs(a.occupancy[i] - b.occupancy[i]));
  double num = 0, den = 0;
  for (int64_t i = 0; i < int64_t(cover.size()); ++i) {  // object mode 0
    num += cover[i] * norm2(a.object[i] - b.object[i]);
    den += cover[i] * norm2(b.object[i]);
  }
  g.object = std::sqrt(num / den);
  g.probe = std::max(g.probe, relative_l2(a.probe, b.probe));
  // Error histories: the largest difference relative to the largest error (the early ones), since
  // late errors are tiny and their ratios say little.
  g.error_history = relative_max_norm(a.fourier_error, b.fourier_error);
  return g;
}

}  // namespace phasis::testing
