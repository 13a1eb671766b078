// The scan positions a solver works with (host side): each frame's corner in object pixels, the
// integer offset the object sums use and the sub-pixel rest the probe is shifted by
// (subpixel.hpp), and their refinement (SolverOptions::refine_positions_from).
//
// Refinement, per iteration: each frame's least-squares step (subpixel.hpp's PositionTerms, the
// gradient of the data misfit with respect to the shift: Odstrcil et al. 2018, Dwivedi et al.
// 2018), limited in length to `position_step_limit` pixels; the mean step over the whole scan is
// removed (a global translation of every position moves the object with it and leaves the data
// unchanged: it is not observable, and letting it drift walks the object off its array); the
// steps' affine part (their least-squares affine map over the given positions: a global scale,
// rotation or shear) taken `position_affine_gain` times: a stage's scale error moves every frame
// a little and the object stretches along, so single frames see only a small part of it each
// iteration (measured: a 2% scale error left at 1.8% after 140 iterations with gain 1, about
// 0.5% with gain 10; gain 30 oscillates); then, with `position_affine_weight` w > 0, every position is pulled toward the affine scan model,
// p += w (A g - p), A the 2 x 3 map fitted by least squares from the given positions g to the
// refined ones p (a global scale, rotation or shear error of the stage is affine: the fit pools
// every frame's evidence of it, while the pull damps the frames' independent noise).
// Distributed runs: each part refines its own frames; the mean step and the affine fit's normal
// equations are sums over the parts (one reduction each), so the scan-wide steps are the same as
// in one process.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "phasis/comm/communicator.hpp"
#include "phasis/core/array.hpp"
#include "phasis/core/error.hpp"
#include "phasis/ptycho/problem.hpp"
#include "phasis/ptycho/reconstruct.hpp"

namespace phasis::model {

/// One line per bad refinement option; `name` is the solver's.
inline void check_position_options(const SolverOptions& o, const std::string& name) {
  if (o.refine_positions_from < -1)
    throw InputError(name + " refine positions from: expected an iteration >= 0 (or -1: never); found " +
                     std::to_string(o.refine_positions_from));
  if (!(o.position_step_limit > 0) || !std::isfinite(o.position_step_limit))
    throw InputError(name + " position step limit: expected > 0 pixels per iteration; found " +
                     std::to_string(o.position_step_limit));
  if (!(o.position_affine_gain >= 1 && o.position_affine_gain <= 100))
    throw InputError(name + " position affine gain: expected in [1, 100]; found " + std::to_string(o.position_affine_gain));
  if (!(o.position_affine_weight >= 0 && o.position_affine_weight <= 1))
    throw InputError(name + " position affine weight: expected in [0, 1]; found " + std::to_string(o.position_affine_weight));
}

class ScanPositions {
 public:
  /// This part's frames' positions: the problem's, or the scan-wide ones a chain's stage before
  /// refined (`start`: scan N x 2, indexed by frame id).
  ScanPositions(const PtychoProblem& pr, const SolverOptions& o)
      : n_(pr.frames), max_y_(double(pr.object_h - pr.frame_size)), max_x_(double(pr.object_w - pr.frame_size)),
        limit_(o.position_step_limit), affine_(o.position_affine_weight), gain_(o.position_affine_gain), given_(Shape{n_, 2}), now_(Shape{n_, 2}),
        offsets_(Shape{n_, 2}), step_(size_t(2 * n_), 0.0) {
    const bool have = pr.positions.size() == 2 * n_;
    const Array<double>* start = o.start && !o.start->positions.empty() ? &o.start->positions : nullptr;
    for (int64_t j = 0; j < n_; ++j) {
      for (int a = 0; a < 2; ++a) given_[2 * j + a] = have ? pr.positions[2 * j + a] : double(pr.offsets[2 * j + a]);
      const int64_t id = pr.frame_ids.empty() ? j : pr.frame_ids[size_t(j)];
      for (int a = 0; a < 2; ++a) {
        if (start && 2 * id + a < start->size()) now_[2 * j + a] = (*start)[2 * id + a];
        else now_[2 * j + a] = given_[2 * j + a];
      }
    }
    round_all();
  }

  int64_t frames() const { return n_; }
  const Array<int32_t>& offsets() const { return offsets_; }
  const Array<double>& positions() const { return now_; }
  /// The sub-pixel rest of frame j along axis a (0: y, 1: x), in [-1/2, 1/2].
  double rest(int64_t j, int a) const { return now_[2 * j + a] - double(offsets_[2 * j + a]); }
  /// Whether some frame of this part sits off the object's grid (by more than float rounding).
  bool off_grid() const {
    for (int64_t i = 0; i < 2 * n_; ++i)
      if (std::abs(now_[i] - double(offsets_[i])) > 1e-6) return true;
    return false;
  }

  /// Frame j's least-squares step (sy, sx) from its four sums (PositionTerms), limited in length;
  /// kept until end_iteration.
  void propose(int64_t j, const double* sums) {
    double sy = sums[1] > 0 ? sums[0] / sums[1] : 0, sx = sums[3] > 0 ? sums[2] / sums[3] : 0;
    if (!std::isfinite(sy) || !std::isfinite(sx)) sy = sx = 0;
    const double len = std::hypot(sy, sx);
    if (len > limit_) sy *= limit_ / len, sx *= limit_ / len;
    step_[size_t(2 * j)] = sy, step_[size_t(2 * j + 1)] = sx;
  }

  /// Collective: the iteration's steps less their scan-wide mean, taken; the affine pull; offsets
  /// and rests rounded again (kept inside the object array).
  void end_iteration(comm::Communicator& parts) {
    double mean[3] = {0, 0, double(n_)};
    for (int64_t j = 0; j < n_; ++j) mean[0] += step_[size_t(2 * j)], mean[1] += step_[size_t(2 * j + 1)];
    parts.sum(mean, 3, Memory::host);
    for (int64_t j = 0; j < n_; ++j)
      for (int a = 0; a < 2; ++a) step_[size_t(2 * j + a)] -= mean[a] / mean[2];
    double coef[2][3];
    if (gain_ != 1 && affine_fit(step_.data(), parts, coef))  // the steps' affine part taken gain_ times
      for (int64_t j = 0; j < n_; ++j)
        for (int a = 0; a < 2; ++a)
          step_[size_t(2 * j + a)] += (gain_ - 1) * (coef[a][0] * given_[2 * j] + coef[a][1] * given_[2 * j + 1] + coef[a][2]);
    for (int64_t j = 0; j < n_; ++j)
      for (int a = 0; a < 2; ++a) now_[2 * j + a] += step_[size_t(2 * j + a)];
    std::fill(step_.begin(), step_.end(), 0.0);
    if (affine_ > 0) pull_affine(parts);
    round_all();
  }

  /// Collective: every frame's position in scan order (N x 2), summed over the parts.
  Array<double> scan_positions(const PtychoProblem& pr, comm::Communicator& parts) const {
    const int64_t scan = int64_t(parts.sum(double(n_)));
    std::vector<double> all(size_t(2 * scan), 0.0);
    for (int64_t j = 0; j < n_; ++j) {
      const int64_t id = pr.frame_ids.empty() ? j : pr.frame_ids[size_t(j)];
      all[size_t(2 * id)] = now_[2 * j], all[size_t(2 * id + 1)] = now_[2 * j + 1];
    }
    parts.sum(all.data(), 2 * scan, Memory::host);
    Array<double> out(Shape{scan, 2});
    std::copy(all.begin(), all.end(), out.data());
    return out;
  }

 private:
  void round_all() {
    for (int64_t j = 0; j < n_; ++j) {
      now_[2 * j] = std::clamp(now_[2 * j], 0.0, max_y_);
      now_[2 * j + 1] = std::clamp(now_[2 * j + 1], 0.0, max_x_);
      for (int a = 0; a < 2; ++a) offsets_[2 * j + a] = int32_t(std::lround(now_[2 * j + a]));
    }
  }

  /// The least-squares affine map from the given positions to `value` (n x 2, this part's frames):
  /// coef[a] = (c_y, c_x, c_1) of axis a. The normal equations (3 x 3 moments of (gy, gx, 1) and
  /// their 3 x 2 products with the values) are summed over the parts and solved by Cramer's rule;
  /// false for a scan whose frames lie on one line (no affine model).
  bool affine_fit(const double* value, comm::Communicator& parts, double coef[2][3]) const {
    double s[15] = {};  // m[3][3] then r[3][2]
    for (int64_t j = 0; j < n_; ++j) {
      const double v[3] = {given_[2 * j], given_[2 * j + 1], 1.0};
      for (int r = 0; r < 3; ++r) {
        for (int c = 0; c < 3; ++c) s[3 * r + c] += v[r] * v[c];
        s[9 + 2 * r] += v[r] * value[2 * j], s[9 + 2 * r + 1] += v[r] * value[2 * j + 1];
      }
    }
    parts.sum(s, 15, Memory::host);
    auto det3 = [](const double* a) {
      return a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) + a[2] * (a[3] * a[7] - a[4] * a[6]);
    };
    const double d = det3(s);
    if (!(std::abs(d) > 1e-9 * std::abs(s[0] * s[4] * s[8]) + 1e-300)) return false;
    for (int a = 0; a < 2; ++a)
      for (int c = 0; c < 3; ++c) {
        double m[9];
        std::copy(s, s + 9, m);
        for (int r = 0; r < 3; ++r) m[3 * r + c] = s[9 + 2 * r + a];
        coef[a][c] = det3(m) / d;
      }
    return true;
  }

  /// p += w (A g - p), A the affine fit from the given positions to the refined ones.
  void pull_affine(comm::Communicator& parts) {
    double coef[2][3];
    if (!affine_fit(now_.data(), parts, coef)) return;
    for (int64_t j = 0; j < n_; ++j)
      for (int a = 0; a < 2; ++a) {
        const double model = coef[a][0] * given_[2 * j] + coef[a][1] * given_[2 * j + 1] + coef[a][2];
        now_[2 * j + a] += affine_ * (model - now_[2 * j + a]);
      }
  }

  int64_t n_;
  double max_y_, max_x_, limit_, affine_, gain_;
  Array<double> given_, now_;  // n x 2: as given, as refined
  Array<int32_t> offsets_;     // n x 2: now_ rounded
  std::vector<double> step_;   // the iteration's proposed steps
};

}  // namespace phasis::model
