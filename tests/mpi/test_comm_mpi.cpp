// The MPI communicator over the ranks of an mpiexec job: CTest starts this executable once per
// rank count (test_comm_mpi_np2, test_comm_mpi_np3) and every test body runs in every rank, so
// each collective is called by all of them. Values are small integers, exact in float, so every
// sum has one right answer whatever order MPI adds in.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "phasis/comm/mpi.hpp"
#include "phasis/core/error.hpp"
#include "testing.hpp"

using namespace phasis;
using phasis::testing::count_lines;
using Message = comm::Communicator::Message;

namespace {

comm::Mpi world_of_several() {
  comm::Mpi world;
  EXPECT_GT(world.size(), 1) << "start under mpiexec with 2 or more ranks";
  return world;
}

}  // namespace

TEST(CommMpi, SumIsTheSumOfEveryRanksValues) {
  comm::Mpi world = world_of_several();
  const int ranks = world.size(), me = world.rank();
  const int64_t n = 1000;
  std::vector<float> f(n);
  std::vector<double> d(n);
  for (int64_t i = 0; i < n; ++i) f[i] = float(me * 10 + i), d[i] = -0.5 * (me + 1) * i;
  world.sum(f.data(), n, Memory::host);
  world.sum(d.data(), n, Memory::host);
  const double rank_total = ranks * (ranks - 1) / 2.0;  // 0 + 1 + ... + (ranks - 1)
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_EQ(f[i], float(10 * rank_total + ranks * i)) << "value " << i;
    ASSERT_EQ(d[i], -0.5 * (rank_total + ranks) * i) << "value " << i;
  }
  EXPECT_EQ(world.sum(double(me + 1)), rank_total + ranks);
}

TEST(CommMpi, BroadcastFromANonZeroRoot) {
  comm::Mpi world = world_of_several();
  for (int root = 1; root < world.size(); ++root) {
    char text[64] = {};
    std::snprintf(text, sizeof text, "rank %d speaking", world.rank());
    world.broadcast(text, sizeof text, root, Memory::host);
    EXPECT_EQ(std::string(text), "rank " + std::to_string(root) + " speaking");
  }
}

TEST(CommMpi, AllGatherPutsEveryRanksBytesInRankOrder) {
  comm::Mpi world = world_of_several();
  const int ranks = world.size(), me = world.rank();
  // 5 bytes a rank: the shares sit 5 bytes apart, not at any aligned stride.
  const unsigned char mine[5] = {(unsigned char)me, 1, 2, 3, (unsigned char)(100 + me)};
  std::vector<unsigned char> all(size_t(5 * ranks), 0xff);
  world.all_gather(mine, sizeof mine, all.data(), Memory::host);
  for (int r = 0; r < ranks; ++r) {
    const unsigned char* share = all.data() + 5 * r;
    EXPECT_EQ(share[0], r);
    EXPECT_EQ(share[1], 1);
    EXPECT_EQ(share[3], 3);
    EXPECT_EQ(share[4], 100 + r);
  }
}

// A ring: each rank sends its right neighbour (rank + 1) rank + 1 values and its left neighbour
// two, and receives from both. With two ranks both neighbours are the same rank, and the messages
// between them match in the order they are listed.
TEST(CommMpi, ExchangeWithNeighbours) {
  comm::Mpi world = world_of_several();
  const int ranks = world.size(), me = world.rank();
  const int right = (me + 1) % ranks, left = (me + ranks - 1) % ranks;
  std::vector<double> to_right(size_t(me + 1)), to_left(2);
  for (size_t i = 0; i < to_right.size(); ++i) to_right[i] = 1000 * me + double(i);
  to_left = {-1.0 * me, -100.0 - me};
  std::vector<double> from_left(size_t(left + 1), 0), from_right(2, 0);
  const std::vector<Message> sends{{right, to_right.data(), int64_t(to_right.size() * 8)},
                                   {left, to_left.data(), int64_t(to_left.size() * 8)}};
  const std::vector<Message> recvs{{left, from_left.data(), int64_t(from_left.size() * 8)},
                                   {right, from_right.data(), int64_t(from_right.size() * 8)}};
  world.exchange(sends, recvs, Memory::host);
  for (size_t i = 0; i < from_left.size(); ++i) EXPECT_EQ(from_left[i], 1000 * left + double(i));
  EXPECT_EQ(from_right[0], -1.0 * right);
  EXPECT_EQ(from_right[1], -100.0 - right);
}

TEST(CommMpi, AgreeMakesEveryRankThrowTheLowestFailingRanksMessage) {
  comm::Mpi world = world_of_several();
  const int me = world.rank();
  world.agree({});  // nobody failed: every rank goes on
  // Every rank but 0 fails, each with its own message: rank 1's wins on every rank.
  comm::Failure mine;
  if (me > 0) mine = {comm::Failure::input, "frame " + std::to_string(me) + ": expected finite values; found NaN"};
  try {
    world.agree(mine);
    ADD_FAILURE() << "rank " << me << " went on";
  } catch (const InputError& e) {
    const std::string expected = "frame 1: expected finite values; found NaN";
    EXPECT_EQ(e.what(), me == 1 ? expected : "rank 1: " + expected);
    EXPECT_EQ(count_lines(e.what()), 1);
  }
  EXPECT_TRUE(comm::failure_agreed());
  // Only the last rank fails, and its kind travels too.
  const int last = world.size() - 1;
  try {
    world.agree(me == last ? comm::Failure{comm::Failure::device, "out of device memory"} : comm::Failure{});
    ADD_FAILURE() << "rank " << me << " went on";
  } catch (const DeviceError& e) {
    EXPECT_EQ(e.what(), me == last ? std::string("out of device memory")
                                   : "rank " + std::to_string(last) + ": out of device memory");
  }
}

TEST(CommMpi, DeviceBuffersGoThroughHostCopies) {
  comm::Mpi world = world_of_several();
  // Every rank asks the same question of its own machine; under CTest they share one.
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  const int ranks = world.size(), me = world.rank();
  Array<float> values(Shape{4});
  for (int i = 0; i < 4; ++i) values[i] = float(me + i);
  Array<float> dev = values.to(Memory::device);
  world.sum(dev.data(), 4, Memory::device);
  Array<float> gathered(Shape{4 * int64_t(ranks)}, Memory::device);
  world.all_gather(values.to(Memory::device).data(), 16, gathered.data(), Memory::device);
  const Array<float> sum = dev.to(Memory::host), all = gathered.to(Memory::host);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(sum[i], float(ranks * (ranks - 1) / 2 + ranks * i));
  for (int r = 0; r < ranks; ++r)
    for (int i = 0; i < 4; ++i) EXPECT_EQ(all[4 * r + i], float(r + i));
}
