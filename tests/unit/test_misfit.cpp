// The R-factor every solver's result is judged by (model/misfit.hpp), against a known truth: the
// simulator's own object and probe fit its noise-free data to float rounding; a wrong object does
// not; corners given as positions equal to the offsets give the same figure, and a half-pixel
// error in them (taken through the sub-pixel probe shift) raises it.
#include <gtest/gtest.h>

#include <cmath>

#include "backend/cpu.hpp"
#include "phasis/comm/local.hpp"
#include "phasis/ptycho/simulate.hpp"
#include "ptycho/model/misfit.hpp"

using namespace phasis;

namespace {

struct Case {
  PtychoProblem pr;
  SolverResult truth;  // the simulator's object (in the problem's box) and probe
};

Case simulated(int64_t frames = 40) {
  SimulationOptions so;
  so.frame_size = 32;
  so.positions = frames;
  PtychoData d;
  PtychoTruth t;
  simulate(so, d, t);
  Case c;
  c.pr = make_problem(std::move(d));
  const int64_t h = c.pr.object_h, w = c.pr.object_w, th = t.object.shape()[0], tw = t.object.shape()[1];
  c.truth.object = Array<Complex<double>>(Shape{1, h, w});
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      const int64_t ty = y + std::llround(c.pr.origin_y - t.origin_y), tx = x + std::llround(c.pr.origin_x - t.origin_x);
      const bool in = ty >= 0 && ty < th && tx >= 0 && tx < tw;
      const Complex<float> v = in ? t.object[ty * tw + tx] : Complex<float>{1, 0};
      c.truth.object[y * w + x] = {v.re, v.im};
    }
  const int64_t m = c.pr.frame_size;
  c.truth.probe = Array<Complex<double>>(Shape{1, m, m});
  for (int64_t i = 0; i < m * m; ++i) c.truth.probe[i] = {t.probe[i].re, t.probe[i].im};
  return c;
}

double r_of(const Case& c, const SolverResult& r) {
  const CpuBackend backend(Device::cpu());
  comm::Local local;
  return model::r_factor<CpuBackend, float>(backend, c.pr, r, local);
}

}  // namespace

TEST(Misfit, TheTruthFitsNoiseFreeDataToRounding) {
  const Case c = simulated();
  const double r = r_of(c, c.truth);
  std::printf("R-factor of the truth: %.2e\n", r);
  EXPECT_GE(r, 0);
  EXPECT_LT(r, 1e-5);  // float amplitudes and transforms: relative rounding ~1e-7 per pixel
}

TEST(Misfit, AWrongObjectDoesNot) {
  const Case c = simulated();
  SolverResult wrong;
  wrong.object = c.truth.object.to(Memory::host);
  wrong.probe = c.truth.probe.to(Memory::host);
  for (int64_t i = 0; i < wrong.object.size(); ++i) {  // half the phase
    const Complex<double> v = wrong.object[i];
    const double a = std::hypot(v.re, v.im), ph = 0.5 * std::atan2(v.im, v.re);
    wrong.object[i] = {a * std::cos(ph), a * std::sin(ph)};
  }
  const double r = r_of(c, wrong);
  std::printf("R-factor with half the phase: %.3f\n", r);
  EXPECT_GT(r, 0.05);
}

TEST(Misfit, PositionsAtTheOffsetsAgreeAndAHalfPixelOffDoesNot) {
  const Case c = simulated();
  const int64_t n = c.pr.frames;
  SolverResult at = {};
  at.object = c.truth.object.to(Memory::host);
  at.probe = c.truth.probe.to(Memory::host);
  at.positions = Array<double>(Shape{n, 2});
  for (int64_t i = 0; i < 2 * n; ++i) at.positions[i] = c.pr.offsets[i];
  const double base = r_of(c, c.truth), same = r_of(c, at);
  EXPECT_EQ(base, same);
  for (int64_t j = 0; j < n; ++j) at.positions[2 * j + 1] += 0.5;  // every frame half a pixel off along x
  const double off = r_of(c, at);
  std::printf("R-factor at the truth's corners %.2e, half a pixel off %.3f\n", same, off);
  EXPECT_TRUE(std::isfinite(off));
  EXPECT_GT(off, 100 * same + 1e-3);
}
