// Pictures of a run's arrays for people watching it: the live view (live.hpp) and the end-of-run
// HTML report (report.hpp) draw a snapshot the same way, as PNG bytes in memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "phasis/core/array.hpp"  // for Array
#include "phasis/exec/events.hpp"  // for Snapshot

namespace phasis::monitor {

/// One picture: a name that stays the same from update to update ("object_phase"), what it shows
/// in words, and the PNG.
struct Picture {
  std::string name;
  std::string title;
  int64_t step = 0;
  int64_t h = 0, w = 0;
  std::vector<uint8_t> png;
};

/// How snapshots become pictures. By name and kind of array:
/// - "object" (complex, [L,] H x W): "object_phase" and "object_amplitude" of mode 0, grey, each
///   scaled from the 1st to the 99th percentile of the region the scan lit (`coverage` > 0, same
///   H x W; cropped to its bounding box), the whole object without a coverage;
/// - "probe" (complex, K x M x M): "probe", the modes side by side, hue = phase, brightness =
///   amplitude over each mode's own peak (a weak mode is visible; its occupancy says how weak);
/// - any other complex array: its first 2D slice, hue = phase, brightness = amplitude;
/// - a real 2D array: grey, from its minimum to its maximum;
/// - a real N x N x N array: "NAME_projections", its sums along z, y and x side by side.
/// Pictures larger than `max_side` pixels on a side are subsampled (every k-th pixel).
struct Renderer {
  int64_t max_side = 1024;
  const Array<float>* coverage = nullptr;  // the scan's coverage for "object" (may be null)

  std::vector<Picture> render(const exec::Snapshot& s) const;
};

/// Frames per object pixel: each frame's M x M footprint at its offset (N x 2, y and x of its
/// corner) added to an H x W count, the picture of where the scan has been; parts outside are cut.
Array<float> scan_coverage(const Array<int32_t>& offsets, int64_t frame_size, int64_t h, int64_t w);

}  // namespace phasis::monitor
