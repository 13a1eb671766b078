// Where a reconstruction's frames come from while it runs (streaming.hpp): a ZeroMQ stream
// (StreamReceiver) or a CXI file another process is still writing (HDF5 SWMR). The streaming loop
// sees only this interface; each source checks its frames (shape, values, index) and keeps them
// until the loop takes them at an iteration boundary.
#pragma once

#include <cstdint>
#include <vector>

#include "phasis/io/frame_stream.hpp"
#include "phasis/ptycho/streaming.hpp"

namespace phasis {

class FrameSource {
 public:
  virtual ~FrameSource() = default;
  /// Waits up to `seconds` (or a stop request) for the header; false when none came.
  virtual bool wait_header(double seconds) = 0;
  /// The scan's header (frame size, geometry, expected count, mask, probe); after wait_header().
  virtual const stream::Header& header() const = 0;
  /// Waits until `frames` have been accepted, the source ended, went silent for `silence_s`, or a
  /// stop was requested.
  virtual void wait_frames(int64_t frames, double silence_s) = 0;
  /// The frames accepted since the last call, in arrival order.
  virtual std::vector<stream::Frame> take() = 0;
  /// The source is done: it ended, or nothing new came for `silence_s` after the header.
  virtual bool finished(double silence_s) = 0;
  /// Counts so far (no timeline).
  virtual StreamStats stats() const = 0;
  /// Seconds since the header arrived.
  virtual double since_header() const = 0;
};

}  // namespace phasis
