// Frames from a CXI file that another process is still writing (HDF5 SWMR; io/cxi_follow.hpp), as
// a FrameSource for the streaming loop. A thread polls the file every poll_s and keeps the new,
// checked frames until the solver takes them at an iteration boundary; it never waits for the
// solver, and the solver never waits for it longer than a lock held while frames are appended to
// a list. Frames that fail the checks are dropped, counted as malformed and reported in one line
// each (the first ten; later ones are counted only), as StreamReceiver does. The end: the
// writer's scan_finished mark (StreamStats::ended), or no new frame for silence_s (went_silent).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "phasis/exec/events.hpp"
#include "phasis/io/cxi_follow.hpp"
#include "phasis/io/frame_stream.hpp"
#include "phasis/ptycho/streaming.hpp"
#include "ptycho/frame_source.hpp"

namespace phasis {

class FileFollowSource final : public FrameSource {
 public:
  /// Follows the CXI file at `path`; nothing is opened before wait_header(). `poll_s`: how often
  /// the thread looks for new frames.
  FileFollowSource(std::string path, exec::EventSink* events, double poll_s = 0.05);
  ~FileFollowSource() override;
  FileFollowSource(const FileFollowSource&) = delete;
  FileFollowSource& operator=(const FileFollowSource&) = delete;

  /// Opens the file, waiting up to `seconds` for it to appear and open for SWMR reading, reads its
  /// header (the geometry, mask and probe; the expected count is the frames' maximum extent) and
  /// starts the polling thread. False on a stop request; InputError when the file did not open in
  /// time (the reason named: no such file, locked by a writer not in SWMR mode, ...) or its
  /// layout is wrong (the dataset named).
  bool wait_header(double seconds) override;
  /// After wait_header() returned true. The follower's own: the thread never changes it.
  const stream::Header& header() const override { return follower_->header(); }
  /// Waits until `frames` have been accepted, the writer marked the end, nothing new came for
  /// `silence_s`, or a stop was requested.
  void wait_frames(int64_t frames, double silence_s) override;
  /// The frames accepted since the last call, in file order.
  std::vector<stream::Frame> take() override;
  /// The source is done: the writer marked the end and every frame was read, or no new frame for
  /// `silence_s` after the header (then the thread stops; later frames are not read).
  bool finished(double silence_s) override;
  /// Counts so far (no timeline): malformed = frames dropped by the checks; duplicates stay 0 (a
  /// file's frame index is its row).
  StreamStats stats() const override;
  /// Seconds since the file opened.
  double since_header() const override;

 private:
  void run();

  using Clock = std::chrono::steady_clock;
  std::string path_;
  exec::EventSink* events_;
  double poll_s_;
  std::unique_ptr<CxiFollower> follower_;  // the thread's once it runs
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  bool have_header_ = false, ended_ = false, silent_ = false;
  Clock::time_point header_time_, last_growth_;
  std::vector<stream::Frame> pending_;
  StreamStats stats_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace phasis
