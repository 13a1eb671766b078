// Chunk plans from memory budgets, and the scheduler that runs chunks on several workers.
#include "phasis/exec/chunks.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "phasis/core/array.hpp"  // for cuda_available, cuda_use_device, device_free_bytes
#include "phasis/core/error.hpp"

namespace phasis::exec {

Range ChunkPlan::at(int64_t i) const {
  if (i < 0 || i >= count())
    throw InternalError("chunk index: expected 0.." + std::to_string(count() - 1) + "; found " + std::to_string(i));
  return {i * chunk, std::min(total, (i + 1) * chunk)};
}

ChunkPlan plan_chunks(int64_t total, int64_t bytes_per_item, int64_t budget_bytes, int64_t max_chunk) {
  auto require = [](bool ok, const std::string& what, const std::string& expected, int64_t found) {
    if (!ok) throw InputError(what + ": expected " + expected + "; found " + std::to_string(found));
  };
  require(total >= 0, "chunk plan items", "a count >= 0", total);
  require(bytes_per_item >= 1, "chunk plan bytes per item", ">= 1", bytes_per_item);
  require(budget_bytes >= 1, "chunk budget", ">= 1 byte", budget_bytes);
  require(max_chunk >= 0, "chunk plan max chunk", ">= 0 (0: no limit)", max_chunk);
  int64_t chunk = std::max<int64_t>(1, budget_bytes / bytes_per_item);
  if (max_chunk > 0) chunk = std::min(chunk, max_chunk);
  if (total > 0) chunk = std::min(chunk, total);
  return {total, chunk};
}

int64_t budget_within(int64_t preferred, int64_t free_bytes) {
  if (free_bytes <= 0) return preferred;
  return std::min(preferred, std::max<int64_t>(1, free_bytes / 4));
}

namespace {
/// MemAvailable as the kernel reports it.
int64_t meminfo_available() {
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    // "MemAvailable:   12345678 kB"
    if (!line.starts_with("MemAvailable:")) continue;
    std::istringstream fields(line.substr(13));
    int64_t kib = 0;
    std::string unit;
    if (fields >> kib >> unit && unit == "kB" && kib > 0) return kib * 1024;
    return 0;
  }
  return 0;
}
}  // namespace

int64_t host_available_bytes() {
  const int64_t avail = meminfo_available();
  // PHASIS_HOST_MEMORY_LIMIT (bytes): at most this much, for a job that shares its node (and for
  // the fuzz targets, whose allocator refuses more than 2 GB).
  const char* e = std::getenv("PHASIS_HOST_MEMORY_LIMIT");
  const long long limit = e ? std::atoll(e) : 0;
  if (limit <= 0) return avail;
  return avail > 0 ? std::min<int64_t>(avail, limit) : int64_t(limit);
}

int64_t default_chunk_budget(const Device& device) {
  if (!device.is_cuda()) return budget_within(kCpuChunkBudget, host_available_bytes());
  if (!cuda_available()) return kCudaChunkBudget;
  cuda_use_device(device.index);
  return budget_within(kCudaChunkBudget, device_free_bytes());
}

void run_chunks(const ChunkPlan& plan, int workers, const ChunkTask& task, EventSink* sink, const std::string& name,
                const std::string& unit) {
  if (workers <= 0) throw InputError("chunk workers: expected >= 1; found " + std::to_string(workers));
  // A plan built by hand rather than by plan_chunks: count() would divide by zero.
  if (plan.chunk < 1 || plan.total < 0)
    throw InputError("chunk plan: expected chunk >= 1 and total >= 0; found chunk " + std::to_string(plan.chunk) +
                     ", total " + std::to_string(plan.total));
  const int64_t count = plan.count();
  if (count == 0) return;

  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::exception_ptr first_error;
  ProgressMeter meter(sink, name, plan.total, unit);

  auto work = [&](int worker) {
    // Check before taking an index, never after: a taken chunk always runs, so a caller that waits
    // for lower chunks (map_reduce_chunks, ordered) always sees them finish or fail.
    while (!failed.load()) {
      const int64_t chunk = next.fetch_add(1);
      if (chunk >= count) return;
      try {
        const Range items = plan.at(chunk);
        {
          ScopedSpan span(sink, name, "chunk", worker, chunk);
          task(worker, chunk, items);
        }
        meter.advance(items.size());
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
        failed.store(true);
      }
    }
  };

  const int threads = int(std::min<int64_t>(workers, count));
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  try {
    for (int w = 1; w < threads; ++w) pool.emplace_back(work, w);
  } catch (...) {
    // A thread that could not start: stop the ones that did, then report.
    failed.store(true);
    for (std::thread& t : pool) t.join();
    throw;
  }
  work(0);
  for (std::thread& t : pool) t.join();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace phasis::exec
