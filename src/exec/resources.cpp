// ResourceSampler: /proc/self for the process, NVML through dlopen for the GPUs (see resources.hpp).
#include "phasis/exec/resources.hpp"

#include <dlfcn.h>
#include <unistd.h>  // for sysconf

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

#include "phasis/core/error.hpp"
#include "phasis/exec/events.hpp"
#include "phasis/io/atomic_output.hpp"

namespace phasis::exec {

namespace {

/// The "VmRSS:   1234 kB" and "VmHWM: ..." lines of /proc/self/status, in bytes; -1 when absent.
/// Both from one read: the kernel's counters are approximate, and only within one read is the
/// peak it reports never below the resident figure.
struct Resident {
  int64_t now = -1, peak = -1;
};
Resident read_resident() {
  Resident r;
  std::ifstream in("/proc/self/status");
  std::string line;
  long long kb = 0;
  while (std::getline(in, line)) {
    if (std::sscanf(line.c_str(), "VmRSS: %lld", &kb) == 1) r.now = int64_t(kb) * 1024;
    if (std::sscanf(line.c_str(), "VmHWM: %lld", &kb) == 1) r.peak = int64_t(kb) * 1024;
  }
  return r;
}

/// utime + stime of the whole process (all threads) in seconds; -1 when /proc/self/stat is missing.
double process_cpu_seconds() {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(text.substr(close + 1));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {  // fields 3 (state) .. 15 (stime)
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  if (!fields) return -1;
  static const double ticks = double(sysconf(_SC_CLK_TCK));
  return double(utime + stime) / ticks;
}

// The few NVML declarations used here, from its public C API (nvml.h is not needed to build).
using nvmlReturn_t = int;  // an enum in nvml.h; 0 is NVML_SUCCESS
using nvmlDevice_t = struct nvmlDevice_st*;
struct nvmlMemory_t {
  unsigned long long total, free, used;
};
struct nvmlUtilization_t {
  unsigned int gpu, memory;
};

}  // namespace

/// NVML opened with dlopen: devices_ is empty when the library, a symbol or the init is missing.
struct ResourceSampler::Gpus {
  void* library = nullptr;
  nvmlReturn_t (*shutdown)() = nullptr;
  nvmlReturn_t (*memory_info)(nvmlDevice_t, nvmlMemory_t*) = nullptr;
  nvmlReturn_t (*utilization)(nvmlDevice_t, nvmlUtilization_t*) = nullptr;
  std::vector<nvmlDevice_t> devices;

  Gpus() {
    library = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!library) return;
    auto init = reinterpret_cast<nvmlReturn_t (*)()>(dlsym(library, "nvmlInit_v2"));
    auto count = reinterpret_cast<nvmlReturn_t (*)(unsigned*)>(dlsym(library, "nvmlDeviceGetCount_v2"));
    auto handle =
        reinterpret_cast<nvmlReturn_t (*)(unsigned, nvmlDevice_t*)>(dlsym(library, "nvmlDeviceGetHandleByIndex_v2"));
    shutdown = reinterpret_cast<nvmlReturn_t (*)()>(dlsym(library, "nvmlShutdown"));
    memory_info =
        reinterpret_cast<nvmlReturn_t (*)(nvmlDevice_t, nvmlMemory_t*)>(dlsym(library, "nvmlDeviceGetMemoryInfo"));
    utilization = reinterpret_cast<nvmlReturn_t (*)(nvmlDevice_t, nvmlUtilization_t*)>(
        dlsym(library, "nvmlDeviceGetUtilizationRates"));
    if (!init || !count || !handle || !shutdown || !memory_info || !utilization || init() != 0) {
      dlclose(library);
      library = nullptr, shutdown = nullptr;
      return;
    }
    unsigned n = 0;
    if (count(&n) != 0) n = 0;
    for (unsigned i = 0; i < n; ++i) {
      nvmlDevice_t d = nullptr;
      // A device NVML cannot open (lost, no permission) keeps its column, always unknown.
      devices.push_back(handle(i, &d) == 0 ? d : nullptr);
    }
  }
  ~Gpus() {
    if (!library) return;
    shutdown();
    dlclose(library);
  }
  Gpus(const Gpus&) = delete;
  Gpus& operator=(const Gpus&) = delete;

  std::vector<GpuSample> read() const {
    std::vector<GpuSample> out(devices.size());
    for (size_t i = 0; i < devices.size(); ++i) {
      if (!devices[i]) continue;
      nvmlMemory_t m{};
      if (memory_info(devices[i], &m) == 0) out[i].memory_bytes = int64_t(m.used);
      nvmlUtilization_t u{};
      if (utilization(devices[i], &u) == 0) out[i].utilization_percent = double(u.gpu);
    }
    return out;
  }
};

ResourceSampler::ResourceSampler(double interval, bool gpus, bool start_now) : interval_(interval), want_gpus_(gpus) {
  if (!(interval > 0))
    throw InputError("resource sampler: expected an interval > 0 seconds; found " + std::to_string(interval));
  if (start_now) start();
}

ResourceSampler::~ResourceSampler() { stop(); }

void ResourceSampler::start() {
  if (thread_.joinable()) return;
  if (want_gpus_ && !gpus_) gpus_ = std::make_unique<Gpus>();
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
    samples_.clear();
  }
  thread_ = std::thread([this] { loop(); });
}

void ResourceSampler::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool ResourceSampler::running() const { return thread_.joinable(); }

int ResourceSampler::gpu_count() const { return gpus_ ? int(gpus_->devices.size()) : 0; }

std::vector<ResourceSample> ResourceSampler::samples() const {
  std::lock_guard lock(mutex_);
  return samples_;
}

void ResourceSampler::loop() {
  using clock = std::chrono::steady_clock;
  const double start = now_seconds();
  const auto start_steady = clock::now();
  double last_clock = start, last_cpu = process_cpu_seconds();
  auto take = [&] {
    ResourceSample s;
    s.clock = now_seconds();
    s.seconds = s.clock - start;
    const double cpu = process_cpu_seconds();
    if (cpu >= 0 && last_cpu >= 0 && s.clock > last_clock)
      s.cpu_percent = 100 * (cpu - last_cpu) / (s.clock - last_clock);
    last_cpu = cpu, last_clock = s.clock;
    const Resident r = read_resident();
    s.rss_bytes = r.now, s.peak_rss_bytes = r.peak;
    if (gpus_) s.gpus = gpus_->read();
    return s;
  };
  // Deadlines at start + k * interval, so the samples do not drift by the time a sample takes.
  const auto step = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(interval_));
  auto next = start_steady + step;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_until(lock, next, [&] { return stopping_; })) {
    lock.unlock();
    ResourceSample s = take();
    lock.lock();
    samples_.push_back(std::move(s));
    next += step;
    // A sample that took longer than the interval (a loaded machine): skip the missed deadlines.
    if (const auto now = clock::now(); next <= now) next = now + step;
  }
  lock.unlock();
  if (now_seconds() - last_clock >= 1e-3) {
    ResourceSample s = take();
    lock.lock();
    samples_.push_back(std::move(s));
  }
}

std::string resources_csv(const std::vector<ResourceSample>& samples, int gpu_count) {
  std::string out = "seconds,cpu_percent,rss_bytes,peak_rss_bytes";
  for (int g = 0; g < gpu_count; ++g) {
    const std::string n = std::to_string(g);
    out += ",gpu" + n + "_memory_bytes,gpu" + n + "_utilization_percent";
  }
  out += "\n";
  auto integer = [](int64_t v) { return v < 0 ? std::string() : std::to_string(v); };
  char buffer[64];
  for (const ResourceSample& s : samples) {
    std::snprintf(buffer, sizeof buffer, "%.4f,%.1f,", s.seconds, s.cpu_percent);
    // Appended piece by piece: "," + std::string trips GCC 12's -Wrestrict false positive.
    out += buffer;
    out += integer(s.rss_bytes);
    out += ',';
    out += integer(s.peak_rss_bytes);
    for (int g = 0; g < gpu_count; ++g) {
      const GpuSample gpu = g < int(s.gpus.size()) ? s.gpus[size_t(g)] : GpuSample{};
      out += ',';
      out += integer(gpu.memory_bytes);
      out += ',';
      if (gpu.utilization_percent >= 0) {
        std::snprintf(buffer, sizeof buffer, "%.0f", gpu.utilization_percent);
        out += buffer;
      }
    }
    out += "\n";
  }
  return out;
}

void ResourceSampler::write_csv(const std::string& path) const {
  const std::string text = resources_csv(samples(), gpu_count());
  AtomicOutput output(path);
  {
    std::ofstream out(output.temp_path(), std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) throw InputError("cannot write '" + path + "': expected a writable file; the write failed");
  }
  output.commit();
}

int64_t resident_bytes() { return read_resident().now; }

int64_t peak_resident_bytes() { return read_resident().peak; }

}  // namespace phasis::exec
