// A STEM ensemble over MPI ranks (execution.hpp, scheduler mpi): every rank takes chunks from the
// one queue rank 0 holds, rank 0 reduces them in chunk order, so its readings equal, bit for bit,
// those of one process with its threads, for batches of 1, 7 and the budget's size, for any
// number of ranks (registered for 1, 2 and 3), and when resumed after some batches.
#include <gtest/gtest.h>

#include <numeric>

#include "phasis/comm/mpi.hpp"
#include "phasis/exec/chunk_queue.hpp"
#include "phasis/multislice/simulation.hpp"
#include "ms_chunk_case.hpp"

using namespace phasis;
using namespace phasis::ms;

namespace {

SimulationResult run_on(Scheduler scheduler, int64_t batch, RunControl control = {}) {
  Simulation s = phasis::testing::chunk_case();
  s.batch = batch;
  Execution x;
  x.scheduler = scheduler;
  x.workers = 2;
  return run(s, x, Precision::double_, nullptr, control);
}

}  // namespace

TEST(MsMpi, RanksGiveTheReadingsOfOneProcess) {
  const comm::Mpi world;
  for (int64_t batch : {int64_t(1), int64_t(7), int64_t(0)}) {
    const SimulationResult ranks = run_on(Scheduler::mpi, batch);
    EXPECT_EQ(ranks.chunking.ranks, world.size());
    ASSERT_EQ(int(ranks.chunks_per_rank.size()), world.size());
    EXPECT_EQ(std::accumulate(ranks.chunks_per_rank.begin(), ranks.chunks_per_rank.end(), int64_t(0)), ranks.chunking.chunks)
        << "every chunk run once";
    if (world.rank() != 0) continue;  // rank 0 holds the readings
    const SimulationResult one = run_on(Scheduler::threads, batch);  // this process alone
    EXPECT_EQ(one.chunking.ranks, 1);
    EXPECT_EQ(one.chunking.batch, ranks.chunking.batch);
    EXPECT_GT(one.readings[0][0], 1e-4) << "physics, not zeros";
    phasis::testing::expect_same_readings(one, ranks, "batch " + std::to_string(batch) + " over " +
                                                          std::to_string(world.size()) + " ranks");
  }
}

TEST(MsMpi, AResumedRunOverRanksCompletesTheSameReadings) {
  const comm::Mpi world;
  RunControl rest;
  rest.first_batch = 2;  // as if batches 0 and 1 were in a partial file
  const SimulationResult resumed = run_on(Scheduler::mpi, 3, rest);
  EXPECT_EQ(resumed.batches_done, resumed.chunking.batches);
  if (world.rank() != 0) return;
  const SimulationResult one = run_on(Scheduler::threads, 3);
  const int64_t frame = one.readings[1].size() / int64_t(one.readings[0].size());
  for (int64_t at = 2 * 3; at < one.readings[0].size(); ++at) {
    EXPECT_EQ(resumed.readings[0][at], one.readings[0][at]) << at;
    for (int64_t i = 0; i < frame; ++i) ASSERT_EQ(resumed.readings[1][at * frame + i], one.readings[1][at * frame + i]) << at;
  }
}

// Ranks that call the queue for different runs (a caller's bug) get an error on every rank, not
// each other's chunks.
TEST(MsMpi, RanksInDifferentQueuesAreRefusedOnEveryRank) {
  comm::Mpi world;
  if (world.size() < 2) GTEST_SKIP() << "needs two ranks";
  exec::QueueOptions q;
  q.count = world.rank() == 0 ? 10 : 11;
  q.workers = 1;
  int64_t reduced = 0;
  EXPECT_ANY_THROW(exec::run_queue(
      q, [](int, int64_t c) { return exec::ChunkResult{double(c)}; }, [&](int64_t, exec::ChunkResult&&) { ++reduced; }));
  world.barrier();
}
