// Streaming input's growth step (Solver::grown): a Difference Map rebuilt on a grown scan carries
// its state exactly. Grown onto the same frames and box, the next iteration is bit-identical to a
// twin solver that was not rebuilt; grown onto a larger box, the object sits at the shifted place;
// grown a few frames at a time (the store keeping room, then moving to a larger one), it ends
// where one growth by all of them ends.
#include <gtest/gtest.h>

#include <algorithm>

#include "backend/cpu.hpp"
#include "phasis/comm/local.hpp"
#include "phasis/ptycho/simulate.hpp"
#include "ptycho/dm/difference_map.hpp"

using namespace phasis;

namespace {

/// A small simulated scan of 30 frames of 32 x 32, simulated once (its noise is random).
const PtychoData& scan30() {
  static const PtychoData d = [] {
    SimulationOptions so;
    so.frame_size = 32;
    so.positions = 30;
    PtychoData out;
    PtychoTruth t;
    simulate(so, out, t);
    return out;
  }();
  return d;
}

/// The problem of the first `n` frames of scan30(), in their own object box.
PtychoProblem first_frames(int64_t n) {
  const PtychoData& d = scan30();
  const int64_t m = d.intensities.shape()[1];
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
  // Growing moves the frames out of the solver grown from, so the reference is a twin.
  auto a = dm::make_solver<CpuBackend, float>(backend, pr, opt, local);
  auto twin = dm::make_solver<CpuBackend, float>(backend, pr, opt, local);
  a->start();
  twin->start();
  for (int it = 0; it < 3; ++it) a->iterate(it), twin->iterate(it);
  auto b = twin->grown(same, 0, 0);
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

/// The problem of the first `n` frames holding the amplitudes of frames [from, n) only, as the
/// streaming loop hands a grown scan to its solver.
PtychoProblem new_frames_of(int64_t n, int64_t from) {
  PtychoProblem pr = first_frames(n);
  const int64_t pix = pr.frame_size * pr.frame_size;
  Array<float> tail(Shape{n - from, pr.frame_size, pr.frame_size});
  std::copy(pr.amplitudes.data() + from * pix, pr.amplitudes.data() + n * pix, tail.data());
  pr.amplitudes = std::move(tail);
  return pr;
}

TEST(DmGrown, GivenOnlyTheNewFramesItGrowsAsGivenThemAll) {
  // The streaming loop hands a grown solver only the new frames' amplitudes; growing in steps
  // (12 -> 14 -> 17 -> 30: the store makes room, fits into it, then moves) must end exactly where
  // the same steps with every frame's amplitudes given end.
  const CpuBackend backend(Device::cpu());
  comm::Local local;
  DmOptions opt;
  opt.probe_start = 0;
  const PtychoProblem start = first_frames(12);
  auto run = [&](bool only_new) {
    auto s = dm::make_solver<CpuBackend, float>(backend, start, opt, local);
    s->start();
    for (int it = 0; it < 3; ++it) s->iterate(it);
    PtychoProblem at = first_frames(12);
    int it = 3;
    for (int64_t n : {14, 17, 30}) {
      PtychoProblem next = only_new ? new_frames_of(n, at.frames) : first_frames(n);
      s = s->grown(next, std::llround(at.origin_y - next.origin_y), std::llround(at.origin_x - next.origin_x));
      s->start();
      s->iterate(it++);
      at = first_frames(n);
    }
    return std::pair{s->object().to(Memory::host), s->probe().to(Memory::host)};
  };
  const auto [o1, p1] = run(false);
  const auto [o2, p2] = run(true);
  ASSERT_EQ(o1.size(), o2.size());
  for (int64_t i = 0; i < o1.size(); ++i) ASSERT_TRUE(o1[i].re == o2[i].re && o1[i].im == o2[i].im) << i;
  for (int64_t i = 0; i < p1.size(); ++i) ASSERT_TRUE(p1[i].re == p2[i].re && p1[i].im == p2[i].im) << i;
}

TEST(DmGrown, AStoreGrownInStepsHoldsEveryFrameInOrder) {
  // FrameStore's growth: room for half as many frames again, filled in place, then a move to a
  // larger store (and to host staging when the grown scan is streamed): the old frames' exit
  // waves and every frame's amplitudes come out of each_batch unchanged and in order.
  const CpuBackend backend(Device::cpu());
  const int64_t pix = 4, block = 8;
  auto amplitudes = [&](int64_t from, int64_t to) {
    Array<float> a(Shape{to - from, pix});
    for (int64_t i = 0; i < a.size(); ++i) a[i] = float(from * pix + i);
    return a;
  };
  for (bool end_streamed : {false, true}) {
    dm::FrameStore<CpuBackend, float> store(backend, amplitudes(0, 6), 6, block, pix, 4, false);
    store.each_batch(false, false, true, [&](int64_t j0, int64_t nb, Complex<float>* psi, const float*) {
      for (int64_t i = 0; i < nb * block; ++i) psi[i] = {float(j0 * block + i), -1.0f};
    });
    int64_t n = 6;
    for (int64_t next : {7, 9, 20}) {  // 7: room made for 9; 9: fits; 20: moves
      const bool stream = end_streamed && next == 20;
      const Array<float> fresh = amplitudes(n, next);
      store = dm::FrameStore<CpuBackend, float>(backend, std::move(store), fresh.data(), next, 4, stream);
      n = next;
    }
    ASSERT_EQ(store.frames(), 20);
    EXPECT_EQ(store.streaming(), end_streamed);
    int64_t seen = 0;
    store.each_batch(true, true, false, [&](int64_t j0, int64_t nb, Complex<float>* psi, const float* amp) {
      EXPECT_EQ(j0, seen);
      for (int64_t i = 0; i < nb * pix; ++i) ASSERT_EQ(amp[i], float(j0 * pix + i)) << j0;
      for (int64_t i = 0; i < nb * block && j0 * block + i < 6 * block; ++i)
        ASSERT_EQ(psi[i].re, float(j0 * block + i)) << j0 << " " << i;  // the first 6 frames' exit waves
      seen += nb;
    });
    EXPECT_EQ(seen, 20);
  }
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
