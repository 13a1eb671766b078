// The maximum-likelihood solver's math on a tiny problem in double precision: the gradient it
// forms (FFTs, detector-space gradient, object and probe back-projection, regulariser) against
// central finite differences of the cost it reports, for both noise models, with one and two
// probe modes; and the line search's expansion (the quartic intensities along the direction)
// against the cost recomputed from scratch at the stepped state.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <tuple>

#include "backend/cpu.hpp"
#include "phasis/comm/local.hpp"
#include "ptycho/ml/maximum_likelihood.hpp"

using namespace phasis;

namespace {

constexpr int64_t kM = 8, kH = 20, kW = 22, kFrames = 6;

/// Frames of a random object and probe (so the counts are a model's, not noise), a few masked
/// detector pixels, and a different random state to take the gradient at.
struct TinyCase {
  PtychoProblem pr;
  Array<Complex<double>> object, probe;  // the state to differentiate at

  explicit TinyCase(int64_t modes, int64_t object_modes = 1) {
    std::mt19937 rng(11);
    std::uniform_real_distribution<double> u(-1, 1);
    pr.frames = kFrames, pr.frame_size = kM, pr.object_h = kH, pr.object_w = kW;
    pr.offsets = Array<int32_t>(Shape{kFrames, 2});
    for (int64_t j = 0; j < kFrames; ++j) {
      pr.offsets[2 * j] = int32_t((j * 5) % (kH - kM + 1));
      pr.offsets[2 * j + 1] = int32_t((j * 7 + 3) % (kW - kM + 1));
    }
    pr.valid = Array<uint8_t>(Shape{kM, kM});
    for (int64_t p = 0; p < kM * kM; ++p) pr.valid[p] = (p % 13 == 5) ? 0 : 1;
    pr.probe = Array<Complex<float>>(Shape{kM, kM});
    for (int64_t p = 0; p < kM * kM; ++p) pr.probe[p] = {float(2 + u(rng)), float(u(rng))};
    // Counts: |F(P' O'_j)|^2 of another random object, scaled to tens of photons, some pixels 0.
    pr.amplitudes = Array<float>(Shape{kFrames, kM, kM});
    for (int64_t j = 0; j < kFrames; ++j)
      for (int64_t p = 0; p < kM * kM; ++p) pr.amplitudes[j * kM * kM + p] = (p % 17 == 3) ? 0.f : float(3 + 2 * u(rng));
    object = Array<Complex<double>>(Shape{object_modes, kH, kW});
    for (int64_t i = 0; i < object.size(); ++i)
      object[i] = i < kH * kW ? Complex<double>(1 + 0.3 * u(rng), 0.3 * u(rng)) : Complex<double>(0.2 * u(rng), 0.2 * u(rng));
    probe = Array<Complex<double>>(Shape{modes, kM, kM});
    for (int64_t i = 0; i < probe.size(); ++i) probe[i] = {(i < kM * kM ? 2.0 : 0.5) * (1 + 0.3 * u(rng)), 0.5 * u(rng)};
  }
};

using Ml = ml::MaximumLikelihood<CpuBackend, double>;

double cost_at(Ml& solver, const Array<Complex<double>>& object, const Array<Complex<double>>& probe) {
  solver.set_state(object, probe);
  double cost = 0;
  solver.gradient(cost);
  return cost;
}

/// Central differences of the cost along random directions and along single coordinates against
/// dL = 2 Re <g, dz>.
void check_gradient(NoiseModel noise, int64_t modes, double smoothness, int64_t object_modes = 1) {
  TinyCase c(modes, object_modes);
  MlOptions o;
  o.noise = noise;
  o.probe_modes = int(modes);
  o.object_modes = int(object_modes);
  o.object_smoothness = smoothness;
  const CpuBackend backend(Device::cpu());
  comm::Local local;
  Ml solver(backend, c.pr, o, local);
  solver.start();
  solver.set_state(c.object, c.probe);
  double cost = 0;
  const Array<Complex<double>> g = solver.gradient(cost);
  ASSERT_EQ(g.size(), c.object.size() + c.probe.size());
  const int64_t split = c.object.size();

  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(-1, 1);
  const double eps = 1e-6;
  auto along = [&](const std::vector<Complex<double>>& dz) {
    Array<Complex<double>> op = c.object.to(Memory::host), om = c.object.to(Memory::host), pp = c.probe.to(Memory::host),
                           pm = c.probe.to(Memory::host);
    double predicted = 0, magnitude = 0;  // magnitude: the sum of the terms' sizes, for the tolerance
    for (int64_t i = 0; i < int64_t(dz.size()); ++i) {
      predicted += 2 * conj_mul(g[i], dz[size_t(i)]).re;
      magnitude += 2 * std::abs(conj_mul(g[i], dz[size_t(i)]).re);
      if (i < split)
        op[i] += eps * dz[size_t(i)], om[i] -= eps * dz[size_t(i)];
      else
        pp[i - split] += eps * dz[size_t(i)], pm[i - split] -= eps * dz[size_t(i)];
    }
    const double measured = (cost_at(solver, op, pp) - cost_at(solver, om, pm)) / (2 * eps);
    return std::tuple<double, double, double>{measured, predicted, magnitude};
  };
  // Random directions: over the object only, over the probe only, over both.
  for (int which = 0; which < 3; ++which) {
    std::vector<Complex<double>> dz(size_t(g.size()), Complex<double>(0, 0));
    for (int64_t i = 0; i < g.size(); ++i)
      if ((which == 0 && i < split) || (which == 1 && i >= split) || which == 2) dz[size_t(i)] = {u(rng), u(rng)};
    const auto [measured, predicted, magnitude] = along(dz);
    std::printf("noise %d, %lld x %lld mode(s), smoothness %g, direction %d: dL %.10e, 2 Re <g, dz> %.10e\n",
                int(noise), (long long)modes, (long long)object_modes, smoothness, which, measured, predicted);
    // Central differences err by eps^2 f'''/6 and rounding; terms of both signs cancel in dL, so
    // the bar is relative to the sum of the terms' sizes.
    EXPECT_NEAR(measured, predicted, 1e-7 * magnitude);
  }
  // Single coordinates, real and imaginary: object pixels under several frames and probe pixels.
  // (9, 12) of the last object mode; with one mode it repeats the second.
  for (int64_t i : {int64_t(5 * kW + 8), int64_t(9 * kW + 12), split - kH * kW + 9 * kW + 12, split + 3, split + 27,
                    g.size() - 1}) {
    for (int part = 0; part < 2; ++part) {
      std::vector<Complex<double>> dz(size_t(g.size()), Complex<double>(0, 0));
      dz[size_t(i)] = part == 0 ? Complex<double>(1, 0) : Complex<double>(0, 1);
      const auto [measured, predicted, magnitude] = along(dz);
      (void)magnitude;
      EXPECT_NEAR(measured, predicted, 1e-6 * std::abs(cost) / double(g.size()) + 1e-5 * std::abs(predicted))
          << "element " << i << (part ? " (imaginary)" : " (real)");
    }
  }
}

}  // namespace

TEST(MlGradient, PoissonMatchesFiniteDifferences) { check_gradient(NoiseModel::poisson, 1, 0); }
TEST(MlGradient, GaussianMatchesFiniteDifferences) { check_gradient(NoiseModel::gaussian, 1, 0); }
TEST(MlGradient, PoissonWithSmoothnessMatchesFiniteDifferences) { check_gradient(NoiseModel::poisson, 1, 0.05); }
TEST(MlGradient, GaussianWithSmoothnessMatchesFiniteDifferences) { check_gradient(NoiseModel::gaussian, 1, 0.05); }
TEST(MlGradient, PoissonTwoProbeModesMatchesFiniteDifferences) { check_gradient(NoiseModel::poisson, 2, 0); }
TEST(MlGradient, GaussianTwoProbeModesMatchesFiniteDifferences) { check_gradient(NoiseModel::gaussian, 2, 0); }
TEST(MlGradient, PoissonTwoByTwoModesWithSmoothnessMatchesFiniteDifferences) {
  check_gradient(NoiseModel::poisson, 2, 0.05, 2);
}

// One iteration's line search works on the coefficients of the quartic intensities; the cost it
// reports at the step it took must be the cost recomputed from scratch (FFTs of the stepped
// object and probe), and its slope at gamma = 0 the gradient's 2 Re <g, d> (checked through the
// descent: negative, and the cost lower after the step).
TEST(MlGradient, LineSearchExpansionMatchesTheSteppedState) {
  for (NoiseModel noise : {NoiseModel::poisson, NoiseModel::gaussian}) {
    TinyCase c(1);
    MlOptions o;
    o.noise = noise;
    o.probe_start = 0;
    o.object_smoothness = 0.01;
    o.line_search_steps = 20;  // far from the fit the first lines need more than the default 4
    const CpuBackend backend(Device::cpu());
    comm::Local local;
    Ml solver(backend, c.pr, o, local);
    solver.start();
    solver.set_state(c.object, c.probe);
    for (int it = 0; it < 4; ++it) {
      const double after = solver.iterate(it);
      const double before = solver.start_error();
      const double recomputed = solver.current_error();
      std::printf("noise %d, iteration %d: cost %.10f -> %.10f (recomputed %.10f), step %.4e, slope %.3e -> %.3e in %d evaluations\n",
                  int(noise), it, before, after, recomputed, solver.line().gamma, solver.line().slope_start,
                  solver.line().slope_end, solver.line().evaluations);
      EXPECT_LT(solver.line().slope_start, 0);
      EXPECT_GT(solver.line().gamma, 0);
      EXPECT_LT(after, before);
      EXPECT_NEAR(after, recomputed, 1e-10 * std::abs(recomputed));
      EXPECT_LE(std::abs(solver.line().slope_end), o.line_search_tolerance * std::abs(solver.line().slope_start));
    }
  }
}
