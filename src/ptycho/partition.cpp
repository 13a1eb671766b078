#include "phasis/ptycho/partition.hpp"

#include <algorithm>
#include <cstdio>
#include <numeric>

#include "phasis/core/error.hpp"

namespace phasis {

namespace {

/// Splits `idx` (frame indices) into `parts` compact groups appended to `out`.
void bisect(std::vector<int64_t> idx, int parts, const Array<int32_t>& off, std::vector<std::vector<int64_t>>& out) {
  if (parts == 1) {
    std::sort(idx.begin(), idx.end());
    out.push_back(std::move(idx));
    return;
  }
  int32_t y0 = INT32_MAX, y1 = INT32_MIN, x0 = INT32_MAX, x1 = INT32_MIN;
  for (int64_t j : idx) {
    y0 = std::min(y0, off[2 * j]), y1 = std::max(y1, off[2 * j]);
    x0 = std::min(x0, off[2 * j + 1]), x1 = std::max(x1, off[2 * j + 1]);
  }
  const int axis = (y1 - y0) >= (x1 - x0) ? 0 : 1;
  // Ties broken by the other coordinate, then the index, so the order is total and deterministic.
  std::sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) {
    const int32_t pa = off[2 * a + axis], pb = off[2 * b + axis];
    if (pa != pb) return pa < pb;
    const int32_t qa = off[2 * a + 1 - axis], qb = off[2 * b + 1 - axis];
    return qa != qb ? qa < qb : a < b;
  });
  const int left = parts / 2;
  const size_t cut = size_t((int64_t(idx.size()) * left) / parts);
  bisect(std::vector<int64_t>(idx.begin(), idx.begin() + cut), left, off, out);
  bisect(std::vector<int64_t>(idx.begin() + cut, idx.end()), parts - left, off, out);
}

}  // namespace

Partition partition_frames(const Array<int32_t>& offsets, int64_t m, int parts, const std::string& scheme) {
  const int64_t n = offsets.shape()[0];
  if (parts < 1) throw InputError("parts: expected at least 1; found " + std::to_string(parts));
  if (n < parts)
    throw InputError("partition: expected at least one frame per part; found " + std::to_string(n) + " frames for " +
                     std::to_string(parts) + " parts");
  Partition p;
  if (scheme == "spatial") {
    std::vector<int64_t> all(n);
    std::iota(all.begin(), all.end(), int64_t(0));
    bisect(std::move(all), parts, offsets, p.frames);
  } else if (scheme == "interleaved") {
    p.frames.resize(parts);
    for (int64_t j = 0; j < n; ++j) p.frames[j % parts].push_back(j);
  } else {
    throw InputError("partition: expected spatial or interleaved; found '" + scheme + "'");
  }
  for (const auto& f : p.frames) {
    Region r{INT64_MAX, INT64_MIN, INT64_MAX, INT64_MIN};
    for (int64_t j : f) {
      r.y0 = std::min<int64_t>(r.y0, offsets[2 * j]), r.y1 = std::max<int64_t>(r.y1, offsets[2 * j] + m);
      r.x0 = std::min<int64_t>(r.x0, offsets[2 * j + 1]), r.x1 = std::max<int64_t>(r.x1, offsets[2 * j + 1] + m);
    }
    p.regions.push_back(r);
  }
  return p;
}

std::string describe(const Partition& p) {
  std::string s;
  char line[160];
  for (size_t i = 0; i < p.frames.size(); ++i) {
    const Region& r = p.regions[i];
    std::snprintf(line, sizeof line, "part %zu: %zu frames, object rows %lld-%lld, columns %lld-%lld (%lld pixels)\n", i,
                  p.frames[i].size(), (long long)r.y0, (long long)r.y1 - 1, (long long)r.x0, (long long)r.x1 - 1,
                  (long long)r.pixels());
    s += line;
  }
  return s;
}

}  // namespace phasis
