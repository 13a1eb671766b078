// Streaming input's growth step (Solver::grown): a Difference Map rebuilt on a grown scan carries
// its state exactly. Grown onto the same frames and box, the next iteration is bit-identical to the
// solver that was not rebuilt; grown onto a larger box, the object sits at the shifted place.
#include <gtest/gtest.h>

#include <algorithm>

#include "backend/cpu.hpp"
#include "phasis/comm/local.hpp"
#include "phasis/ptycho/simulate.hpp"
#include "ptycho/dm/difference_map.hpp"

using namespace phasis;

namespace {

/// The problem of the first `n` frames of a small simulated scan, in their own object box.
PtychoProblem first_frames(int64_t n) {
  SimulationOptions so;
  so.frame_size = 32;
  so.positions = 30;
  PtychoData d;
  PtychoTruth t;
  simulate(so, d, t);
  const int64_t m = so.frame_size;
  PtychoData part;
  part.geometry = d.geometry;
  part.intensities = Array<float>(Shape{n, m, m});
  std::copy(d.intensities.data(), d.intensities.data() + n * m * m, part.intensities.data());
  part.translations = Array<double>(Shape{n, 3});
  std::copy(d.translations.data(), d.translations.data() + n * 3, part.translations.data());
  return make_problem(std::move(part));
}

}  // namespace

TEST(DmGrown, OntoTheSameScanTheNextIterationIsIdentical) {
  const CpuBackend backend(Device::cpu());
  comm::Local local;
  DmOptions opt;
  opt.probe_start = 1;
  const PtychoProblem pr = first_frames(30), same = first_frames(30);
  auto a = dm::make_solver<CpuBackend, float>(backend, pr, opt, local);
  a->start();
  for (int it = 0; it < 3; ++it) a->iterate(it);
  auto b = a->grown(same, 0, 0);
  b->start();
  const double ea = a->iterate(3), eb = b->iterate(3);
  EXPECT_EQ(ea, eb);
  const Array<Complex<float>> oa = a->object().to(Memory::host), ob = b->object().to(Memory::host);
  ASSERT_EQ(oa.size(), ob.size());
  int64_t differ = 0;
  for (int64_t i = 0; i < oa.size(); ++i) differ += oa[i].re != ob[i].re || oa[i].im != ob[i].im;
  EXPECT_EQ(differ, 0);
  const Array<Complex<float>> pa = a->probe().to(Memory::host), pb = b->probe().to(Memory::host);
  for (int64_t i = 0; i < pa.size(); ++i) ASSERT_TRUE(pa[i].re == pb[i].re && pa[i].im == pb[i].im) << i;
}

TEST(DmGrown, OntoALargerBoxTheObjectMovesWithItsOrigin) {
  const CpuBackend backend(Device::cpu());
  comm::Local local;
  DmOptions opt;
  const PtychoProblem small = first_frames(12), all = first_frames(30);
  const int64_t dy = std::llround(small.origin_y - all.origin_y), dx = std::llround(small.origin_x - all.origin_x);
  ASSERT_GE(dy, 0);
  ASSERT_GE(dx, 0);
  ASSERT_TRUE(all.object_h > small.object_h || all.object_w > small.object_w) << "the case must grow the box";
  auto a = dm::make_solver<CpuBackend, float>(backend, small, opt, local);
  a->start();
  for (int it = 0; it < 4; ++it) a->iterate(it);
  auto b = a->grown(all, dy, dx);
  b->start();
  const Array<Complex<float>> oa = a->object().to(Memory::host), ob = b->object().to(Memory::host);
  for (int64_t y = 0; y < small.object_h; ++y)
    for (int64_t x = 0; x < small.object_w; ++x) {
      const Complex<float> u = oa[y * small.object_w + x], v = ob[(y + dy) * all.object_w + x + dx];
      ASSERT_TRUE(u.re == v.re && u.im == v.im) << y << ", " << x;
    }
  double e = 0;
  for (int it = 4; it < 8; ++it) e = b->iterate(it);
  EXPECT_TRUE(std::isfinite(e) && e > 0) << e;
}

TEST(DmGrown, SolversThatCannotGrowSayWhich) {
  // The default of the interface: a one-line InputError naming the solvers that can.
  struct Fixed final : Solver<CpuBackend, float> {
    void start() override {}
    double iterate(int) override { return 0; }
    const Array<Complex<float>>& object() const override { return a; }
    const Array<Complex<float>>& probe() const override { return a; }
    SolverResult result() override { return {}; }
    Array<Complex<float>> a;
  } fixed;
  const PtychoProblem pr = first_frames(5);
  try {
    fixed.grown(pr, 0, 0);
    ADD_FAILURE() << "grown did not throw";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("dm, raar, er"), std::string::npos) << e.what();
  }
}
