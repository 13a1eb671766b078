// ChromeTrace: spans as Chrome trace events (the JSON format Perfetto and chrome://tracing read),
// written through a temporary file and a rename.
#include <unistd.h>  // for getpid

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "phasis/core/error.hpp"
#include "phasis/exec/events.hpp"

namespace phasis::exec {

ChromeTrace::ChromeTrace(int process) : process_(process) {}

void ChromeTrace::span(const Span& s) {
  std::lock_guard lock(mutex_);
  spans_.push_back(s);
}

void ChromeTrace::name_worker(int worker, std::string name) {
  std::lock_guard lock(mutex_);
  worker_names_[worker] = std::move(name);
}

std::vector<Span> ChromeTrace::spans() const {
  std::lock_guard lock(mutex_);
  return spans_;
}

std::map<int, std::string> ChromeTrace::worker_names() const {
  std::lock_guard lock(mutex_);
  return worker_names_;
}

std::string ChromeTrace::json() const {
  std::lock_guard lock(mutex_);
  nlohmann::json events = nlohmann::json::array();
  std::set<int> workers;
  for (const Span& s : spans_) workers.insert(s.worker);
  for (const auto& [worker, name] : worker_names_) workers.insert(worker);
  for (int w : workers) {
    const auto named = worker_names_.find(w);
    const std::string name = named != worker_names_.end() ? named->second : "worker " + std::to_string(w);
    events.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", process_}, {"tid", w},
                      {"args", {{"name", name}}}});
  }
  for (const Span& s : spans_) {
    // The format's times are microseconds; fractions are allowed and keep sub-microsecond spans.
    events.push_back({{"name", s.name}, {"cat", s.category}, {"ph", "X"}, {"ts", s.start * 1e6},
                      {"dur", (s.end - s.start) * 1e6}, {"pid", process_}, {"tid", s.worker},
                      {"args", {{"chunk", s.chunk}}}});
  }
  const nlohmann::json doc = {{"traceEvents", std::move(events)}, {"displayTimeUnit", "ms"}};
  return doc.dump();
}

void ChromeTrace::write(const std::string& path) const {
  // PID and a counter: two processes (ranks) or two writes in one process never share a name.
  static std::atomic<int64_t> counter{0};
  const std::string tmp = path + ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  const std::string text = json();
  auto fail = [&](const std::string& why) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw InputError("trace '" + path + "': expected a writable file; found " + why);
  };
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail(std::strerror(errno));
    out << text;
    out.close();
    if (!out) fail("a failed write to '" + tmp + "'");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) fail(ec.message());
}

}  // namespace phasis::exec
