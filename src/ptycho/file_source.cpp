// The polling thread of a followed CXI file and its hand-over to the solver (file_source.hpp).
#include "ptycho/file_source.hpp"

#include <algorithm>

#include "phasis/core/error.hpp"
#include "phasis/exec/interrupt.hpp"

namespace phasis {

namespace {
constexpr int kShownDrops = 10;      // dropped frames reported by a line each; later ones counted only
constexpr int kWaitMs = 50;          // waits look at the stop request at least this often
// Frames read per poll, by bytes: a long backlog is read in pieces, so the file's lock (HDF5's,
// shared with the solver's own writes) is never held long.
constexpr int64_t kPollBytes = 32 << 20;
}  // namespace

FileFollowSource::FileFollowSource(std::string path, exec::EventSink* events, double poll_s)
    : path_(std::move(path)), events_(events), poll_s_(poll_s > 0 ? poll_s : 0.05) {}

FileFollowSource::~FileFollowSource() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

bool FileFollowSource::wait_header(double seconds) {
  if (have_header_) return true;
  FollowOpen o;
  o.timeout_s = seconds;
  o.retry_s = poll_s_;
  o.stop = [this] { return stop_ || exec::stop_requested(); };
  try {
    follower_ = std::make_unique<CxiFollower>(path_, o);
  } catch (const InputError&) {
    if (exec::stop_requested()) return false;
    throw;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    have_header_ = true;
    header_time_ = last_growth_ = Clock::now();
    stats_.expected = follower_->header().frames;
  }
  thread_ = std::thread([this] { run(); });
  return true;
}

void FileFollowSource::run() {
  const int64_t m = follower_->header().frame_size;
  const int64_t batch = std::max<int64_t>(1, kPollBytes / (m * m * int64_t(sizeof(float))));
  const auto pause = std::chrono::duration<double>(poll_s_);
  while (!stop_) {
    CxiFollower::Poll p;
    try {
      p = follower_->poll(batch);
    } catch (const std::exception& e) {
      // The file went away or a read failed: the source counts as stopped; what arrived stays.
      {
        std::lock_guard<std::mutex> lock(mutex_);
        silent_ = true;
        stats_.went_silent = true;
      }
      arrived_.notify_all();
      if (events_) events_->note("follow '" + path_ + "': reading stopped: " + e.what());
      return;
    }
    const int64_t got = int64_t(p.frames.size() + p.dropped.size());
    int64_t dropped_before = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (silent_) return;  // finished() decided on silence: nothing later joins
      const auto now = Clock::now();
      if (got > 0) last_growth_ = now;
      const double t = std::chrono::duration<double>(now - header_time_).count();
      // Accepted now: the stamp the loop's latency figures use (a frame waited in the file up to
      // one poll before this).
      const double stamp = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
      for (stream::Frame& f : p.frames) {
        if (stats_.received == 0) stats_.first_frame_s = t;
        stats_.last_frame_s = t;
        ++stats_.received;
        f.arrived = stamp;
        pending_.push_back(std::move(f));
      }
      dropped_before = stats_.malformed;
      stats_.malformed += int64_t(p.dropped.size());
      if (p.finished) ended_ = stats_.ended = true;
    }
    arrived_.notify_all();
    if (events_)
      for (size_t i = 0; i < p.dropped.size(); ++i) {
        const int64_t count = dropped_before + int64_t(i) + 1;
        if (count <= kShownDrops) events_->note("follow '" + path_ + "': dropped " + p.dropped[i]);
        if (count == kShownDrops) events_->note("follow '" + path_ + "': further dropped frames are counted, not shown");
      }
    if (p.finished) return;
    if (got < batch) std::this_thread::sleep_for(pause);  // caught up: look again later
  }
}

void FileFollowSource::wait_frames(int64_t frames, double silence_s) {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (stats_.received >= frames || ended_) return;
      arrived_.wait_for(lock, std::chrono::milliseconds(kWaitMs));
    }
    if (exec::stop_requested() || finished(silence_s)) return;
  }
}

std::vector<stream::Frame> FileFollowSource::take() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<stream::Frame> out;
  out.swap(pending_);
  return out;
}

bool FileFollowSource::finished(double silence_s) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (ended_ || silent_) return true;
  if (!have_header_ || std::chrono::duration<double>(Clock::now() - last_growth_).count() < silence_s) return false;
  silent_ = true;  // the thread stops at its next look
  stats_.went_silent = true;
  stop_ = true;
  return true;
}

StreamStats FileFollowSource::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

double FileFollowSource::since_header() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return have_header_ ? std::chrono::duration<double>(Clock::now() - header_time_).count() : 0.0;
}

}  // namespace phasis
