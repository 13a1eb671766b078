// The order in which ePIE and rPIE visit frames, and their mini-batches, for the whole scan: every
// part of a distributed run draws the same permutation of the scan's frames and cuts it into the
// same batches, and keeps the frames it holds. A part's frames of batch b are then consecutive in
// its own order (positions [starts[b], starts[b + 1])), possibly none. Host only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "phasis/comm/communicator.hpp"
#include "phasis/core/error.hpp"
#include "phasis/ptycho/problem.hpp"

namespace phasis::pie {

/// A permutation of 0..n-1 from std::mt19937_64(seed), by Fisher-Yates with the generator's raw
/// output (std::shuffle's algorithm is the library's choice; this one is the same everywhere).
inline std::vector<int64_t> random_order(int64_t n, uint64_t seed) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) order[size_t(i)] = i;
  std::mt19937_64 rng(seed);
  for (int64_t i = n - 1; i > 0; --i) {
    const int64_t j = int64_t(rng() % uint64_t(i + 1));  // bias below 2^-40 for any scan
    std::swap(order[size_t(i)], order[size_t(j)]);
  }
  return order;
}

class GlobalBatches {
 public:
  /// `ids`: the whole-scan index of each of this part's frames (distinct, < `scan_frames`);
  /// `batch`: frames per batch of the whole scan (>= 1).
  GlobalBatches(const std::vector<int64_t>& ids, int64_t scan_frames, int64_t batch)
      : scan_frames_(scan_frames), batch_(batch), local_of_(size_t(scan_frames), -1) {
    for (size_t j = 0; j < ids.size(); ++j) {
      const int64_t id = ids[j];
      if (id < 0 || id >= scan_frames || local_of_[size_t(id)] >= 0)
        throw InputError("frame ids: expected distinct indices below the scan's " + std::to_string(scan_frames) +
                         " frames; found " + std::to_string(id) + " at frame " + std::to_string(j));
      local_of_[size_t(id)] = int32_t(j);
    }
  }

  int64_t batches() const { return (scan_frames_ + batch_ - 1) / batch_; }

  /// Draws the order from `seed`: order() lists this part's frames as they come in it, and
  /// batch b holds positions [start(b), start(b + 1)) of that list.
  void draw(uint64_t seed) {
    const std::vector<int64_t> scan = random_order(scan_frames_, seed);
    order_.clear();
    starts_.assign(1, 0);
    for (int64_t b = 0; b < batches(); ++b) {
      const int64_t end = std::min(scan_frames_, (b + 1) * batch_);
      for (int64_t i = b * batch_; i < end; ++i)
        if (const int32_t local = local_of_[size_t(scan[size_t(i)])]; local >= 0) order_.push_back(local);
      starts_.push_back(int64_t(order_.size()));
    }
  }
  const std::vector<int32_t>& order() const { return order_; }
  int64_t start(int64_t b) const { return starts_[size_t(b)]; }
  int64_t size(int64_t b) const { return starts_[size_t(b) + 1] - starts_[size_t(b)]; }

 private:
  int64_t scan_frames_, batch_;
  std::vector<int32_t> local_of_;  // whole-scan index -> this part's frame, or -1
  std::vector<int32_t> order_;
  std::vector<int64_t> starts_;
};

/// Collective: this part's frames' places in the whole scan (pr.frame_ids, or 0..n-1 for one part)
/// and, in `scan`, the scan's frame count; InputError unless every frame of the scan is held by
/// exactly one part (the mini-batches would not be the scan's otherwise).
inline std::vector<int64_t> scan_frame_ids(const PtychoProblem& pr, int64_t n, comm::Communicator& reducer, int64_t& scan) {
  std::vector<int64_t> ids = pr.frame_ids;
  if (ids.empty())
    for (int64_t j = 0; j < n; ++j) ids.push_back(j);
  scan = int64_t(reducer.sum(double(n)));
  std::vector<double> held(size_t(scan), 0.0);
  for (int64_t id : ids)
    if (id >= 0 && id < scan) held[size_t(id)] += 1;
  reducer.sum(held.data(), scan, Memory::host);
  for (int64_t i = 0; i < scan; ++i)
    if (held[size_t(i)] != 1)
      throw InputError("frame ids: expected each of the scan's " + std::to_string(scan) + " frames in exactly one part; found frame " +
                       std::to_string(i) + " in " + std::to_string(int64_t(held[size_t(i)])));
  return ids;
}

}  // namespace phasis::pie
