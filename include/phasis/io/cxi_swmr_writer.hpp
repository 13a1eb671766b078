// Writing a CXI file frame by frame for readers that follow it while it grows (HDF5 SWMR; the
// layout and the progress datasets of cxi_follow.hpp). Unlike write_cxi there is no temporary
// name and rename: the point is that readers see the file while it is written.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "phasis/io/frame_stream.hpp"  // for stream::Header

namespace phasis {

class SwmrCxiWriter {
 public:
  /// Creates `path` (replacing any file there) with everything but the frames: the geometry, the
  /// mask and probe of `h` (empty: none), empty extendible datasets for frames and translations
  /// (at most h.frames rows, 0: unlimited), frames_written 0 and scan_finished 0; then starts SWMR
  /// writing, after which readers may open it. InputError for a bad header or an unwritable path.
  SwmrCxiWriter(const std::string& path, const stream::Header& h);
  /// Closes the file without marking the end (a writer that stopped: readers end by silence).
  ~SwmrCxiWriter();
  SwmrCxiWriter(const SwmrCxiWriter&) = delete;
  SwmrCxiWriter& operator=(const SwmrCxiWriter&) = delete;

  /// Appends `count` frames: `values` count x M x M intensities, `xyz` count x 3 translations
  /// (metres), written and flushed in the order a follower relies on (frames, translations, then
  /// frames_written). Values are written as given: checking them is the reader's job.
  void append(const float* values, const double* xyz, int64_t count);
  /// Sets scan_finished to 1 and closes the file.
  void finish();
  int64_t written() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phasis
