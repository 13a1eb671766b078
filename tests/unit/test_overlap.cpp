// The overlap operators of the Difference Map (gather P O_j, scatter-add of P* psi_j into the
// object, and the probe sums) against direct loops written independently here.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "backend/cpu.hpp"
#include "backend/tile_frames.hpp"
#include "phasis/core/error.hpp"
#include "ptycho/dm/dm_kernels.hpp"
#include "testing.hpp"

using namespace phasis;

namespace {

struct OverlapCase {
  int64_t n = 7, m = 8, h = 21, w = 26;
  std::vector<int32_t> offsets;
  std::vector<Complex<double>> probe, object, psi;
  model::Geometry geometry() const { return {m, m * m, 1, 1, h, w}; }
  OverlapCase() { fill(); }
  OverlapCase(int64_t n_, int64_t m_, int64_t h_, int64_t w_, int64_t modes = 1) : n(n_), m(m_), h(h_), w(w_) {
    fill(modes);
  }
  void fill(int64_t modes = 1) {
    std::mt19937 rng(3);
    std::uniform_real_distribution<double> u(-1, 1);
    std::uniform_int_distribution<int> oy(0, int(h - m)), ox(0, int(w - m));
    for (int64_t j = 0; j < n; ++j) offsets.push_back(oy(rng)), offsets.push_back(ox(rng));
    offsets[2] = offsets[0], offsets[3] = offsets[1];  // two frames at the same place: full overlap
    for (int64_t i = 0; i < modes * m * m; ++i) probe.push_back({u(rng), u(rng)});
    for (int64_t i = 0; i < modes * h * w; ++i) object.push_back({u(rng), u(rng)});
    for (int64_t i = 0; i < modes * modes * n * m * m; ++i) psi.push_back({u(rng), u(rng)});
  }
};

}  // namespace

TEST(Overlap, GatherMatchesDirectLoop) {
  OverlapCase s;
  std::vector<Complex<double>> out(s.n * s.m * s.m);
  CpuBackend().for_each(s.n * s.m * s.m, model::ExitWave<double>{out.data(), s.probe.data(), s.object.data(),
                                                              s.offsets.data(), s.geometry()});
  for (int64_t j = 0; j < s.n; ++j)
    for (int64_t y = 0; y < s.m; ++y)
      for (int64_t x = 0; x < s.m; ++x) {
        const auto o = s.object[(s.offsets[2 * j] + y) * s.w + s.offsets[2 * j + 1] + x];
        const auto p = s.probe[y * s.m + x];
        const auto e = out[(j * s.m + y) * s.m + x];
        EXPECT_DOUBLE_EQ(e.re, p.re * o.re - p.im * o.im);
        EXPECT_DOUBLE_EQ(e.im, p.re * o.im + p.im * o.re);
      }
}

TEST(Overlap, ScatterAddIsTheAdjointOfGather) {
  OverlapCase s;
  std::vector<Complex<double>> num(s.h * s.w);
  std::vector<double> den(s.h * s.w);
  CpuBackend().scatter_add<double>(s.n, s.m, s.m,
                                  model::ObjectTermsSingle<double>{s.psi.data(), s.probe.data(), s.offsets.data(), s.geometry()},
                                  num.data(), den.data(), s.h * s.w);
  // Direct: for each object pixel, sum over frames that cover it.
  for (int64_t oy = 0; oy < s.h; ++oy)
    for (int64_t ox = 0; ox < s.w; ++ox) {
      Complex<double> a{};
      double d = 0;
      for (int64_t j = 0; j < s.n; ++j) {
        const int64_t y = oy - s.offsets[2 * j], x = ox - s.offsets[2 * j + 1];
        if (y < 0 || y >= s.m || x < 0 || x >= s.m) continue;
        const auto p = s.probe[y * s.m + x], q = s.psi[(j * s.m + y) * s.m + x];
        a += Complex<double>(p.re * q.re + p.im * q.im, p.re * q.im - p.im * q.re);
        d += p.re * p.re + p.im * p.im;
      }
      EXPECT_NEAR(num[oy * s.w + ox].re, a.re, 1e-12);
      EXPECT_NEAR(num[oy * s.w + ox].im, a.im, 1e-12);
      EXPECT_NEAR(den[oy * s.w + ox], d, 1e-12);
    }
  // Adjointness: <gather(O), psi> = <O, scatter(psi)> with the probe folded in.
  std::vector<Complex<double>> g(s.n * s.m * s.m);
  CpuBackend().for_each(s.n * s.m * s.m, model::ExitWave<double>{g.data(), s.probe.data(), s.object.data(),
                                                            s.offsets.data(), s.geometry()});
  Complex<double> lhs{}, rhs{};
  for (size_t i = 0; i < g.size(); ++i) lhs += conj_mul(g[i], s.psi[i]);
  for (size_t i = 0; i < num.size(); ++i) rhs += conj_mul(s.object[i], num[i]);
  EXPECT_NEAR(lhs.re, rhs.re, 1e-10);
  EXPECT_NEAR(lhs.im, rhs.im, 1e-10);
}

TEST(Overlap, ProbeSumsMatchDirectLoop) {
  OverlapCase s;
  std::vector<Complex<double>> num(s.m * s.m);
  std::vector<double> den(s.m * s.m);
  CpuBackend().for_each(s.m * s.m, model::ProbeTerms<double>{num.data(), den.data(), s.psi.data(), s.object.data(),
                                                         s.offsets.data(), s.geometry(), s.n});
  for (int64_t y = 0; y < s.m; ++y)
    for (int64_t x = 0; x < s.m; ++x) {
      Complex<double> a{};
      double d = 0;
      for (int64_t j = 0; j < s.n; ++j) {
        const auto o = s.object[(s.offsets[2 * j] + y) * s.w + s.offsets[2 * j + 1] + x];
        const auto q = s.psi[(j * s.m + y) * s.m + x];
        a += Complex<double>(o.re * q.re + o.im * q.im, o.re * q.im - o.im * q.re);
        d += o.re * o.re + o.im * o.im;
      }
      EXPECT_NEAR(num[y * s.m + x].re, a.re, 1e-12);
      EXPECT_NEAR(num[y * s.m + x].im, a.im, 1e-12);
      EXPECT_NEAR(den[y * s.m + x], d, 1e-12);
    }
}

TEST(Overlap, ModulusProjectionSetsMagnitudesAndKeepsPhases) {
  const int64_t m = 4, pix = m * m;
  std::vector<Complex<double>> buf(pix);
  std::vector<float> amp(pix);
  std::vector<uint8_t> valid(pix, 1);
  valid[5] = 0;
  for (int64_t i = 0; i < pix; ++i) buf[i] = {1.0 + i, -0.5 * i}, amp[i] = 0.25f * i;
  const auto orig = buf;
  const model::Geometry g{m, pix, 1, 1, m, m};
  CpuBackend().for_each(pix, model::ModulusProject<double>{buf.data(), amp.data(), valid.data(), g, 1.0 / m, nullptr});
  for (int64_t i = 0; i < pix; ++i) {
    if (i == 5) {  // masked: unitary value, rescaled for the unnormalised inverse
      EXPECT_NEAR(buf[i].re, orig[i].re / (m * m), 1e-12);
      continue;
    }
    EXPECT_NEAR(std::hypot(buf[i].re, buf[i].im), amp[i] / double(m), 1e-12);
    EXPECT_NEAR(std::atan2(buf[i].im, buf[i].re), std::atan2(orig[i].im, orig[i].re), 1e-12);
  }
}

TEST(Overlap, RelaxedProjectionInterpolatesBetweenDataAndEstimate) {
  const int64_t m = 4, pix = m * m;
  std::vector<float> amp(2 * pix);
  std::vector<uint8_t> valid(pix, 1);
  std::vector<Complex<double>> buf(2 * pix), orig;
  for (int64_t i = 0; i < 2 * pix; ++i) buf[i] = {2.0 + i, 1.0 - i}, amp[i] = 0.5f * i;
  orig = buf;
  const double relax[2] = {1.0, 0.5};  // frame 0 left alone; frame 1 moved halfway
  const model::Geometry g{m, pix, 1, 1, m, m};
  CpuBackend().for_each(2 * pix, model::ModulusProject<double>{buf.data(), amp.data(), valid.data(), g, 1.0 / m, relax});
  for (int64_t i = 0; i < 2 * pix; ++i) {
    const double a = std::hypot(orig[i].re, orig[i].im) / m;
    const double expect = i < pix ? a : 0.5 * (a + amp[i]);
    EXPECT_NEAR(std::hypot(buf[i].re, buf[i].im) * m, expect, 1e-12) << i;
  }
}

TEST(Overlap, SegmentSumsMatchLoops) {
  std::vector<double> v(5 * 7);
  for (size_t i = 0; i < v.size(); ++i) v[i] = 0.5 * i;
  double out[5];
  CpuBackend().sum_segments(5, 7, model::ValueOf<double>{v.data()}, out);
  for (int k = 0; k < 5; ++k) {
    double s = 0;
    for (int i = 0; i < 7; ++i) s += v[k * 7 + i];
    EXPECT_DOUBLE_EQ(out[k], s);
  }
}

namespace {

/// The fused exit update and object scatter for K probe and L object modes, against loops written
/// here: psi += buf - P^k O^l_j everywhere, num/den the ObjectTerms sums of the updated psi, and the
/// returned sum of |buf - P O|^2. psi, buf, probe, object: random; two frames share a position.
void expect_fused_update_matches_loops(int64_t K, int64_t L) {
  OverlapCase s;
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> u(-1, 1);
  const int64_t pix = s.m * s.m, plane = s.h * s.w;
  const model::Geometry g{s.m, pix, K, L, s.h, s.w};
  std::vector<Complex<double>> probe(K * pix), object(L * plane), psi(s.n * K * L * pix), buf(psi.size());
  for (auto* v : {&probe, &object, &psi, &buf})
    for (auto& z : *v) z = {u(rng), u(rng)};
  std::vector<Complex<double>> psi_out = psi, num(L * plane);
  std::vector<double> den(L * plane);
  const CpuBackend cpu;
  auto sums = cpu.sums(1);
  if (K * L == 1)
    cpu.scatter_add_sum<double>(
        s.n, s.m, s.m,
        dm::UpdateExitScatterSingle<double>{psi_out.data(), buf.data(), probe.data(), object.data(), s.offsets.data(), g},
        num.data(), den.data(), plane, sums, 0);
  else
    cpu.scatter_add_sum<double>(
        s.n * L, s.m, s.m,
        dm::UpdateExitScatter<double>{psi_out.data(), buf.data(), probe.data(), object.data(), s.offsets.data(), g},
        num.data(), den.data(), L * plane, sums, 0);
  const double err = sums.read()[0];
  // Direct: the exit update element by element, then the object sums pixel by pixel.
  double e = 0;
  std::vector<Complex<double>> expect = psi;
  for (int64_t j = 0; j < s.n; ++j)
    for (int64_t k = 0; k < K; ++k)
      for (int64_t l = 0; l < L; ++l)
        for (int64_t y = 0; y < s.m; ++y)
          for (int64_t x = 0; x < s.m; ++x) {
            const int64_t i = (((j * K + k) * L + l) * s.m + y) * s.m + x;
            const auto p = probe[k * pix + y * s.m + x];
            const auto o = object[l * plane + (s.offsets[2 * j] + y) * s.w + s.offsets[2 * j + 1] + x];
            const double dre = buf[i].re - (p.re * o.re - p.im * o.im), dim = buf[i].im - (p.re * o.im + p.im * o.re);
            expect[i] = {psi[i].re + dre, psi[i].im + dim};
            e += dre * dre + dim * dim;
          }
  for (size_t i = 0; i < psi.size(); ++i) {
    ASSERT_NEAR(psi_out[i].re, expect[i].re, 1e-14) << i;
    ASSERT_NEAR(psi_out[i].im, expect[i].im, 1e-14) << i;
  }
  EXPECT_NEAR(err, e, 1e-10 * e);
  for (int64_t l = 0; l < L; ++l)
    for (int64_t oy = 0; oy < s.h; ++oy)
      for (int64_t ox = 0; ox < s.w; ++ox) {
        Complex<double> a{};
        double d = 0;
        for (int64_t j = 0; j < s.n; ++j) {
          const int64_t y = oy - s.offsets[2 * j], x = ox - s.offsets[2 * j + 1];
          if (y < 0 || y >= s.m || x < 0 || x >= s.m) continue;
          for (int64_t k = 0; k < K; ++k) {
            const auto p = probe[k * pix + y * s.m + x];
            const auto q = expect[(((j * K + k) * L + l) * s.m + y) * s.m + x];
            a += Complex<double>(p.re * q.re + p.im * q.im, p.re * q.im - p.im * q.re);
            d += p.re * p.re + p.im * p.im;
          }
        }
        const int64_t t = l * plane + oy * s.w + ox;
        EXPECT_NEAR(num[t].re, a.re, 1e-12);
        EXPECT_NEAR(num[t].im, a.im, 1e-12);
        EXPECT_NEAR(den[t], d, 1e-12);
      }
}

}  // namespace

TEST(Overlap, FusedExitUpdateAndScatterMatchLoopsSingleMode) { expect_fused_update_matches_loops(1, 1); }
TEST(Overlap, FusedExitUpdateAndScatterMatchLoopsProbeAndObjectModes) { expect_fused_update_matches_loops(3, 2); }

// scatter_add_sum adds to what num and den hold (it does not overwrite), in the parallel path with
// private copies and in the frame-by-frame path alike, and sums `extra` over every pixel once.
namespace {
struct CountingTerm {
  int64_t w;
  ScatterSumTerm<double> operator()(int64_t j, int64_t y, int64_t x) const {
    return {(y + j) * w + x, {double(j + 1), double(x)}, 1.0, double(1 + j * 100 + y * 10 + x)};
  }
};
}  // namespace

TEST(Overlap, ScatterAddSumAddsAndSums) {
  const int64_t n = 5, h = 3, w = 4, targets = (h + n) * w;
  double expect_sum = 0;
  std::vector<Complex<double>> enum_(targets, {0.5, -0.5});
  std::vector<double> eden(targets, 2.0);
  for (int64_t j = 0; j < n; ++j)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) {
        const auto t = CountingTerm{w}(j, y, x);
        enum_[t.target] += t.value;
        eden[t.target] += t.weight;
        expect_sum += t.extra;
      }
  const int before = omp_get_max_threads();
  for (int threads : {1, 2, 3}) {  // 1: frames one after another; more: private copies
    omp_set_num_threads(threads);
    std::vector<Complex<double>> num(targets, {0.5, -0.5});
    std::vector<double> den(targets, 2.0);
    const CpuBackend cpu;
    auto sums = cpu.sums(2);
    sums[1] = 1.5;  // adds to what the slot holds, and to its own slot only
    cpu.scatter_add_sum<double>(n, h, w, CountingTerm{w}, num.data(), den.data(), targets, sums, 1);
    const auto read = sums.read();
    EXPECT_EQ(read[0], 0.0);
    EXPECT_DOUBLE_EQ(read[1], 1.5 + expect_sum) << threads << " threads";
    for (int64_t i = 0; i < targets; ++i) {
      EXPECT_DOUBLE_EQ(num[i].re, enum_[i].re) << i;
      EXPECT_DOUBLE_EQ(num[i].im, enum_[i].im) << i;
      EXPECT_DOUBLE_EQ(den[i], eden[i]) << i;
    }
  }
  omp_set_num_threads(before);
}

namespace {

Array<int32_t> offsets_array(const std::vector<int32_t>& v) {
  Array<int32_t> a(Shape{int64_t(v.size()) / 2, 2});
  std::copy(v.begin(), v.end(), a.data());
  return a;
}

double max_difference(const std::vector<Complex<double>>& a, const std::vector<Complex<double>>& b) {
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max({d, std::abs(a[i].re - b[i].re), std::abs(a[i].im - b[i].im)});
  return d;
}

}  // namespace

// gather_add visits each object pixel's frames through tile lists (32 x 32 tiles); the sums must
// equal scatter_add's for frames that straddle tiles and the plane's ragged last tiles, whether
// the frames come in one batch or several (each batch a sub-range of every tile's list).
TEST(Overlap, GatherAddEqualsScatterAddInBatches) {
  // The GPU's tiles, the CPU's, and an odd shape.
  for (auto [th, tw] : {std::pair<int64_t, int64_t>{32, 32}, {64, 256}, {7, 5}}) {
  OverlapCase s(40, 37, 101, 75);
  const model::Geometry g = s.geometry();
  const TileFrames tiles(offsets_array(s.offsets), s.m, s.h, s.w, Memory::host, th, tw);
  if (th == 32) EXPECT_GE(tiles.entries(), s.n * 4);  // 37-pixel frames cover at least 2 x 2 tiles
  std::vector<Complex<double>> num_s(s.h * s.w), num_g(s.h * s.w);
  std::vector<double> den_s(s.h * s.w), den_g(s.h * s.w);
  CpuBackend().scatter_add<double>(s.n, s.m, s.m, model::ObjectTermsSingle<double>{s.psi.data(), s.probe.data(), s.offsets.data(), g},
                                  num_s.data(), den_s.data(), s.h * s.w);
  for (int64_t j0 : {0, 13, 29}) {
    const int64_t nb = (j0 == 0 ? 13 : j0 == 13 ? 16 : s.n - 29);
    const int32_t* off = s.offsets.data() + 2 * j0;
    CpuBackend().gather_add<double>(tiles.view(s.offsets.data()), 1, j0, nb,
                                   model::ObjectTermsSingle<double>{s.psi.data() + j0 * s.m * s.m, s.probe.data(), off, g},
                                   num_g.data(), den_g.data());
  }
  EXPECT_LT(max_difference(num_s, num_g), 1e-12) << th << " x " << tw;
  for (int64_t i = 0; i < s.h * s.w; ++i) EXPECT_NEAR(den_s[i], den_g[i], 1e-12) << i;
  }
}

// With probe and object modes, "frames" of the functor are j L + l and layer l's sums go to plane l.
TEST(Overlap, GatherAddEqualsScatterAddWithModes) {
  OverlapCase s(12, 20, 70, 45, 2);
  const model::Geometry g{s.m, s.m * s.m, 2, 2, s.h, s.w};
  const TileFrames tiles(offsets_array(s.offsets), s.m, s.h, s.w, Memory::host);
  std::vector<Complex<double>> num_s(2 * s.h * s.w), num_g(2 * s.h * s.w);
  std::vector<double> den_s(2 * s.h * s.w), den_g(2 * s.h * s.w);
  const model::ObjectTerms<double> f{s.psi.data(), s.probe.data(), s.offsets.data(), g};
  CpuBackend().scatter_add<double>(s.n * 2, s.m, s.m, f, num_s.data(), den_s.data(), 2 * s.h * s.w);
  CpuBackend().gather_add<double>(tiles.view(s.offsets.data()), 2, 0, s.n, f, num_g.data(), den_g.data());
  EXPECT_LT(max_difference(num_s, num_g), 1e-12);
  for (int64_t i = 0; i < 2 * s.h * s.w; ++i) EXPECT_NEAR(den_s[i], den_g[i], 1e-12) << i;
}

// The fused exit update through gather_add_sum writes every exit-wave element once and returns
// the same error sum as through scatter_add_sum.
TEST(Overlap, GatherAddSumUpdatesEveryExitWaveOnce) {
  OverlapCase s(30, 24, 80, 90);
  const model::Geometry g = s.geometry();
  std::vector<Complex<double>> buf(s.psi.size());
  std::mt19937 rng(9);
  std::uniform_real_distribution<double> u(-1, 1);
  for (auto& b : buf) b = {u(rng), u(rng)};
  auto psi_s = s.psi, psi_g = s.psi;
  std::vector<Complex<double>> num_s(s.h * s.w), num_g(s.h * s.w);
  std::vector<double> den_s(s.h * s.w), den_g(s.h * s.w);
  const CpuBackend cpu;
  auto sums = cpu.sums(2);
  cpu.scatter_add_sum<double>(
      s.n, s.m, s.m, dm::UpdateExitScatterSingle<double>{psi_s.data(), buf.data(), s.probe.data(), s.object.data(), s.offsets.data(), g},
      num_s.data(), den_s.data(), s.h * s.w, sums, 0);
  const TileFrames tiles(offsets_array(s.offsets), s.m, s.h, s.w, Memory::host);
  cpu.gather_add_sum<double>(
      tiles.view(s.offsets.data()), 1, 0, s.n,
      dm::UpdateExitScatterSingle<double>{psi_g.data(), buf.data(), s.probe.data(), s.object.data(), s.offsets.data(), g},
      num_g.data(), den_g.data(), sums, 1);
  const double es = sums.read()[0], eg = sums.read()[1];
  EXPECT_NEAR(eg, es, 1e-9 * es);
  EXPECT_EQ(max_difference(psi_s, psi_g), 0.0);  // each element updated exactly once, by the same formula
  EXPECT_LT(max_difference(num_s, num_g), 1e-12);
}

TEST(Overlap, TileFramesRejectsFramesOutsideThePlane) {
  Array<int32_t> off(Shape{2, 2});
  off[0] = 0, off[1] = 0, off[2] = 5, off[3] = 9;  // second frame ends at column 9 + 8 > 16
  EXPECT_THROW(TileFrames(off, 8, 20, 16, Memory::host), InputError);
  off[3] = 8;
  const TileFrames ok(off, 8, 20, 16, Memory::host);
  EXPECT_EQ(ok.entries(), 2);  // one 32 x 32 tile holds both frames
}

// The GPU's probe sums in chunks of frames add up to the one-thread-per-pixel sums, for a first
// batch (overwrite) and a later one (add).
TEST(Overlap, ChunkedProbeSumsEqualProbeTerms) {
  OverlapCase s(23, 16, 60, 50);
  const model::Geometry g = s.geometry();
  const int64_t all = s.m * s.m, chunks = 5;
  std::vector<Complex<double>> num(all), num_c(all), parts(chunks * all);
  std::vector<double> den(all), den_c(all), dparts(chunks * all);
  for (bool add : {false, true}) {
    CpuBackend().for_each(all, model::ProbeTerms<double>{num.data(), den.data(), s.psi.data(), s.object.data(), s.offsets.data(), g, s.n, add});
    CpuBackend().for_each(chunks * all, model::ProbeTermChunks<double>{parts.data(), dparts.data(), s.psi.data(), s.object.data(),
                                                                   s.offsets.data(), g, s.n, chunks});
    CpuBackend().for_each(all, model::AddProbeChunks<double>{num_c.data(), den_c.data(), parts.data(), dparts.data(), all, chunks, add});
    EXPECT_LT(max_difference(num, num_c), 1e-12);
    for (int64_t i = 0; i < all; ++i) EXPECT_NEAR(den[i], den_c[i], 1e-12);
  }
}

// The CPU's probe sums by runs of a row give exactly ProbeTerms' results (same order per pixel),
// for a frame side that is not a multiple of the run, with probe and object modes.
TEST(Overlap, ProbeTermRunsEqualProbeTerms) {
  OverlapCase s(9, 70, 120, 110, 2);
  const model::Geometry g{s.m, s.m * s.m, 2, 2, s.h, s.w};
  const int64_t all = 2 * s.m * s.m;
  std::vector<Complex<double>> num(all), num_r(all);
  std::vector<double> den(all), den_r(all);
  for (bool add : {false, true}) {
    CpuBackend().for_each(all, model::ProbeTerms<double>{num.data(), den.data(), s.psi.data(), s.object.data(), s.offsets.data(), g, s.n, add});
    CpuBackend().for_each(2 * s.m * model::ProbeTermRuns<double>::runs(s.m),
                         model::ProbeTermRuns<double>{num_r.data(), den_r.data(), s.psi.data(), s.object.data(), s.offsets.data(), g, s.n, add});
    EXPECT_EQ(max_difference(num, num_r), 0.0);
    for (int64_t i = 0; i < all; ++i) ASSERT_EQ(den[i], den_r[i]) << i;
  }
}
