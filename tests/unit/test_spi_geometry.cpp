// Rotations uniform on SO(3) and the Ewald-sphere pixel coordinates.
#include <gtest/gtest.h>

#include <cmath>

#include "phasis/spi/geometry.hpp"

using namespace phasis::spi;

TEST(SpiGeometry, RandomRotationsAreOrthonormalSeededAndUniform) {
  const auto rs = random_rotations(20000, 11);
  EXPECT_EQ(random_rotations(5, 11)[4], rs[4]);
  Rotation mean{};
  for (const Rotation& r : rs) {
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        double dot = 0;
        for (int k = 0; k < 3; ++k) dot += r[3 * i + k] * r[3 * j + k];
        ASSERT_NEAR(dot, i == j ? 1.0 : 0.0, 1e-12);
      }
    for (int i = 0; i < 9; ++i) mean[i] += r[i] / rs.size();
  }
  // Haar measure: E[R] = 0; each entry has variance 1/3, so the mean's standard error is
  // sqrt(1/3 / 20000) = 0.004; 5 sigma = 0.02.
  for (double v : mean) EXPECT_LT(std::abs(v), 0.02);
  // The angle of a uniform rotation has density (1 - cos t) / pi: mean pi/2 + 2/pi.
  double angle = 0;
  const Rotation identity{1, 0, 0, 0, 1, 0, 0, 0, 1};
  for (const Rotation& r : rs) angle += rotation_angle(identity, r) / rs.size();
  EXPECT_NEAR(angle, M_PI / 2 + 2 / M_PI, 0.02);
}

TEST(SpiGeometry, PixelsLieOnTheEwaldSphere) {
  const Detector d{9, 1e-3, 0.05, 1.5};
  const auto s = pixel_coordinates(d);
  for (size_t j = 0; j < s[0].size(); ++j) {
    // |s + z/lambda| = 1/lambda
    const double r = std::hypot(s[0][j], s[1][j], s[2][j] + 1 / d.wavelength);
    EXPECT_NEAR(r, 1 / d.wavelength, 1e-12);
  }
  EXPECT_NEAR(s[0][4 * 9 + 4], 0.0, 1e-15);  // the centre pixel is the beam
  EXPECT_NEAR(s[2][4 * 9 + 4], 0.0, 1e-15);
}
