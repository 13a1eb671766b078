// The chunk queue (exec/chunk_queue.hpp) in one process: every chunk runs once; results are
// reduced in chunk order whatever order the workers finish in (random delays), so a float sum has
// the same bits for 1, 2 and 5 workers; no chunk runs further than the window ahead of the
// reduction; a failure is rethrown with its type and message; a stop request leaves a reduced
// prefix to resume from, and a run from that prefix completes the same total.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <random>
#include <set>
#include <thread>

#include "phasis/core/error.hpp"
#include "phasis/exec/chunk_queue.hpp"
#include "phasis/exec/interrupt.hpp"

using namespace phasis;
using namespace phasis::exec;

namespace {

/// A chunk's result: a few values that make a float sum depend on the order of addition.
ChunkResult values_of(int64_t chunk) {
  return {1.0 / double(chunk + 3), std::sqrt(double(chunk) + 0.1) * 1e-7, double(chunk)};
}

struct QueueRun {
  std::vector<int64_t> order;  // chunks in the order reduced
  float sum = 0;               // a float sum of the first values, in reduction order
  QueueOutcome outcome;
};

QueueRun run(int workers, int64_t count, int64_t first = 0, int64_t stop_after = -1, int64_t window = 0) {
  QueueRun r;
  std::atomic<int64_t> reduced{first}, furthest{0};
  std::mutex seed_mutex;
  std::mt19937 rng(unsigned(workers * 7919 + count));
  QueueOptions o;
  o.first = first;
  o.count = count;
  o.workers = workers;
  o.window = window;
  o.distributed = false;
  const auto task = [&](int, int64_t chunk) {
    int delay;
    {
      std::lock_guard lock(seed_mutex);
      delay = int(rng() % 3000);
    }
    // How far ahead of the reduction this chunk started (the window bounds it).
    const int64_t ahead = chunk - reduced.load();
    int64_t seen = furthest.load();
    while (ahead > seen && !furthest.compare_exchange_weak(seen, ahead)) {
    }
    std::this_thread::sleep_for(std::chrono::microseconds(delay));
    return values_of(chunk);
  };
  const auto reduce = [&](int64_t chunk, ChunkResult&& v) {
    r.order.push_back(chunk);
    r.sum += float(v[0]);
    ++reduced;
    if (stop_after >= 0 && int64_t(r.order.size()) == stop_after) request_stop();
  };
  r.outcome = run_queue(o, task, reduce);
  clear_stop();
  const int64_t w = window > 0 ? window : 2 * workers + 2;
  EXPECT_LE(furthest.load(), w) << "a chunk started beyond the window";
  return r;
}

}  // namespace

TEST(ChunkQueue, ReducesEveryChunkOnceInOrderForAnyWorkerCount) {
  const QueueRun one = run(1, 200);
  ASSERT_EQ(one.order.size(), 200u);
  for (int64_t i = 0; i < 200; ++i) EXPECT_EQ(one.order[std::size_t(i)], i);
  for (int w : {2, 5}) {
    const QueueRun many = run(w, 200);
    EXPECT_EQ(many.order, one.order) << w << " workers";
    EXPECT_EQ(std::memcmp(&many.sum, &one.sum, sizeof(float)), 0) << w << " workers: " << many.sum << " vs " << one.sum;
    EXPECT_EQ(many.outcome.reduced_until, 200);
    EXPECT_FALSE(many.outcome.stopped);
    EXPECT_EQ(many.outcome.chunks_per_rank, std::vector<int64_t>{200});
  }
  // The order matters to the sum, so the equality above could fail: reversed it differs.
  float reversed = 0;
  for (int64_t i = 199; i >= 0; --i) reversed += float(values_of(i)[0]);
  EXPECT_NE(reversed, one.sum);
}

TEST(ChunkQueue, ASmallWindowHoldsWorkersBack) {
  const QueueRun r = run(4, 60, 0, -1, 3);  // asserts inside: no chunk more than 3 ahead
  EXPECT_EQ(r.order.size(), 60u);
}

TEST(ChunkQueue, AFailureIsRethrownWithItsTypeAndNothingAfterItIsReduced) {
  QueueOptions o;
  o.count = 50;
  o.workers = 3;
  o.distributed = false;
  std::vector<int64_t> reduced;
  try {
    run_queue(
        o,
        [](int, int64_t chunk) -> ChunkResult {
          if (chunk == 17) throw InputError("chunk 17: expected good data; found bad");
          return values_of(chunk);
        },
        [&](int64_t chunk, ChunkResult&&) { reduced.push_back(chunk); });
    FAIL() << "expected the task's InputError";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "chunk 17: expected good data; found bad");
  }
  for (int64_t c : reduced) EXPECT_LT(c, 17);
}

TEST(ChunkQueue, AReduceThatThrowsStopsTheRun) {
  QueueOptions o;
  o.count = 30;
  o.workers = 2;
  o.distributed = false;
  EXPECT_THROW(run_queue(o, [](int, int64_t c) { return values_of(c); },
                         [](int64_t c, ChunkResult&&) {
                           if (c == 5) throw InputError("disk full");
                         }),
               InputError);
}

TEST(ChunkQueue, AStopLeavesAPrefixAndTheRestCompletesIt) {
  const QueueRun whole = run(3, 120);
  const QueueRun stopped = run(3, 120, 0, 40);
  EXPECT_TRUE(stopped.outcome.stopped);
  EXPECT_GE(stopped.outcome.reduced_until, 40);
  EXPECT_LT(stopped.outcome.reduced_until, 120);
  EXPECT_EQ(int64_t(stopped.order.size()), stopped.outcome.reduced_until);
  const QueueRun rest = run(2, 120, stopped.outcome.reduced_until);
  std::vector<int64_t> both = stopped.order;
  both.insert(both.end(), rest.order.begin(), rest.order.end());
  EXPECT_EQ(both, whole.order);
}

TEST(ChunkQueue, BadOptions) {
  QueueOptions o;
  o.count = 4;
  o.workers = 0;
  const auto task = [](int, int64_t c) { return values_of(c); };
  const auto none = [](int64_t, ChunkResult&&) {};
  EXPECT_THROW(run_queue(o, task, none), InputError);
  o.workers = 1;
  o.first = 5;
  EXPECT_THROW(run_queue(o, task, none), InputError);
  o.first = 4;  // nothing left: returns at once
  EXPECT_EQ(run_queue(o, task, none).reduced_until, 4);
}
