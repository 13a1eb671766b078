// Chunk plans from memory budgets, the chunk scheduler (every chunk once, spans, failures) and the
// ordered reduction whose floating-point total does not depend on workers or timing.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "phasis/core/array.hpp"
#include "phasis/core/error.hpp"
#include "phasis/exec/chunks.hpp"

using namespace phasis;
using namespace phasis::exec;
using namespace std::chrono_literals;

namespace {

constexpr int64_t MiB = int64_t(1) << 20;

/// Keeps every span and progress event, in arrival order.
class RecordingSink : public EventSink {
 public:
  void progress(const Progress& p) override {
    std::lock_guard lock(mutex_);
    progress_.push_back(p);
  }
  void span(const Span& s) override {
    std::lock_guard lock(mutex_);
    spans_.push_back(s);
  }
  std::vector<Progress> progress_events() {
    std::lock_guard lock(mutex_);
    return progress_;
  }
  std::vector<Span> spans() {
    std::lock_guard lock(mutex_);
    return spans_;
  }

 private:
  std::mutex mutex_;
  std::vector<Progress> progress_;
  std::vector<Span> spans_;
};

/// Chunk ranges cover [0, total) in order, without gaps or overlaps, all of size `chunk` but the last.
void expect_tiles(const ChunkPlan& plan) {
  int64_t next = 0;
  for (int64_t i = 0; i < plan.count(); ++i) {
    const Range r = plan.at(i);
    EXPECT_EQ(r.begin, next) << "chunk " << i;
    if (i + 1 < plan.count()) {
      EXPECT_EQ(r.size(), plan.chunk) << "chunk " << i;
    }
    EXPECT_GE(r.size(), 1);
    EXPECT_LE(r.size(), plan.chunk);
    next = r.end;
  }
  EXPECT_EQ(next, plan.total);
}

}  // namespace

TEST(ExecPlanChunks, SizesChunksFromTheBudget) {
  // 1 MiB items in a 128 MiB budget: 128 per chunk, 8 chunks for 1000, the last one 104.
  const ChunkPlan p = plan_chunks(1000, MiB, 128 * MiB);
  EXPECT_EQ(p.chunk, 128);
  EXPECT_EQ(p.count(), 8);
  EXPECT_EQ(p.at(7), (Range{896, 1000}));
  expect_tiles(p);
  // A budget that is not a multiple of the item: the largest chunk that fits.
  EXPECT_EQ(plan_chunks(1000, 3000, 10000).chunk, 3);
  // Exact division: equal chunks.
  const ChunkPlan exact = plan_chunks(256, MiB, 128 * MiB);
  EXPECT_EQ(exact.count(), 2);
  EXPECT_EQ(exact.at(1), (Range{128, 256}));
  for (int64_t total : {1, 7, 64, 1001})
    for (int64_t budget : {1, 5, 64, 999}) expect_tiles(plan_chunks(total, 1, budget));
}

TEST(ExecPlanChunks, MaxChunkTotalAndItemsLargerThanTheBudget) {
  EXPECT_EQ(plan_chunks(1000, MiB, 128 * MiB, 50).chunk, 50);
  EXPECT_EQ(plan_chunks(1000, MiB, 128 * MiB, 50).count(), 20);
  EXPECT_EQ(plan_chunks(1000, MiB, 128 * MiB, 500).chunk, 128);  // a max above the budget's size
  EXPECT_EQ(plan_chunks(10, MiB, 128 * MiB).chunk, 10);          // never more than total
  EXPECT_EQ(plan_chunks(10, MiB, 128 * MiB).count(), 1);
  const ChunkPlan huge = plan_chunks(5, 1000 * MiB, 128 * MiB);  // each item alone
  EXPECT_EQ(huge.chunk, 1);
  EXPECT_EQ(huge.count(), 5);
  const ChunkPlan empty = plan_chunks(0, MiB, 128 * MiB);
  EXPECT_EQ(empty.count(), 0);
  EXPECT_THROW(empty.at(0), InternalError);
  EXPECT_THROW(plan_chunks(10, 1, 1).at(10), InternalError);
  EXPECT_THROW(plan_chunks(10, 1, 1).at(-1), InternalError);
}

TEST(ExecPlanChunks, RejectsBadInputs) {
  EXPECT_THROW(plan_chunks(-1, 1, 1), InputError);
  EXPECT_THROW(plan_chunks(10, 0, 1), InputError);
  EXPECT_THROW(plan_chunks(10, 1, 0), InputError);
  EXPECT_THROW(plan_chunks(10, 1, -5), InputError);
  EXPECT_THROW(plan_chunks(10, 1, 1, -1), InputError);
  try {
    plan_chunks(10, 1, 0);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("expected >= 1 byte; found 0"), std::string::npos) << e.what();
  }
}

TEST(ExecChunkBudget, AQuarterOfTheFreeMemoryAtMost) {
  EXPECT_EQ(budget_within(128 * MiB, 0), 128 * MiB);  // unknown free memory
  EXPECT_EQ(budget_within(128 * MiB, -1), 128 * MiB);
  EXPECT_EQ(budget_within(128 * MiB, 100 * MiB), 25 * MiB);
  EXPECT_EQ(budget_within(128 * MiB, 4096 * MiB), 128 * MiB);
  EXPECT_EQ(budget_within(128 * MiB, 3), 1);

  const int64_t available = host_available_bytes();
  EXPECT_GT(available, 0) << "this test runs on Linux, which has /proc/meminfo";
  const int64_t cpu = default_chunk_budget(Device::cpu());
  EXPECT_GT(cpu, 0);
  EXPECT_LE(cpu, kCpuChunkBudget);
  EXPECT_LE(cpu, std::max<int64_t>(1, available / 4) + 64 * MiB);  // MemAvailable moves between reads
  EXPECT_EQ(kCpuChunkBudget, 128 * MiB);
  EXPECT_EQ(kCudaChunkBudget, 512 * MiB);

  const int64_t gpu = default_chunk_budget(Device::cuda(0));
  if (cuda_available()) {
    EXPECT_GT(gpu, 0);
    EXPECT_LE(gpu, kCudaChunkBudget);
  } else {
    EXPECT_EQ(gpu, kCudaChunkBudget);
  }
}

TEST(ExecRunChunks, EveryChunkOnceWithOneSpanEach) {
  const ChunkPlan plan = plan_chunks(103, 1, 5);  // 21 chunks, the last of 3
  for (int workers : {1, 2, 4}) {
    SCOPED_TRACE("workers " + std::to_string(workers));
    RecordingSink sink;
    std::vector<std::atomic<int>> item_runs(plan.total), chunk_runs(plan.count());
    std::vector<std::atomic<int>> worker_of(plan.count());
    run_chunks(plan, workers, [&](int worker, int64_t chunk, Range items) {
      EXPECT_GE(worker, 0);
      EXPECT_LT(worker, workers);
      EXPECT_EQ(items, plan.at(chunk));
      ++chunk_runs[chunk];
      worker_of[chunk] = worker;
      for (int64_t i = items.begin; i < items.end; ++i) ++item_runs[i];
      std::this_thread::sleep_for(200us);
    }, &sink, "phonon", "configurations");
    for (int64_t i = 0; i < plan.total; ++i) EXPECT_EQ(item_runs[i].load(), 1) << "item " << i;
    for (int64_t c = 0; c < plan.count(); ++c) EXPECT_EQ(chunk_runs[c].load(), 1) << "chunk " << c;

    const std::vector<Span> spans = sink.spans();
    ASSERT_EQ(int64_t(spans.size()), plan.count());
    std::set<int64_t> chunks;
    for (const Span& s : spans) {
      chunks.insert(s.chunk);
      EXPECT_EQ(s.name, "phonon");
      EXPECT_EQ(s.category, "chunk");
      EXPECT_EQ(s.worker, worker_of[s.chunk].load());
      EXPECT_LE(s.start, s.end);
      EXPECT_GE(s.end - s.start, 150e-6);  // the span holds the task's sleep
    }
    EXPECT_EQ(int64_t(chunks.size()), plan.count());
    EXPECT_EQ(*chunks.begin(), 0);
    EXPECT_EQ(*chunks.rbegin(), plan.count() - 1);

    // One progress event per chunk, counting items, arriving in increasing order up to the total.
    const std::vector<Progress> progress = sink.progress_events();
    ASSERT_EQ(int64_t(progress.size()), plan.count());
    for (size_t k = 1; k < progress.size(); ++k) EXPECT_GT(progress[k].done, progress[k - 1].done);
    EXPECT_EQ(progress.back().done, plan.total);
    EXPECT_EQ(progress.back().total, plan.total);
    EXPECT_EQ(progress.back().task, "phonon");
    EXPECT_EQ(progress.back().unit, "configurations");
    EXPECT_EQ(progress.back().eta, 0);
  }
}

TEST(ExecRunChunks, WorkersRunAtTheSameTime) {
  // Each of 4 chunks waits until all 4 have started: only 4 concurrent workers get past it.
  std::atomic<int> started{0};
  std::atomic<bool> timed_out{false};
  run_chunks(plan_chunks(4, 1, 1), 4, [&](int, int64_t, Range) {
    ++started;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (started < 4) {
      if (std::chrono::steady_clock::now() > deadline) {
        timed_out = true;
        return;
      }
      std::this_thread::yield();
    }
  });
  EXPECT_FALSE(timed_out.load());
}

TEST(ExecRunChunks, FirstExceptionStopsNewChunksAndIsRethrownAfterTheJoin) {
  const ChunkPlan plan = plan_chunks(1000, 1, 1);
  constexpr int64_t failing = 10;
  for (int workers : {1, 2, 4}) {
    SCOPED_TRACE("workers " + std::to_string(workers));
    std::atomic<bool> thrown{false};
    std::atomic<int> started{0}, started_after_throw{0}, running{0};
    try {
      run_chunks(plan, workers, [&](int, int64_t chunk, Range) {
        ++running;
        ++started;
        if (thrown) {
          ++started_after_throw;
          // Long enough for the failing worker to have flagged its failure: each other worker can
          // then start at most this one chunk after the throw.
          std::this_thread::sleep_for(50ms);
        }
        if (chunk == failing) {
          thrown = true;
          --running;
          throw std::runtime_error("chunk " + std::to_string(chunk) + " failed");
        }
        std::this_thread::sleep_for(100us);
        --running;
      });
      FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()), "chunk 10 failed");
    }
    EXPECT_EQ(running.load(), 0) << "a chunk still ran after run_chunks returned";
    EXPECT_LE(started_after_throw.load(), workers - 1);
    EXPECT_LT(started.load(), plan.count());
    if (workers == 1) {
      EXPECT_EQ(started.load(), failing + 1);
    }
  }
}

TEST(ExecRunChunks, RejectsNoWorkersAndRunsNothingForAnEmptySpace) {
  int calls = 0;
  auto count = [&](int, int64_t, Range) { ++calls; };
  EXPECT_THROW(run_chunks(plan_chunks(10, 1, 1), 0, count), InputError);
  EXPECT_THROW(run_chunks(plan_chunks(10, 1, 1), -2, count), InputError);
  EXPECT_THROW(run_chunks(ChunkPlan{10, 0}, 2, count), InputError);
  EXPECT_THROW(run_chunks(ChunkPlan{-1, 1}, 2, count), InputError);
  run_chunks(plan_chunks(0, 1, 1), 4, count);
  EXPECT_EQ(calls, 0);
  run_chunks(plan_chunks(3, 1, 1), 16, count);  // more workers than chunks
  EXPECT_EQ(calls, 3);
}

namespace {

/// Values near 1 with +1e16 in chunk 0 and -1e16 in chunk 1 (chunks of 25): in chunk order the
/// large ones cancel first and the small ones then add up with fine rounding; in any order that puts
/// other chunks before them, the small ones' sum is rounded to the large ones' step (2) on the way.
std::vector<double> order_sensitive_values(int64_t n) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> near_one(0.5, 1.5);
  std::vector<double> v(n);
  for (double& x : v) x = near_one(rng);
  v[3] = 1e16;
  v[30] = -1e16;
  return v;
}

double chunk_sum(const std::vector<double>& v, Range r) {
  double s = 0;
  for (int64_t i = r.begin; i < r.end; ++i) s += v[i];
  return s;
}

}  // namespace

TEST(ExecMapReduceChunks, OrderedSumHasTheSameBitsForAnyWorkersAndTiming) {
  const std::vector<double> v = order_sensitive_values(4000);
  const ChunkPlan plan = plan_chunks(4000, 8, 8 * 25);  // 160 chunks of 25
  double in_order = 0, reversed = 0;
  for (int64_t c = 0; c < plan.count(); ++c) in_order += chunk_sum(v, plan.at(c));
  for (int64_t c = plan.count() - 1; c >= 0; --c) reversed += chunk_sum(v, plan.at(c));
  // The data must make order visible, or the test below could not fail.
  ASSERT_NE(std::bit_cast<uint64_t>(in_order), std::bit_cast<uint64_t>(reversed));

  auto plus = [](double a, double b) { return a + b; };
  auto sum = [&](int, Range r) { return chunk_sum(v, r); };
  const double one = map_reduce_chunks(plan, 1, sum, 0.0, plus);
  const double four = map_reduce_chunks(plan, 4, sum, 0.0, plus);

  // Early chunks finish last: chunk c < 8 sleeps (8 - c) x 5 ms.
  std::mutex mutex;
  std::vector<int64_t> finished;
  auto late_early_chunks = [&](int, Range r) {
    const int64_t c = r.begin / plan.chunk;
    if (c < 8) std::this_thread::sleep_for((8 - c) * 5ms);
    const double s = chunk_sum(v, r);
    std::lock_guard lock(mutex);
    finished.push_back(c);
    return s;
  };
  const double four_late = map_reduce_chunks(plan, 4, late_early_chunks, 0.0, plus);
  ASSERT_EQ(int64_t(finished.size()), plan.count());
  EXPECT_FALSE(std::is_sorted(finished.begin(), finished.end())) << "chunks finished in order: timing not exercised";

  EXPECT_EQ(std::bit_cast<uint64_t>(one), std::bit_cast<uint64_t>(in_order));
  EXPECT_EQ(std::bit_cast<uint64_t>(four), std::bit_cast<uint64_t>(in_order));
  EXPECT_EQ(std::bit_cast<uint64_t>(four_late), std::bit_cast<uint64_t>(in_order));
}

TEST(ExecMapReduceChunks, OrderedRunsAtMostTwiceTheWorkersAheadOfTheReduction) {
  // Chunk 0 is slow; with 2 workers no chunk at or beyond 0 + 2 x 2 may start before it is reduced.
  std::atomic<bool> first_done{false};
  std::atomic<int64_t> highest_started_early{-1};
  auto task = [&](int, Range r) {
    if (r.begin == 0) {
      std::this_thread::sleep_for(100ms);
      first_done = true;
    } else if (!first_done) {
      int64_t seen = highest_started_early;
      while (r.begin > seen && !highest_started_early.compare_exchange_weak(seen, r.begin)) {}
    }
    return int64_t(1);
  };
  const int64_t n = map_reduce_chunks(plan_chunks(40, 1, 1), 2, task, int64_t(0),
                                      [](int64_t a, int64_t b) { return a + b; });
  EXPECT_EQ(n, 40);
  EXPECT_GE(highest_started_early.load(), 1) << "the second worker never ran beside the slow chunk";
  EXPECT_LT(highest_started_early.load(), 4);
}

TEST(ExecMapReduceChunks, UnorderedMoveOnlyResultsAndFailures) {
  // A move-only result (Array): per-chunk histograms of i mod 8, summed exactly.
  const ChunkPlan plan = plan_chunks(1000, 1, 37);
  auto histogram = [](int, Range r) {
    Array<int64_t> h(Shape{8});
    h.zero();
    for (int64_t i = r.begin; i < r.end; ++i) ++h[i % 8];
    return h;
  };
  auto add = [](Array<int64_t> total, Array<int64_t> part) {
    for (int64_t k = 0; k < 8; ++k) total[k] += part[k];
    return total;
  };
  for (bool ordered : {false, true}) {
    Array<int64_t> zero(Shape{8});
    zero.zero();
    const Array<int64_t> h = map_reduce_chunks(plan, 4, histogram, std::move(zero), add, nullptr, ordered);
    for (int64_t k = 0; k < 8; ++k) EXPECT_EQ(h[k], 125) << "bin " << k << (ordered ? " ordered" : " unordered");
  }

  // A failing chunk while others wait for the ordered reduction: the error comes back, nothing hangs.
  auto failing = [](int, Range r) -> double {
    if (r.begin == 0) {
      std::this_thread::sleep_for(20ms);
      throw InputError("chunk 0: expected data; found none");
    }
    return 1.0;
  };
  EXPECT_THROW(map_reduce_chunks(plan_chunks(100, 1, 1), 4, failing, 0.0, [](double a, double b) { return a + b; }),
               InputError);
}
