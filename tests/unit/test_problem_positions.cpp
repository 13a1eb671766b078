// Scan positions in the solver's model: sub-pixel corners in object pixels, with the integer
// offsets the Difference Map uses being exactly their nearest integers, for a whole scan and for
// a part of it.
#include <gtest/gtest.h>

#include <cmath>

#include "phasis/ptycho/problem.hpp"

using namespace phasis;

namespace {

PtychoData scan_with_fractions() {
  PtychoData d;
  const int64_t n = 5, m = 16;
  d.intensities = Array<float>(Shape{n, m, m});
  for (int64_t i = 0; i < d.intensities.size(); ++i) d.intensities[i] = 1.0f;
  d.geometry = {1.602e-16, 1.0, 75e-6, 75e-6};  // 1 keV photons: lambda 1.24 nm
  d.translations = Array<double>(Shape{n, 3});
  const double p = d.geometry.object_pixel_x_m(m);
  // (x, y) in object pixels, with fractions on either side of one half.
  const double xy[5][2] = {{0.0, 0.0}, {3.3, 1.7}, {6.49, 4.51}, {9.75, 2.25}, {1.2, 8.8}};
  for (int64_t j = 0; j < n; ++j) {
    d.translations[j * 3] = xy[j][0] * p;
    d.translations[j * 3 + 1] = xy[j][1] * p;
    d.translations[j * 3 + 2] = 0;
  }
  return d;
}

}  // namespace

TEST(ProblemPositions, SubPixelCornersRoundToTheOffsets) {
  PtychoData d = scan_with_fractions();
  const Array<double> t = d.translations.to(Memory::host);
  const double p = d.geometry.object_pixel_x_m(16);
  const PtychoProblem pr = make_problem(std::move(d), 8);
  ASSERT_EQ(pr.positions.shape()[0], 5);
  for (int64_t j = 0; j < 5; ++j) {
    EXPECT_EQ(std::llround(pr.positions[j * 2]), pr.offsets[j * 2]) << j;
    EXPECT_EQ(std::llround(pr.positions[j * 2 + 1]), pr.offsets[j * 2 + 1]) << j;
    // Differences between frames are the translations' differences, not rounded.
    EXPECT_NEAR(pr.positions[j * 2 + 1] - pr.positions[1], (t[j * 3] - t[0]) / p, 1e-9) << j;
    EXPECT_NEAR(pr.positions[j * 2] - pr.positions[0], (t[j * 3 + 1] - t[1]) / p, 1e-9) << j;
  }
  EXPECT_NEAR(pr.positions[1 * 2 + 1] - std::floor(pr.positions[1 * 2 + 1]), 0.3, 1e-9);
}

TEST(ProblemPositions, APartKeepsItsFramesPositions) {
  PtychoData all = scan_with_fractions();
  const PtychoProblem whole = make_problem(std::move(all), 8);
  PtychoData d = scan_with_fractions();
  PtychoData part;
  part.translations = d.translations.to(Memory::host);
  part.geometry = d.geometry;
  part.intensities = Array<float>(Shape{2, 16, 16});
  for (int64_t i = 0; i < part.intensities.size(); ++i) part.intensities[i] = 1.0f;
  const PtychoProblem pr = make_part_problem(std::move(part), {1, 3}, nullptr, 8);
  for (int k = 0; k < 2; ++k) {
    EXPECT_EQ(pr.positions[k * 2], whole.positions[(2 * k + 1) * 2]);
    EXPECT_EQ(pr.positions[k * 2 + 1], whole.positions[(2 * k + 1) * 2 + 1]);
  }
}
