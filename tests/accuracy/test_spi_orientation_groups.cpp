// The merge adds the images of one orientation before spreading (src/spi/orientation_groups.hpp):
// the sums must equal those of every image spread on its own, and the groups must be exact.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "phasis/spi/dataset.hpp"
#include "phasis/spi/merging.hpp"
#include "phasis/spi/orientations.hpp"
#include "spi/mtip_steps.hpp"
#include "spi/orientation_groups.hpp"
#include "spi_case.hpp"

using namespace phasis;
using namespace phasis::spi;

TEST(SpiOrientationGroups, GroupsAreTheIdenticalRotations) {
  const std::vector<Rotation> r = reference_rotations(0, 4, 4);
  // Images 0..6 at references 2, 0, 2, 3, 0, 2, 1.
  const std::vector<Rotation> images = {r[2], r[0], r[2], r[3], r[0], r[2], r[1]};
  const detail::OrientationGroups g = detail::group_orientations(images);
  ASSERT_EQ(g.count(), 4);
  EXPECT_EQ(g.rotation[0], r[2]);  // in the order of first appearance
  EXPECT_EQ(g.rotation[1], r[0]);
  EXPECT_EQ(g.rotation[3], r[1]);
  EXPECT_EQ(g.start, (std::vector<int64_t>{0, 3, 5, 6, 7}));
  EXPECT_EQ(g.members, (std::vector<int64_t>{0, 2, 5, 1, 4, 3, 6}));
  EXPECT_EQ(detail::group_orientations({}).count(), 0);
}

TEST(SpiOrientationGroups, GroupedMergeEqualsEveryImageSpreadAlone) {
  const SpiDataset d = phasis::testing::spi_data(30, 24, 2e-3, 1.5);
  SpiImages im = valid_pixels(d);
  // Integer counts, so that the group sums are exact in float and only the NUFFT's rounding is left.
  for (float& v : im.intensities) v = std::round(v * 50);
  const int64_t n = 16, m = im.pixels;
  const double h = 1 / (2 * max_frequency(im));
  // 30 images on 7 references (several share one), as matching leaves them.
  const std::vector<Rotation> refs = reference_rotations(0, 7, 7);
  std::vector<Rotation> orientations;
  for (int64_t i = 0; i < im.count; ++i) orientations.push_back(refs[(i * i + 3 * i) % 7]);
  ASSERT_LT(detail::group_orientations(orientations).count(), 8);
  const MergeSums grouped = detail::merge_sums_cpu(n, h, 1e-10, im, orientations, 4);
  // The reference: each image's pixels spread on their own, one transform per image.
  MergeAccumulator alone(n, h, 1e-10);
  std::vector<double> x(m), y(m), z(m);
  for (int64_t i = 0; i < im.count; ++i) {
    rotate_points(orientations[i], m, im.sx.data(), im.sy.data(), im.sz.data(), x.data(), y.data(), z.data());
    alone.add(m, x.data(), y.data(), z.data(), im.intensities.data() + i * m);
  }
  // Both NUFFTs at 1e-10 in double on the same points: only the order of additions differs.
  EXPECT_LT(phasis::testing::relative_l2(grouped.kernel, alone.sums().kernel), 1e-9);
  EXPECT_LT(phasis::testing::relative_l2(grouped.rhs, alone.sums().rhs), 1e-9);
  EXPECT_NEAR(grouped.data_norm2, alone.sums().data_norm2, 1e-12 * alone.sums().data_norm2);
  EXPECT_EQ(grouped.points, alone.sums().points);
}
