// The resource sampler against what the test itself does: memory it allocates and touches, a
// thread it keeps busy, the interval, a prompt stop, and the CSV read back.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "phasis/core/error.hpp"
#include "phasis/exec/events.hpp"
#include "phasis/exec/resources.hpp"
#include "testing.hpp"

using namespace phasis;
using namespace phasis::exec;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, sep)) out.push_back(cell);
  if (!line.empty() && line.back() == sep) out.emplace_back();
  return out;
}

}  // namespace

TEST(ResourceSampler, SeesMemoryTheTestTouches) {
  ResourceSampler sampler(0.05, false);
  std::this_thread::sleep_for(150ms);
  const int64_t bytes = int64_t(200) << 20;
  auto block = std::make_unique<char[]>(size_t(bytes));
  std::memset(block.get(), 1, size_t(bytes));  // touched: resident, not just reserved
  std::this_thread::sleep_for(200ms);
  sampler.stop();
  const auto samples = sampler.samples();
  ASSERT_GE(samples.size(), 4u);
  int64_t lo = samples.front().rss_bytes, hi = 0;
  for (const auto& s : samples) {
    lo = std::min(lo, s.rss_bytes), hi = std::max(hi, s.rss_bytes);
    EXPECT_GE(s.peak_rss_bytes, s.rss_bytes);
  }
  EXPECT_GT(lo, 0);
  EXPECT_GE(hi - lo, int64_t(150) << 20) << "lo " << lo << " hi " << hi;
  EXPECT_GE(peak_resident_bytes(), int64_t(200) << 20);
  EXPECT_GE(peak_resident_bytes(), resident_bytes());
  volatile char keep = block[size_t(bytes) - 1];  // the block lives until here
  (void)keep;
}

TEST(ResourceSampler, SeesOneBusyThread) {
  ResourceSampler sampler(0.1, false, false);
  std::atomic<bool> done{false};
  sampler.start();
  std::thread spin([&] {
    volatile uint64_t x = 0;
    while (!done.load(std::memory_order_relaxed)) x = x + 1;
  });
  std::this_thread::sleep_for(500ms);
  done = true;
  spin.join();
  sampler.stop();
  const auto samples = sampler.samples();
  ASSERT_GE(samples.size(), 3u);
  // The samples inside the busy half second (not the last one, which may see the end of it).
  double busy = 0;
  for (size_t i = 0; i + 1 < samples.size(); ++i) busy = std::max(busy, samples[i].cpu_percent);
  double mean = 0;
  for (size_t i = 0; i + 1 < samples.size(); ++i) mean += samples[i].cpu_percent / double(samples.size() - 1);
  EXPECT_GT(mean, 50) << "largest " << busy;
  EXPECT_LT(mean, 400);  // one spinning thread and a sleeping one: near 100, not a multiple cores' worth
}

TEST(ResourceSampler, SamplesEveryIntervalAndStopsPromptly) {
  const double interval = 0.05;
  ResourceSampler sampler(interval, false);
  EXPECT_TRUE(sampler.running());
  std::this_thread::sleep_for(520ms);
  const auto t = std::chrono::steady_clock::now();
  sampler.stop();
  const double stop_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  EXPECT_LT(stop_seconds, 0.5);
  EXPECT_FALSE(sampler.running());
  const auto samples = sampler.samples();
  // Ten deadlines in 0.52 s, plus the last one at stop (a loaded machine may skip a few).
  ASSERT_GE(samples.size(), 6u);
  ASSERT_LE(samples.size(), 12u);
  for (size_t i = 0; i + 1 < samples.size(); ++i) {
    // Deadlines at start + k * interval: never early, and late only by what the machine's load adds.
    EXPECT_GE(samples[i].seconds, interval * double(i + 1) - 1e-6) << i;
    EXPECT_NEAR(samples[i].clock - samples[i].seconds, samples[0].clock - samples[0].seconds, 1e-6);
  }
  const size_t n = samples.size() - 1;  // the deadlines' samples
  const double spacing = (samples[n - 1].seconds - samples[0].seconds) / double(n - 1);
  EXPECT_GT(spacing, 0.9 * interval);
  EXPECT_LT(spacing, 1.5 * interval);
  EXPECT_GE(samples.back().seconds, 0.5);
  EXPECT_TRUE(samples.front().gpus.empty());  // gpus = false: NVML not opened
  EXPECT_EQ(sampler.gpu_count(), 0);
  // A long interval: stop wakes the thread instead of sleeping the interval out.
  ResourceSampler slow(30.0, false);
  std::this_thread::sleep_for(20ms);
  const auto t2 = std::chrono::steady_clock::now();
  slow.stop();
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t2).count(), 0.5);
  ASSERT_EQ(slow.samples().size(), 1u);  // the last one, taken at stop
  EXPECT_LT(slow.samples()[0].seconds, 1.0);
}

TEST(ResourceSampler, StartAgainBeginsANewSeries) {
  ResourceSampler sampler(0.02, false);
  std::this_thread::sleep_for(100ms);
  sampler.stop();
  const size_t first = sampler.samples().size();
  EXPECT_GE(first, 3u);
  sampler.start();
  std::this_thread::sleep_for(30ms);
  sampler.stop();
  EXPECT_LT(sampler.samples().size(), first);
  EXPECT_LT(sampler.samples().front().seconds, 0.05);
  EXPECT_THROW(ResourceSampler(0.0), InputError);
  EXPECT_THROW(ResourceSampler(-1.0), InputError);
}

TEST(ResourceSampler, WritesCsvWithHeader) {
  phasis::testing::TempDir dir;
  ResourceSampler sampler(0.03);  // with NVML where present: its columns come with it
  std::this_thread::sleep_for(200ms);
  sampler.stop();
  const std::string path = dir.file("resources.csv");
  sampler.write_csv(path);
  std::ifstream in(path);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  std::string header = "seconds,cpu_percent,rss_bytes,peak_rss_bytes";
  for (int g = 0; g < sampler.gpu_count(); ++g)
    header += ",gpu" + std::to_string(g) + "_memory_bytes,gpu" + std::to_string(g) + "_utilization_percent";
  EXPECT_EQ(line, header);
  const size_t columns = 4 + 2 * size_t(sampler.gpu_count());
  const auto samples = sampler.samples();
  size_t rows = 0;
  double last = -1;
  while (std::getline(in, line)) {
    const auto cells = split(line, ',');
    ASSERT_EQ(cells.size(), columns) << line;
    const double seconds = std::stod(cells[0]);
    EXPECT_GT(seconds, last);
    last = seconds;
    EXPECT_NEAR(seconds, samples[rows].seconds, 1e-4);
    EXPECT_EQ(std::stoll(cells[2]), samples[rows].rss_bytes);
    EXPECT_EQ(std::stoll(cells[3]), samples[rows].peak_rss_bytes);
    for (int g = 0; g < sampler.gpu_count(); ++g)
      if (samples[rows].gpus[size_t(g)].memory_bytes >= 0) EXPECT_GT(std::stoll(cells[4 + 2 * size_t(g)]), 0);
    ++rows;
  }
  EXPECT_EQ(rows, samples.size());
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);  // no temporary left
  EXPECT_THROW(sampler.write_csv(dir.file("missing/resources.csv")), InputError);
}

TEST(ResourceSampler, CsvLeavesUnknownCellsEmpty) {
  ResourceSample s;
  s.seconds = 0.5, s.cpu_percent = 12.34, s.rss_bytes = 1000, s.peak_rss_bytes = -1;
  s.gpus = {{2048, 40}, {-1, -1}};
  EXPECT_EQ(resources_csv({s}, 2),
            "seconds,cpu_percent,rss_bytes,peak_rss_bytes,gpu0_memory_bytes,gpu0_utilization_percent,"
            "gpu1_memory_bytes,gpu1_utilization_percent\n"
            "0.5000,12.3,1000,,2048,40,,\n");
}
