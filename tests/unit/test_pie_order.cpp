// The scan-wide frame order of ePIE and rPIE (src/ptycho/pie/frame_order.hpp): a permutation drawn
// from the seed alone, cut into the same batches on every part, each part keeping its own frames.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "phasis/core/error.hpp"
#include "ptycho/pie/frame_order.hpp"

using namespace phasis;
using phasis::pie::GlobalBatches;

TEST(PieOrder, RandomOrderIsAPermutationFixedByTheSeed) {
  const std::vector<int64_t> a = pie::random_order(50, 7), b = pie::random_order(50, 7), c = pie::random_order(50, 8);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  std::vector<int64_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 50; ++i) EXPECT_EQ(sorted[size_t(i)], i);
  EXPECT_EQ(pie::random_order(1, 3), std::vector<int64_t>{0});
}

// Three parts holding interleaved frames: batch by batch, their frames (as scan indices) are
// exactly the single process's batch.
TEST(PieOrder, PartsFormTheScansBatches) {
  const int64_t scan = 23, batch = 5;
  std::vector<int64_t> all(scan);
  for (int64_t i = 0; i < scan; ++i) all[size_t(i)] = i;
  GlobalBatches whole(all, scan, batch);
  whole.draw(42);
  std::vector<std::vector<int64_t>> ids(3);
  for (int64_t i = 0; i < scan; ++i) ids[size_t(i % 3)].push_back(i);
  std::vector<GlobalBatches> parts;
  for (const auto& v : ids) parts.emplace_back(v, scan, batch), parts.back().draw(42);
  ASSERT_EQ(whole.batches(), 5);
  for (int64_t b = 0; b < whole.batches(); ++b) {
    std::multiset<int64_t> one, joined;
    for (int64_t i = whole.start(b); i < whole.start(b) + whole.size(b); ++i) one.insert(all[size_t(whole.order()[size_t(i)])]);
    for (size_t p = 0; p < parts.size(); ++p)
      for (int64_t i = parts[p].start(b); i < parts[p].start(b) + parts[p].size(b); ++i)
        joined.insert(ids[p][size_t(parts[p].order()[size_t(i)])]);
    EXPECT_EQ(one, joined) << "batch " << b;
    EXPECT_EQ(int64_t(one.size()), b + 1 < whole.batches() ? batch : scan - 4 * batch);
  }
}

TEST(PieOrder, RepeatedOrOutOfRangeIdsAreRefused) {
  EXPECT_THROW(GlobalBatches({0, 1, 1}, 4, 2), InputError);
  EXPECT_THROW(GlobalBatches({0, 4}, 4, 2), InputError);
}
