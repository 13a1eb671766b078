// Mixed states: the Hermitian eigen-solver, mode orthogonalisation, and the multi-mode kernels
// against direct loops.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "backend/cpu.hpp"
#include "ptycho/dm/dm_kernels.hpp"
#include "phasis/ptycho/modes.hpp"

using namespace phasis;

namespace {

std::vector<Complex<double>> random_hermitian(int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g;
  std::vector<Complex<double>> a(n * n);
  for (int i = 0; i < n; ++i)
    for (int j = i; j < n; ++j) {
      Complex<double> z(g(rng), i == j ? 0.0 : g(rng));
      a[i * n + j] = z;
      a[j * n + i] = conj(z);
    }
  return a;
}

}  // namespace

TEST(Modes, HermitianEigenDecomposes) {
  for (int n : {1, 2, 3, 6}) {
    auto a = random_hermitian(n, 10 + n);
    std::vector<double> values;
    std::vector<Complex<double>> v;
    hermitian_eigen(a, n, values, v);
    for (int c = 1; c < n; ++c) EXPECT_GE(values[c - 1], values[c]);
    for (int c = 0; c < n; ++c) {  // phase convention: the largest component is real and positive
      int top = 0;
      for (int i = 1; i < n; ++i)
        if (norm2(v[i * n + c]) > norm2(v[top * n + c])) top = i;
      EXPECT_GT(v[top * n + c].re, 0);
      EXPECT_NEAR(v[top * n + c].im, 0, 1e-12);
    }
    for (int c = 0; c < n; ++c) {
      for (int i = 0; i < n; ++i) {  // (A v)_i = lambda v_i
        Complex<double> av{};
        for (int j = 0; j < n; ++j) av += a[i * n + j] * v[j * n + c];
        EXPECT_NEAR(av.re, values[c] * v[i * n + c].re, 1e-10);
        EXPECT_NEAR(av.im, values[c] * v[i * n + c].im, 1e-10);
      }
      for (int d = 0; d < n; ++d) {  // orthonormal columns
        Complex<double> dot{};
        for (int i = 0; i < n; ++i) dot += conj_mul(v[i * n + c], v[i * n + d]);
        EXPECT_NEAR(dot.re, c == d ? 1.0 : 0.0, 1e-10);
        EXPECT_NEAR(dot.im, 0.0, 1e-10);
      }
    }
  }
}

TEST(Modes, MixMakesModesOrthogonalWithOccupancies) {
  const int k = 4, pix = 50;
  std::mt19937 rng(3);
  std::normal_distribution<double> g;
  std::vector<Complex<double>> modes(k * pix), mixed(k * pix), overlap(k * k);
  for (auto& z : modes) z = {g(rng), g(rng)};
  for (int a = 0; a < k; ++a)
    for (int b = 0; b < k; ++b)
      for (int p = 0; p < pix; ++p) overlap[a * k + b] += conj_mul(modes[a * pix + p], modes[b * pix + p]);
  std::vector<Complex<double>> coeff;
  std::vector<double> occ;
  orthogonalising_mix(overlap, k, coeff, occ);
  CpuBackend().for_each(k * pix, model::MixModes<double>{mixed.data(), modes.data(), coeff.data(), k, pix});
  double total = 0, occ_sum = 0;
  std::vector<double> power(k);
  for (int a = 0; a < k; ++a)
    for (int b = 0; b < k; ++b) {
      Complex<double> dot{};
      for (int p = 0; p < pix; ++p) dot += conj_mul(mixed[a * pix + p], mixed[b * pix + p]);
      if (a == b) power[a] = dot.re, total += dot.re;
      else EXPECT_LT(abs(dot), 1e-9);
    }
  for (int a = 0; a < k; ++a) {
    EXPECT_NEAR(occ[a], power[a] / total, 1e-12);
    occ_sum += occ[a];
    if (a) EXPECT_GE(occ[a - 1], occ[a]);
  }
  EXPECT_NEAR(occ_sum, 1.0, 1e-12);
}

TEST(Modes, InitialModesKeepThePower) {
  const int64_t m = 16;
  Array<Complex<float>> p(Shape{m, m});
  for (int64_t y = 0; y < m; ++y)
    for (int64_t x = 0; x < m; ++x) p[y * m + x] = {float(std::exp(-((y - 8.) * (y - 8.) + (x - 7.) * (x - 7.)) / 10)), 0.f};
  Array<Complex<float>> modes = initial_probe_modes(p, 4, 0.05);
  double before = 0, after = 0;
  for (int64_t i = 0; i < m * m; ++i) before += norm2(p[i]);
  for (int64_t i = 0; i < 4 * m * m; ++i) after += norm2(modes[i]);
  EXPECT_NEAR(after / before, 1.0, 1e-5);
}

TEST(Modes, ModulusProjectionUsesTheIncoherentSum) {
  const int64_t m = 4, pix = m * m;
  const model::Geometry g{m, pix, 2, 1, m, m};
  std::vector<Complex<double>> buf(2 * pix), orig;
  std::vector<float> amp(pix);
  std::vector<uint8_t> valid(pix, 1);
  for (int64_t i = 0; i < 2 * pix; ++i) buf[i] = {1.0 + 0.3 * i, 0.5 - 0.1 * i};
  for (int64_t p = 0; p < pix; ++p) amp[p] = 0.7f + 0.1f * p;
  orig = buf;
  CpuBackend().for_each(pix, model::ModulusProject<double>{buf.data(), amp.data(), valid.data(), g, 1.0 / m, nullptr});
  for (int64_t p = 0; p < pix; ++p) {
    // Unitary magnitudes after the projection (undo the 1/M for the inverse FFT and the M of the forward).
    const double s = norm2(buf[p]) + norm2(buf[pix + p]);
    EXPECT_NEAR(std::sqrt(s) * m, amp[p], 1e-12);
    // Both modes scaled by the same real factor.
    const double r0 = buf[p].re / orig[p].re, r1 = buf[pix + p].re / orig[pix + p].re;
    EXPECT_NEAR(r0, r1, 1e-12);
  }
}

TEST(Modes, ObjectAndProbeTermsSumOverTheOtherModes) {
  const int64_t n = 3, m = 4, pix = m * m, k = 2, l = 2, h = 7, w = 8;
  const model::Geometry g{m, pix, k, l, h, w};
  std::mt19937 rng(9);
  std::normal_distribution<double> gauss;
  std::vector<int32_t> off = {0, 0, 2, 3, 3, 1};
  std::vector<Complex<double>> probe(k * pix), object(l * h * w), psi(n * k * l * pix);
  for (auto* v : {&probe, &object, &psi})
    for (auto& z : *v) z = {gauss(rng), gauss(rng)};
  std::vector<Complex<double>> onum(l * h * w), pnum(k * pix);
  std::vector<double> oden(l * h * w), pden(k * pix);
  CpuBackend().scatter_add<double>(n * l, m, m, model::ObjectTerms<double>{psi.data(), probe.data(), off.data(), g},
                                  onum.data(), oden.data(), l * h * w);
  CpuBackend().for_each(k * pix, model::ProbeTerms<double>{pnum.data(), pden.data(), psi.data(), object.data(), off.data(), g, n});
  std::vector<Complex<double>> onum_ref(l * h * w), pnum_ref(k * pix);
  std::vector<double> oden_ref(l * h * w), pden_ref(k * pix);
  for (int64_t j = 0; j < n; ++j)
    for (int64_t a = 0; a < k; ++a)
      for (int64_t b = 0; b < l; ++b)
        for (int64_t y = 0; y < m; ++y)
          for (int64_t x = 0; x < m; ++x) {
            const int64_t o = b * h * w + (off[2 * j] + y) * w + off[2 * j + 1] + x, p = y * m + x;
            const Complex<double> q = psi[((j * k + a) * l + b) * pix + p];
            onum_ref[o] += conj_mul(probe[a * pix + p], q);
            oden_ref[o] += norm2(probe[a * pix + p]);
            pnum_ref[a * pix + p] += conj_mul(object[o], q);
            pden_ref[a * pix + p] += norm2(object[o]);
          }
  for (size_t i = 0; i < onum.size(); ++i) {
    EXPECT_NEAR(onum[i].re, onum_ref[i].re, 1e-12);
    EXPECT_NEAR(onum[i].im, onum_ref[i].im, 1e-12);
    EXPECT_NEAR(oden[i], oden_ref[i], 1e-12);
  }
  for (size_t i = 0; i < pnum.size(); ++i) {
    EXPECT_NEAR(pnum[i].re, pnum_ref[i].re, 1e-12);
    EXPECT_NEAR(pnum[i].im, pnum_ref[i].im, 1e-12);
    EXPECT_NEAR(pden[i], pden_ref[i], 1e-12);
  }
}
