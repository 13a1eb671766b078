// compare_objects recovers the ambiguities it is meant to remove and measures what remains.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "phasis/fft/fft.hpp"
#include "phasis/ptycho/compare.hpp"
#include "phasis/ptycho/simulate.hpp"

using namespace phasis;

namespace {

Array<uint8_t> centre_region(int64_t h, int64_t w, int64_t margin) {
  Array<uint8_t> r(Shape{h, w});
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) r[y * w + x] = y >= margin && y < h - margin && x >= margin && x < w - margin;
  return r;
}

}  // namespace

TEST(Compare, RemovesShiftRampAndGlobalFactor) {
  const int64_t h = 96, w = 110;
  Array<Complex<float>> truth = make_phantom(h, w);
  // rec[y, x] = c * truth[y - 3, x + 2] * exp(i (a y + b x)) on a larger canvas with another origin.
  const int64_t rh = h + 20, rw = w + 20, sy = 3, sx = -2;
  const double a = 0.031, b = -0.017;
  const Complex<double> c = polar(1.7, 0.9);
  Array<Complex<double>> rec(Shape{rh, rw});
  for (int64_t y = 0; y < rh; ++y)
    for (int64_t x = 0; x < rw; ++x) {
      // rec origin is 10 pixels before the truth's: rec[y] covers truth[y - 10 - sy].
      const int64_t ty = y - 10 - sy, tx = x - 10 - sx;
      Complex<double> t(1, 0);
      if (ty >= 0 && ty < h && tx >= 0 && tx < w) t = {truth[ty * w + tx].re, truth[ty * w + tx].im};
      rec[y * rw + x] = c * t * polar(1.0, a * y + b * x);
    }
  CompareResult r = compare_objects(rec, -10.0, -10.0, truth, 0.0, 0.0, centre_region(h, w, 12));
  EXPECT_EQ(r.shift_y, sy);
  EXPECT_EQ(r.shift_x, sx);
  EXPECT_NEAR(r.ramp_y, a, 1e-6);
  EXPECT_NEAR(r.ramp_x, b, 1e-6);
  EXPECT_LT(r.phase_rmse, 1e-5);
  EXPECT_LT(r.complex_error, 1e-5);
}

TEST(Compare, MeasuresKnownPhaseNoise) {
  const int64_t h = 80, w = 80;
  Array<Complex<float>> truth = make_phantom(h, w);
  Array<Complex<double>> rec(Shape{h, w});
  std::mt19937 rng(5);
  std::normal_distribution<double> noise(0.0, 0.05);
  for (int64_t i = 0; i < h * w; ++i)
    rec[i] = Complex<double>(truth[i].re, truth[i].im) * polar(1.0, noise(rng));
  CompareResult r = compare_objects(rec, 0, 0, truth, 0, 0, centre_region(h, w, 10));
  // The fitted ramp and offset absorb a few degrees of freedom out of ~3600: RMSE stays ~0.05.
  EXPECT_NEAR(r.phase_rmse, 0.05, 0.005);
  EXPECT_EQ(r.shift_y, 0);
  EXPECT_EQ(r.shift_x, 0);
}

TEST(Compare, IlluminatedRegionFollowsTheProbe) {
  Array<Complex<float>> probe(Shape{4, 4});
  for (int64_t i = 0; i < 16; ++i) probe[i] = {0.f, 0.f};
  probe[5] = {1.f, 0.f};  // one bright pixel at (1, 1)
  Array<int64_t> offsets(Shape{2, 2});
  offsets[0] = 0, offsets[1] = 0, offsets[2] = 3, offsets[3] = 5;
  Array<uint8_t> r = illuminated_region(probe, offsets, 10, 10, 0.5);
  int count = 0;
  for (int64_t i = 0; i < 100; ++i) count += r[i];
  EXPECT_EQ(count, 2);
  EXPECT_EQ(r[1 * 10 + 1], 1);
  EXPECT_EQ(r[4 * 10 + 6], 1);
}

TEST(Compare, RemovesASubPixelShift) {
  const int64_t h = 96, w = 96;
  Array<Complex<float>> truth = make_phantom(h, w);
  // rec(r) = truth(r - s) for s = (0.3, -0.45), by multiplying the spectrum with a phase ramp.
  Array<Complex<double>> rec(Shape{h, w});
  for (int64_t i = 0; i < h * w; ++i) rec[i] = {truth[i].re, truth[i].im};
  FftwPlan<double> plan({int(h), int(w)}, 1);
  plan.forward(rec.data());
  auto f = [](int64_t k, int64_t n) { return double(k < n / 2 ? k : k - n) / double(n); };
  for (int64_t ky = 0; ky < h; ++ky)
    for (int64_t kx = 0; kx < w; ++kx)
      rec[ky * w + kx] = rec[ky * w + kx] * polar(1.0 / (h * w), -2 * M_PI * (f(ky, h) * 0.3 + f(kx, w) * -0.45));
  plan.inverse(rec.data());
  CompareResult r = compare_objects(rec, 0, 0, truth, 0, 0, centre_region(h, w, 16));
  EXPECT_NEAR(r.shift_y + r.subpixel_y, 0.3, 0.02);
  EXPECT_NEAR(r.shift_x + r.subpixel_x, -0.45, 0.02);
  EXPECT_LT(r.phase_rmse, 0.02);
}
