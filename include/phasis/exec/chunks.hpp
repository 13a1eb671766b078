// Chunked tasks over an index space. The frames of a ptychography scan, the positions of a STEM
// scan, frozen-phonon configurations, SPI orientations and images are all index spaces 0..total:
// their items are independent, so they can be computed in any order and on any worker. This file
// cuts such a space into chunks and runs them:
//  - a memory budget sizes the chunks (plan_chunks): a chunk must be large enough to keep a CPU
//    thread pool or a GPU busy (batched FFTs), small enough that a few of them fit in memory
//    (abTEM's defaults: 128 MiB per chunk on the CPU, 512 MiB on a GPU);
//  - one worker per CPU thread pool or per GPU takes chunk indices from one queue (an atomic
//    counter) until none is left (run_chunks), so a fast worker simply takes more chunks;
//  - each chunk's result is reduced into the total right after it is computed (map_reduce_chunks),
//    so the whole ensemble (e.g. 1.8 GB of exit waves for a 900-byte HAADF image) never sits in
//    memory at once.
// Each chunk emits one Span and one Progress event to an optional EventSink (exec/events.hpp).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "phasis/core/device.hpp"   // for Device
#include "phasis/exec/events.hpp"   // for EventSink

namespace phasis::exec {

/// Items [begin, end) of an index space.
struct Range {
  int64_t begin = 0;
  int64_t end = 0;
  int64_t size() const { return end - begin; }
  bool operator==(const Range&) const = default;
};

/// `total` items in chunks of `chunk` (>= 1) items: all equal except the last, which may be smaller.
struct ChunkPlan {
  int64_t total = 0;
  int64_t chunk = 1;
  /// Number of chunks: ceil(total / chunk), 0 for an empty space.
  int64_t count() const { return (total + chunk - 1) / chunk; }
  /// Chunk i's items; InternalError for i outside [0, count()).
  Range at(int64_t i) const;
};

/// The largest chunk whose items fit the budget: budget_bytes / bytes_per_item items, at least 1
/// (an item larger than the budget still runs, alone), at most max_chunk when max_chunk > 0, at most
/// total (when total > 0). InputError for total < 0, bytes_per_item < 1, budget_bytes < 1 or
/// max_chunk < 0.
ChunkPlan plan_chunks(int64_t total, int64_t bytes_per_item, int64_t budget_bytes, int64_t max_chunk = 0);

/// abTEM's chunk budgets: 128 MiB on the CPU, 512 MiB on a GPU (its defaults for batches of waves).
inline constexpr int64_t kCpuChunkBudget = int64_t(128) << 20;
inline constexpr int64_t kCudaChunkBudget = int64_t(512) << 20;

/// `preferred`, but never more than a quarter of `free_bytes` (at least 1) when free_bytes > 0;
/// free_bytes <= 0 means unknown and leaves `preferred` as it is. A quarter leaves room for the
/// several chunks in flight at once and for a solver's intermediate buffers beside them.
int64_t budget_within(int64_t preferred, int64_t free_bytes);

/// MemAvailable of /proc/meminfo in bytes, at most PHASIS_HOST_MEMORY_LIMIT (bytes) when set; 0
/// where neither is known (not Linux).
int64_t host_available_bytes();

/// The memory one chunk may take on `device`: kCpuChunkBudget or kCudaChunkBudget, capped by
/// budget_within at a quarter of the free memory: MemAvailable on the CPU, the GPU's free memory on
/// CUDA (this makes `device` the calling thread's current GPU, as its worker does anyway). Without
/// CUDA in this build, a CUDA device gets kCudaChunkBudget uncapped (nothing runs there anyway;
/// require_device reports that). DeviceError for a GPU number that does not exist.
int64_t default_chunk_budget(const Device& device);

/// One chunk's work: called with the worker's number (0..workers-1: which thread pool or GPU runs
/// it), the chunk's index and its items.
using ChunkTask = std::function<void(int worker, int64_t chunk, Range items)>;

/// Runs every chunk of `plan` exactly once on `workers` threads (worker 0 is the calling thread;
/// no more threads start than there are chunks). Workers take chunk indices from one atomic counter
/// until none is left. Each chunk emits a Span {name, "chunk", worker, chunk index} and advances a
/// Progress event {task = name, done and total in items, unit} on `sink` (null: no events).
/// The first exception thrown by a task (or the sink) stops every worker from taking a new chunk;
/// chunks already running finish; it is rethrown here once all threads have joined. A worker
/// checks for a failure just before it takes each chunk, so at most workers - 1 chunks start after
/// the failing one threw (those that took their index in the same instant).
/// InputError for workers <= 0, or a plan with chunk < 1 or total < 0.
void run_chunks(const ChunkPlan& plan, int workers, const ChunkTask& task, EventSink* sink = nullptr,
                const std::string& name = "chunk", const std::string& unit = "items");

/// Computes `task(worker, items)` -> R for every chunk on `workers` threads (as run_chunks) and
/// folds the results into `init` with `total = reduce(std::move(total), std::move(result))` as soon
/// as each can be, under a lock (reduce needs no thread safety of its own).
/// ordered == true: the reduction is applied in chunk index order, whatever worker finished first:
/// results that arrive early wait in a buffer, and a worker waits before computing a chunk more than
/// 2 x workers ahead of the next one to reduce, so at most that many results are held at once. The
/// total then has the same bits for any number of workers and any timing (floating-point sums
/// depend on order), and equals reducing the chunks one by one on one thread.
/// ordered == false: results are reduced in the order they finish (no waiting, no buffer); use it
/// only where reduce is exact (integers, maxima) or the order does not matter to the caller.
template <class R, class Task, class Reduce>
R map_reduce_chunks(const ChunkPlan& plan, int workers, Task task, R init, Reduce reduce,
                    EventSink* sink = nullptr, bool ordered = true, const std::string& name = "chunk") {
  std::mutex mutex;
  std::condition_variable reduced;  // signals a new next_to_reduce, or a failure
  R total = std::move(init);
  int64_t next_to_reduce = 0;
  bool failed = false;
  std::map<int64_t, R> early;  // ordered: results of chunks above next_to_reduce
  const int64_t window = 2 * int64_t(workers > 0 ? workers : 1);

  run_chunks(plan, workers, [&](int worker, int64_t chunk, Range items) {
    if (ordered) {
      // The worker holding next_to_reduce never waits here, so the run always moves on.
      std::unique_lock lock(mutex);
      reduced.wait(lock, [&] { return failed || chunk < next_to_reduce + window; });
      if (failed) return;  // the run is failing; run_chunks rethrows the first exception
    }
    try {
      R result = task(worker, items);
      std::lock_guard lock(mutex);
      if (!ordered) {
        total = reduce(std::move(total), std::move(result));
        return;
      }
      early.emplace(chunk, std::move(result));
      for (auto it = early.begin(); it != early.end() && it->first == next_to_reduce; it = early.erase(it)) {
        total = reduce(std::move(total), std::move(it->second));
        ++next_to_reduce;
      }
    } catch (...) {
      {
        std::lock_guard lock(mutex);
        failed = true;
      }
      reduced.notify_all();
      throw;
    }
    reduced.notify_all();
  }, sink, name);
  return total;
}

}  // namespace phasis::exec
