// Splitting a scan's frames over the parts of a distributed run (devices, ranks).
//   spatial:     recursive bisection of the scan positions, each cut along the longer side of the
//                region and at the count that matches the parts on either side, so regions are
//                compact and counts differ by at most one frame (any number of parts, not only
//                powers of two). A compact region means a part touches a small piece of the object.
//   interleaved: frame j to part j mod P; every part sees the whole object.
// Both are deterministic, so every rank computes the same partition from the positions alone.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "phasis/core/array.hpp"

namespace phasis {

/// Object pixels a part touches: rows [y0, y1), columns [x0, x1).
struct Region {
  int64_t y0 = 0, y1 = 0, x0 = 0, x1 = 0;
  int64_t pixels() const { return (y1 - y0) * (x1 - x0); }
};

struct Partition {
  std::vector<std::vector<int64_t>> frames;  // per part, ascending frame indices
  std::vector<Region> regions;               // per part: the object region its frames cover
};

/// offsets: N x 2 frame corners (y, x) in the object array; frames are m x m pixels.
Partition partition_frames(const Array<int32_t>& offsets, int64_t m, int parts, const std::string& scheme);

/// One line per part: frames and object region.
std::string describe(const Partition& p);

}  // namespace phasis
