// Reading a CXI file that another process is still writing, through HDF5's single-writer /
// multiple-reader mode (SWMR; docs/ptychography.md, "Streaming from a file being written").
// The file has the layout of cxi.hpp, except that the frames' and translations' datasets grow
// along their first axis (chunked, extendible), and two one-element int32 datasets say how far the
// writer is (the writer SwmrCxiWriter, cxi_swmr_writer.hpp, writes them):
//   entry_1/data_1/frames_written  frames whose intensities and translation are both written;
//                                  updated and flushed after them, so a reader that sees it sees
//                                  the frames. Absent: a frame counts once both datasets reach it.
//   entry_1/data_1/scan_finished   1 once the writer wrote its last frame. Absent or 0: the scan
//                                  ends when the file stops growing (the caller's silence time).
// The expected frame count is the frames dataset's maximum extent (0 when it is unlimited).
// Every new frame is checked as a streamed one is (finite, non-negative intensities, a finite
// position); a bad one is dropped with one line naming it, and the frames after it still come.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "phasis/io/frame_stream.hpp"  // for stream::Header, stream::Frame

namespace phasis {

struct FollowOpen {
  double timeout_s = 60;   // keep trying to open the file this long, then InputError
  double retry_s = 0.05;   // between attempts
  std::function<bool()> stop;  // when it answers true, give up at once (InputError saying so)
};

class CxiFollower {
 public:
  /// Opens `path` for SWMR reading, trying again while it does not exist, is not an HDF5 file yet
  /// or its writer has not yet started SWMR writing (it holds the file's lock), for up to
  /// o.timeout_s: InputError then, with the last reason. Once open, the layout is checked at once
  /// (InputError naming the dataset, as CxiReader) and the geometry, mask and probe read.
  explicit CxiFollower(const std::string& path, const FollowOpen& o = {});
  ~CxiFollower();
  CxiFollower(const CxiFollower&) = delete;
  CxiFollower& operator=(const CxiFollower&) = delete;

  /// What a stream's header carries: frame size, geometry, expected count, mask, probe (dtype is
  /// float32: frames are read as float whatever the file stores).
  const stream::Header& header() const;
  const std::string& path() const;

  struct Poll {
    std::vector<stream::Frame> frames;  // the new frames that passed the checks, in file order
    std::vector<std::string> dropped;   // one line per new frame that did not
    bool finished = false;  // the writer marked the end and every frame up to it has been read
  };
  /// Refreshes the file's view and reads the frames completed since the last poll, at most
  /// `max_frames` of them (0: all; the rest come at the next poll).
  Poll poll(int64_t max_frames = 0);
  /// Frames read so far (returned or dropped).
  int64_t read() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phasis
