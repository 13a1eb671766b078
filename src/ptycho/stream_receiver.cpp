// The stream's receiver thread and its hand-over to the solver (stream_receiver.hpp).
#include "ptycho/stream_receiver.hpp"

#include "phasis/exec/interrupt.hpp"

namespace phasis {

namespace {
constexpr int kShownDrops = 10;  // malformed messages reported by a line each; later ones counted only
constexpr int kPollMs = 50;      // the thread looks at its stop flag at least this often
}  // namespace

StreamReceiver::StreamReceiver(const std::string& address, exec::EventSink* events)
    : events_(events), address_(address), puller_(address) {
  last_message_ = Clock::now();
  thread_ = std::thread([this] { run(); });
}

StreamReceiver::~StreamReceiver() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void StreamReceiver::run() {
  stream::Message msg;
  try {
    while (!stop_) {
      if (!puller_.receive(msg, kPollMs)) continue;
      stream::Decoded d = stream::decode(msg, have_header_ ? &header_ : nullptr);  // the header is this thread's
      accept(std::move(d));
      std::lock_guard<std::mutex> lock(mutex_);
      if (ended_ || silent_) return;  // nothing after the end joins
    }
  } catch (const std::exception& e) {
    // The socket failed (or memory ran out): the source counts as stopped; what arrived stays.
    {
      std::lock_guard<std::mutex> lock(mutex_);
      silent_ = true;
      stats_.went_silent = true;
    }
    arrived_.notify_all();
    if (events_) events_->note(std::string("stream: the receiver stopped: ") + e.what());
  }
}

void StreamReceiver::drop(const std::string& line, bool duplicate) {
  int64_t count;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++(duplicate ? stats_.duplicates : stats_.malformed);
    count = stats_.malformed + stats_.duplicates;
  }
  if (!events_) return;
  if (count <= kShownDrops) events_->note("stream: dropped a message (" + line + ")");
  if (count == kShownDrops) events_->note("stream: further dropped messages are counted, not shown");
}

void StreamReceiver::accept(stream::Decoded&& d) {
  using Kind = stream::Decoded::Kind;
  const auto now = Clock::now();
  if (d.kind == Kind::malformed) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      last_message_ = now;
    }
    drop(d.problem, false);
    return;
  }
  std::unique_lock<std::mutex> lock(mutex_);
  last_message_ = now;
  if (d.kind == Kind::header) {
    header_ = std::move(d.header);
    have_header_ = true;
    header_time_ = now;
    stats_.expected = header_.frames;
    if (header_.frames > 0) seen_.assign(size_t(header_.frames), false);
  } else if (d.kind == Kind::frame) {
    const size_t j = size_t(d.frame.index);
    if (seen_.size() <= j) seen_.resize(j + 1, false);
    if (seen_[j]) {
      lock.unlock();
      drop("frame " + std::to_string(j) + ": expected each index once; found it again", true);
      return;
    }
    seen_[j] = true;
    const double t = std::chrono::duration<double>(now - header_time_).count();
    if (stats_.received == 0) stats_.first_frame_s = t;
    stats_.last_frame_s = t;
    ++stats_.received;
    d.frame.arrived = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    pending_.push_back(std::move(d.frame));
  } else {
    ended_ = true;
    stats_.ended = true;
    if (d.end_frames != stats_.received && events_) {
      const std::string line = "stream: the end message counts " + std::to_string(d.end_frames) + " frames; " +
                               std::to_string(stats_.received) + " arrived intact";
      lock.unlock();
      events_->note(line);
      lock.lock();
    }
  }
  arrived_.notify_all();
}

bool StreamReceiver::wait_header(double seconds) {
  std::unique_lock<std::mutex> lock(mutex_);
  const auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  while (!have_header_ && !exec::stop_requested() && Clock::now() < until)
    arrived_.wait_for(lock, std::chrono::milliseconds(kPollMs));
  return have_header_;
}

void StreamReceiver::wait_frames(int64_t frames, double silence_s) {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (stats_.received >= frames || ended_) return;
      arrived_.wait_for(lock, std::chrono::milliseconds(kPollMs));
    }
    if (exec::stop_requested() || finished(silence_s)) return;
  }
}

std::vector<stream::Frame> StreamReceiver::take() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<stream::Frame> out;
  out.swap(pending_);
  return out;
}

bool StreamReceiver::finished(double silence_s) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (ended_ || silent_) return true;
  if (std::chrono::duration<double>(Clock::now() - last_message_).count() < silence_s) return false;
  silent_ = true;  // the thread stops at its next look; a late message is not read
  stats_.went_silent = true;
  stop_ = true;
  return true;
}

StreamStats StreamReceiver::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

double StreamReceiver::since_header() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return have_header_ ? std::chrono::duration<double>(Clock::now() - header_time_).count() : 0.0;
}

}  // namespace phasis
