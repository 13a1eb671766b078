// Partitions of scan positions over the parts of a distributed run.
#include <gtest/gtest.h>

#include <algorithm>

#include "phasis/core/error.hpp"
#include "phasis/ptycho/partition.hpp"

using namespace phasis;

namespace {

/// A raster of nx x ny positions, step s pixels.
Array<int32_t> raster(int nx, int ny, int s) {
  Array<int32_t> off(Shape{int64_t(nx) * ny, 2});
  for (int y = 0; y < ny; ++y)
    for (int x = 0; x < nx; ++x) off[2 * (y * nx + x)] = y * s, off[2 * (y * nx + x) + 1] = x * s;
  return off;
}

void expect_each_frame_once(const Partition& p, int64_t n) {
  std::vector<int> seen(n, 0);
  for (const auto& f : p.frames) {
    EXPECT_TRUE(std::is_sorted(f.begin(), f.end()));
    for (int64_t j : f) ++seen[j];
  }
  for (int64_t j = 0; j < n; ++j) EXPECT_EQ(seen[j], 1) << "frame " << j;
}

}  // namespace

TEST(Partition, SpatialBalancesCountsForAnyNumberOfParts) {
  const Array<int32_t> off = raster(20, 17, 10);  // 340 frames
  for (int parts : {1, 2, 3, 5, 7, 8}) {
    const Partition p = partition_frames(off, 64, parts, "spatial");
    ASSERT_EQ(int(p.frames.size()), parts);
    expect_each_frame_once(p, 340);
    size_t lo = 1000, hi = 0;
    for (const auto& f : p.frames) lo = std::min(lo, f.size()), hi = std::max(hi, f.size());
    EXPECT_LE(hi - lo, 1u) << parts << " parts";
  }
}

TEST(Partition, SpatialRegionsAreCompactInterleavedSpanTheScan) {
  const Array<int32_t> off = raster(32, 32, 8);
  const Partition s = partition_frames(off, 64, 4, "spatial"), i = partition_frames(off, 64, 4, "interleaved");
  expect_each_frame_once(i, 1024);
  // Four quadrants of a 312 x 312 pixel scan area (248 + 64): each about 156 + 64 / 2 on a side.
  for (const Region& r : s.regions) {
    EXPECT_LE(r.y1 - r.y0, 128 + 64);
    EXPECT_LE(r.x1 - r.x0, 128 + 64);
  }
  // Interleaved parts take every 4th column of the raster: all rows, all but 3 of 32 columns.
  for (const Region& r : i.regions) {
    EXPECT_EQ(r.y1 - r.y0, 312);
    EXPECT_EQ(r.x1 - r.x0, 312 - 3 * 8);
  }
  // Interleaved: frame j in part j mod 4.
  for (int p = 0; p < 4; ++p)
    for (int64_t j : i.frames[p]) EXPECT_EQ(j % 4, p);
}

TEST(Partition, DescribesEveryPart) {
  const Partition p = partition_frames(raster(4, 4, 10), 16, 3, "spatial");
  const std::string d = describe(p);
  EXPECT_NE(d.find("part 0: 5 frames"), std::string::npos) << d;
  EXPECT_NE(d.find("part 2: 6 frames"), std::string::npos) << d;
}

TEST(Partition, RejectsImpossibleRequests) {
  const Array<int32_t> off = raster(2, 2, 10);
  EXPECT_THROW(partition_frames(off, 16, 5, "spatial"), InputError);
  EXPECT_THROW(partition_frames(off, 16, 0, "spatial"), InputError);
  EXPECT_THROW(partition_frames(off, 16, 2, "diagonal"), InputError);
}
