#include "backend/tile_frames.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "phasis/core/error.hpp"

namespace phasis {

TileFrames::TileFrames(const Array<int32_t>& offsets, int64_t m, int64_t h, int64_t w, Memory memory, int64_t tile_h,
                       int64_t tile_w)
    : m_(m), h_(h), w_(w), tile_h_(tile_h), tile_w_(tile_w) {
  if (tile_h < 1 || tile_w < 1) throw InternalError("TileFrames: tiles of at least 1 x 1 pixel");
  const int64_t th = tile_h, tw = tile_w;
  const int64_t n = offsets.size() / 2;
  tiles_y_ = (h + th - 1) / th;
  tiles_x_ = (w + tw - 1) / tw;
  const int64_t tiles = tiles_y_ * tiles_x_;
  for (int64_t j = 0; j < n; ++j) {
    const int64_t y = offsets[2 * j], x = offsets[2 * j + 1];
    if (y < 0 || x < 0 || y + m > h || x + m > w)
      throw InputError("frame " + std::to_string(j) + ": expected its " + std::to_string(m) + " x " + std::to_string(m) +
                       " pixels inside the " + std::to_string(h) + " x " + std::to_string(w) + " object; found offset (" +
                       std::to_string(y) + ", " + std::to_string(x) + ")");
  }
  // Count, then fill in frame order: each tile's list comes out ascending.
  std::vector<int64_t> count(size_t(tiles) + 1, 0);
  const auto each_tile = [&](int64_t j, auto&& visit) {
    const int64_t y = offsets[2 * j], x = offsets[2 * j + 1];
    for (int64_t ty = y / th; ty <= (y + m - 1) / th; ++ty)
      for (int64_t tx = x / tw; tx <= (x + m - 1) / tw; ++tx) visit(ty * tiles_x_ + tx);
  };
  for (int64_t j = 0; j < n; ++j) each_tile(j, [&](int64_t t) { ++count[size_t(t) + 1]; });
  for (int64_t t = 0; t < tiles; ++t) count[size_t(t) + 1] += count[size_t(t)];
  entries_ = count[size_t(tiles)];
  if (entries_ > INT32_MAX) throw InputError("scan: expected fewer than 2^31 frame-tile pairs; found " + std::to_string(entries_));
  Array<int32_t> start(Shape{tiles + 1}), frames(Shape{std::max<int64_t>(entries_, 1)});
  for (int64_t t = 0; t <= tiles; ++t) start[t] = int32_t(count[size_t(t)]);
  std::vector<int64_t> next(count.begin(), count.end() - 1);
  for (int64_t j = 0; j < n; ++j) each_tile(j, [&](int64_t t) { frames[next[size_t(t)]++] = int32_t(j); });
  start_ = start.to(memory);
  frames_ = frames.to(memory);
}

}  // namespace phasis
