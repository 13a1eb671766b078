// What the mini-batch solvers (pie/pie.hpp: ePIE, rPIE; lsqml/lsqml.hpp) share beyond the frame
// order (frame_order.hpp): each batch's object box joined over the parts, FFT plans cached by the
// number of frames they transform, and the one-thread CPU backend for batches too small for an
// OpenMP region.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "phasis/comm/communicator.hpp"
#include "phasis/core/array.hpp"
#include "phasis/ptycho/partition.hpp"
#include "phasis/ptycho/problem.hpp"
#include "ptycho/model/forward.hpp"

namespace phasis::pie {

/// The box of the object that the batch's frames [s, s + nb) of this part cover (their corners
/// in `order_offsets`, the iteration's order), joined over the parts (each sends its own four
/// numbers): the only pixels the batch's sums and steps touch. Collective.
inline Region batch_box(const Array<int32_t>& order_offsets, int64_t s, int64_t nb, const model::Geometry& g,
                        comm::Communicator& reducer) {
  int64_t mine[4] = {g.h, 0, g.w, 0};  // y0, y1, x0, x1; empty when this part has no frame here
  for (int64_t j = s; j < s + nb; ++j) {
    const int64_t y = order_offsets[2 * j], x = order_offsets[2 * j + 1];
    mine[0] = std::min(mine[0], y), mine[1] = std::max(mine[1], y + g.m);
    mine[2] = std::min(mine[2], x), mine[3] = std::max(mine[3], x + g.m);
  }
  std::vector<int64_t> all(size_t(4 * reducer.size()));
  reducer.all_gather(mine, int64_t(sizeof mine), all.data(), Memory::host);
  Region box{g.h, 0, g.w, 0};
  for (size_t q = 0; q < all.size(); q += 4) {
    if (all[q] >= all[q + 1]) continue;
    box.y0 = std::min(box.y0, all[q]), box.y1 = std::max(box.y1, all[q + 1]);
    box.x0 = std::min(box.x0, all[q + 2]), box.x1 = std::max(box.x1, all[q + 3]);
  }
  return box;
}

/// FFT plans of m x m for a batch of nb frames: made for powers of two up to the largest batch
/// (`capacity`, and for that batch), so a part whose share of the batches varies makes few of
/// them; the slots past nb are zeros, transformed and ignored.
template <class B, class T>
class BatchPlans {
 public:
  static int64_t slots(int64_t nb, int64_t capacity) {
    int64_t size = 1;
    while (size < nb) size *= 2;
    return std::min(size, capacity);
  }
  /// The plan of `slots` frames of `per_frame` transforms of m x m each.
  const typename B::template Fft<T>& get(const B& b, int64_t m, int64_t per_frame, int64_t slots) {
    std::unique_ptr<typename B::template Fft<T>>& plan = plans_[slots];
    if (!plan) plan = b.template fft<T>({int(m), int(m)}, slots * per_frame);
    return *plan;
  }

 private:
  std::map<int64_t, std::unique_ptr<typename B::template Fft<T>>> plans_;
};

/// On the CPU, a backend of one thread when a batch's passes are small (frames times modes times
/// pixels below kParallelWork elements; the object passes cover the batch's box): a pass of a
/// few thousand pixels costs less than an OpenMP region, and sequential PIE runs some fifteen
/// regions per frame, which crawl when the threads do not all get a core (measured: 20x slower
/// with two threads on two busy cores). Null otherwise, and always on a GPU. `scan_batch`: the
/// frames of the scan's batches.
inline constexpr int64_t kParallelWork = int64_t(1) << 18;
template <class B>
std::unique_ptr<B> serial_backend(const PtychoProblem& pr, int64_t scan_batch, int64_t probe_modes, int64_t object_modes) {
  if constexpr (B::memory == Memory::host) {
    const int64_t work = std::min(scan_batch, pr.frames) * probe_modes * object_modes * pr.frame_size * pr.frame_size;
    if (work < kParallelWork) return std::make_unique<B>(1);
  }
  return nullptr;
}

}  // namespace phasis::pie
