// Frames of side m at integer offsets on an h x w plane, listed per tile of the plane: the index
// that lets a backend sum, for every plane pixel, the frame pixels above it (gather_add) instead of
// scattering every frame pixel onto the plane with atomic adds. Each tile's list holds the frames
// that touch it in ascending order, so a batch of consecutive frames is a sub-range of every list
// and the sums run in frame order on every backend.
#pragma once

#include <cstdint>

#include "phasis/core/array.hpp"
#include "phasis/core/hd.hpp"

namespace phasis {

/// What the gather kernels read: pointers in the memory of the backend that runs them. The tile
/// shape is the backend's (CpuBackend::gather_tile, CudaBackend::gather_tile).
struct TileFramesView {
  const int32_t* start;    // tiles + 1 entries: tile t's frames are frames[start[t], start[t + 1])
  const int32_t* frames;   // frame indices, ascending within each tile
  const int32_t* offsets;  // (y, x) of every frame's first pixel on the plane
  int64_t m, h, w;         // frame side, plane height and width
  int64_t tile_h, tile_w;  // tile shape
  int64_t tiles_y, tiles_x;

  PHASIS_HD int64_t tiles() const { return tiles_y * tiles_x; }
  /// First entry of tile t whose frame is >= j (binary search in its ascending list).
  PHASIS_HD int32_t first_at_least(int64_t t, int64_t j) const {
    int32_t lo = start[t], hi = start[t + 1];
    while (lo < hi) {
      const int32_t mid = lo + (hi - lo) / 2;
      if (frames[mid] < j)
        lo = mid + 1;
      else
        hi = mid;
    }
    return lo;
  }
};

/// Owns the tile lists (in the given memory) for frames at `offsets` (host, n x 2).
class TileFrames {
 public:
  TileFrames() = default;
  /// Tiles of tile_h x tile_w pixels. Throws InputError when a frame does not lie inside the plane.
  TileFrames(const Array<int32_t>& offsets, int64_t m, int64_t h, int64_t w, Memory memory, int64_t tile_h = 32,
             int64_t tile_w = 32);
  /// The view, with `offsets` the same frames' offsets in the backend's memory.
  TileFramesView view(const int32_t* offsets) const {
    return {start_.data(), frames_.data(), offsets, m_, h_, w_, tile_h_, tile_w_, tiles_y_, tiles_x_};
  }
  int64_t entries() const { return entries_; }

 private:
  Array<int32_t> start_, frames_;
  int64_t m_ = 0, h_ = 0, w_ = 0, tile_h_ = 32, tile_w_ = 32, tiles_y_ = 0, tiles_x_ = 0, entries_ = 0;
};

}  // namespace phasis
