// The resource half of a profile: what the process uses while it works (CPU, resident memory and,
// where NVML is present, each GPU's memory and utilisation), sampled on a thread of its own at a
// fixed interval. The task half is the spans (events.hpp); monitor/profile_png.hpp draws both on
// one time axis: ResourceSample::clock is on now_seconds()'s clock, the spans' clock.
//
// NVML (the NVIDIA driver's management library) is opened at run time with dlopen, so phasis
// neither links it nor needs it: without the library (no driver, no GPU) there are no GPU columns.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace phasis::exec {

/// One GPU at one sample; -1 where NVML could not read the value at that moment.
struct GpuSample {
  int64_t memory_bytes = -1;        // device memory in use (all processes: NVML counts per device)
  double utilization_percent = -1;  // share of the last sample period a kernel ran, 0..100
};

/// The process at one moment.
struct ResourceSample {
  double seconds = 0;           // since the sampler started
  double clock = 0;             // the same moment on now_seconds()'s clock (the spans' clock)
  double cpu_percent = 0;       // CPU time of all threads over the wall time since the previous
                                // sample, in percent of one core (1600 on 16 busy cores)
  int64_t rss_bytes = -1;       // resident memory (VmRSS); -1 where /proc is missing
  int64_t peak_rss_bytes = -1;  // the most resident so far (VmHWM); -1 where /proc is missing
  std::vector<GpuSample> gpus;  // one per GPU NVML lists; empty without NVML
};

/// Samples resources every `interval` seconds on its own thread while running: from construction
/// (or start()) to stop() or destruction. The first sample comes one interval after the start, and
/// stop() takes a last one (when at least a millisecond has passed since the one before), so even a
/// run shorter than the interval has one. Stopping wakes the thread at once (no sleeping it out).
/// samples() may be called from any thread while it runs; start() and stop() belong to the owner's
/// thread. start() opens NVML (its init can take a fraction of a second) before the thread starts.
class ResourceSampler {
 public:
  /// `interval` in seconds (> 0; InputError otherwise). `gpus` false: NVML is not opened (no GPU
  /// columns). `start_now` false: nothing runs until start().
  explicit ResourceSampler(double interval = 0.1, bool gpus = true, bool start_now = true);
  /// stop().
  ~ResourceSampler();
  ResourceSampler(const ResourceSampler&) = delete;
  ResourceSampler& operator=(const ResourceSampler&) = delete;

  /// Starts sampling; the clock restarts and earlier samples are dropped. Nothing when running.
  void start();
  /// Stops sampling and joins the thread; nothing when not running.
  void stop();
  bool running() const;
  double interval() const { return interval_; }
  /// The GPUs NVML listed when sampling started (0 without NVML): every sample has this many.
  int gpu_count() const;
  /// The samples so far, oldest first.
  std::vector<ResourceSample> samples() const;
  /// Writes samples() as CSV: a header line "seconds,cpu_percent,rss_bytes,peak_rss_bytes" followed
  /// by "gpuN_memory_bytes,gpuN_utilization_percent" per GPU, then one line per sample (an unknown
  /// value is an empty cell); through a temporary file and a rename (InputError when it cannot).
  void write_csv(const std::string& path) const;

 private:
  struct Gpus;  // the NVML library and its devices
  void loop();

  double interval_;
  bool want_gpus_;
  std::unique_ptr<Gpus> gpus_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
  std::vector<ResourceSample> samples_;
};

/// Samples as the CSV text write_csv() writes, with `gpu_count` GPU column pairs.
std::string resources_csv(const std::vector<ResourceSample>& samples, int gpu_count);

/// This process's resident memory now (VmRSS) and the most it has had (VmHWM), in bytes; -1 where
/// /proc/self/status cannot be read.
int64_t resident_bytes();
int64_t peak_resident_bytes();

}  // namespace phasis::exec
