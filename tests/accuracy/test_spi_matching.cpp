// Orientation matching against brute force: the GEMM path with a running argmin over batches gives
// the same nearest slice as the distances computed one by one in double precision.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "phasis/core/error.hpp"
#include "phasis/spi/matching.hpp"

using namespace phasis;
using namespace phasis::spi;

TEST(SpiMatching, GemmMatchesDirectProducts) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<float> u(-1, 1);
  const int64_t rows = 37, cols = 70, depth = 301;  // not multiples of any block size
  std::vector<float> a(rows * depth), b(cols * depth), c(rows * cols);
  for (auto& v : a) v = u(rng);
  for (auto& v : b) v = u(rng);
  gemm_abt(rows, cols, depth, a.data(), b.data(), c.data());
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      double d = 0;
      for (int64_t k = 0; k < depth; ++k) d += double(a[i * depth + k]) * b[j * depth + k];
      // float products summed over 301 terms of size ~0.3: rounding below 1e-4 absolute.
      EXPECT_NEAR(c[i * cols + j], d, 1e-4) << gemm_library();
    }
}

TEST(SpiMatching, RunningArgminEqualsBruteForce) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<float> u(0, 1);
  const int64_t images = 50, slices = 203, pixels = 64;
  std::vector<float> x(images * pixels), y(slices * pixels);
  for (auto& v : y) v = u(rng);
  // Each image: a scaled, slightly perturbed copy of a known slice, so the answer is known and the
  // scale (which normalisation must remove) differs per image.
  std::vector<int64_t> truth(images);
  for (int64_t i = 0; i < images; ++i) {
    truth[i] = (i * 37) % slices;
    const float scale = 0.5f + 3 * u(rng);
    for (int64_t k = 0; k < pixels; ++k) x[i * pixels + k] = scale * (y[truth[i] * pixels + k] + 0.02f * u(rng));
  }
  OrientationMatcher matcher(x.data(), images, pixels);
  for (int64_t b0 = 0; b0 < slices; b0 += 64)  // uneven last batch
    matcher.add_slices(b0, y.data() + b0 * pixels, std::min<int64_t>(64, slices - b0));
  for (int64_t i = 0; i < images; ++i) {
    // Brute force in double on unit-norm vectors.
    double best = 1e300;
    int64_t arg = -1;
    double nx = 0;
    for (int64_t k = 0; k < pixels; ++k) nx += double(x[i * pixels + k]) * x[i * pixels + k];
    for (int64_t j = 0; j < slices; ++j) {
      double ny = 0, dot = 0;
      for (int64_t k = 0; k < pixels; ++k) ny += double(y[j * pixels + k]) * y[j * pixels + k], dot += double(x[i * pixels + k]) * y[j * pixels + k];
      const double d = 2 - 2 * dot / std::sqrt(nx * ny);
      if (d < best) best = d, arg = j;
    }
    EXPECT_EQ(matcher.best()[i], arg);
    EXPECT_EQ(arg, truth[i]);
    EXPECT_NEAR(matcher.distance()[i], best, 1e-5);  // float dot products of unit vectors
  }
}

TEST(SpiMatching, RefusesEmptyInput) {
  std::vector<float> x(4, 1.0f);
  EXPECT_THROW(OrientationMatcher(x.data(), 0, 4), InputError);
}

TEST(SpiMatching, PoissonScoreEqualsBruteForceLikelihood) {
  // Counts drawn from scaled slices: the best slice maximises sum k log M - K log sum M, computed
  // here directly in double for every pair (the floor of the slices never acts: all are positive).
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<float> u(0.05f, 1.0f);
  const int64_t images = 40, slices = 150, pixels = 80;
  std::vector<float> y(slices * pixels), x(images * pixels);
  for (auto& v : y) v = u(rng);
  for (int64_t i = 0; i < images; ++i) {
    const int64_t t = (i * 53) % slices;
    for (int64_t k = 0; k < pixels; ++k)
      x[i * pixels + k] = float(std::poisson_distribution<int>(20.0 * y[t * pixels + k])(rng));
  }
  OrientationMatcher matcher(x.data(), images, pixels, Score::poisson);
  for (int64_t b0 = 0; b0 < slices; b0 += 64) matcher.add_slices(b0, y.data() + b0 * pixels, std::min<int64_t>(64, slices - b0));
  for (int64_t i = 0; i < images; ++i) {
    double best = -1e300;
    int64_t arg = -1;
    for (int64_t j = 0; j < slices; ++j) {
      double total = 0, sum = 0, ll = 0;
      for (int64_t k = 0; k < pixels; ++k) total += x[i * pixels + k], sum += y[j * pixels + k];
      for (int64_t k = 0; k < pixels; ++k) ll += x[i * pixels + k] * std::log(double(y[j * pixels + k]));
      ll -= total * std::log(sum);
      if (ll > best) best = ll, arg = j;
    }
    EXPECT_EQ(matcher.best()[i], arg);
    EXPECT_EQ(arg, (i * 53) % slices);  // 20 photons per pixel on average identify the slice
    EXPECT_NEAR(matcher.distance()[i], -best, 1e-4 * std::abs(best));  // float GEMM of ~1600 counts
  }
  EXPECT_EQ(parse_score("poisson"), Score::poisson);
  EXPECT_THROW(parse_score("l1"), InputError);
}
