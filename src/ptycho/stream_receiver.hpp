// The receiving side of a frame stream (io/frame_stream.hpp) for a reconstruction: a thread that
// pulls messages, checks them, and keeps the accepted frames until the solver takes them at an
// iteration boundary. It never waits for the solver: frames queue here (host memory) while an
// iteration runs, so the socket is read at the source's pace. Malformed messages and repeated
// frame indices are dropped, counted and reported in one line each (the first ten; later ones are
// counted only).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "phasis/exec/events.hpp"
#include "phasis/io/frame_stream.hpp"
#include "phasis/ptycho/streaming.hpp"
#include "ptycho/frame_source.hpp"

namespace phasis {

class StreamReceiver final : public FrameSource {
 public:
  /// Binds `address` (InputError when it cannot: a port in use) and starts the thread.
  StreamReceiver(const std::string& address, exec::EventSink* events);
  ~StreamReceiver() override;
  StreamReceiver(const StreamReceiver&) = delete;
  StreamReceiver& operator=(const StreamReceiver&) = delete;

  /// Waits up to `seconds` (or a stop request) for the header; false when none came.
  bool wait_header(double seconds) override;
  const stream::Header& header() const override { return header_; }  // after wait_header() returned true
  /// Waits until `frames` have been accepted, the source ended, went silent for `silence_s`, or a
  /// stop was requested, looking every `poll_s`.
  void wait_frames(int64_t frames, double silence_s) override;
  /// The frames accepted since the last call, in arrival order.
  std::vector<stream::Frame> take() override;
  /// The source is done: an end message came, or nothing for `silence_s` after the header (then
  /// the receiver stops listening).
  bool finished(double silence_s) override;
  /// Counts so far (no timeline).
  StreamStats stats() const override;
  /// Seconds since the header arrived.
  double since_header() const override;

 private:
  void run();
  void accept(stream::Decoded&& d);
  void drop(const std::string& line, bool duplicate);

  using Clock = std::chrono::steady_clock;
  exec::EventSink* events_;
  std::string address_;
  stream::Puller puller_;
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  stream::Header header_;
  bool have_header_ = false, ended_ = false, silent_ = false;
  Clock::time_point header_time_, last_message_;
  std::vector<stream::Frame> pending_;
  std::vector<bool> seen_;  // frame indices that arrived
  StreamStats stats_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace phasis
