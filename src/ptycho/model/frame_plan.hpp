// Where a solver's frames live and how many go through one pass, for any ptychography solver:
// every frame's stored state (exit waves and amplitudes) stays on the device when it fits beside
// the solver's fixed arrays and one batch of working buffers, else it stays in pinned host memory
// and streams through two staging slots. The batch is a chunk plan of the frames (exec/chunks.hpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include "phasis/core/array.hpp"  // Memory, device_free_bytes
#include "phasis/core/error.hpp"
#include "phasis/exec/chunks.hpp"

namespace phasis::model {

/// What the solver needs, in bytes.
struct FrameNeeds {
  int64_t frames = 0;
  int64_t stored_per_frame = 0;  // kept for the whole run (exit waves, amplitudes)
  int64_t work_per_frame = 0;    // one batch's working buffers (the Fourier batch)
  int64_t fixed = 0;             // everything that does not grow with frames (object, probe, sums)
};

struct FramePlan {
  bool stream = false;  // frames stream from host memory
  int64_t batch = 1;    // frames per pass
};

/// Bytes the solver may use: `limit` when set (> 0), else 90% of the device's free memory; no
/// limit on the host.
inline int64_t memory_limit(Memory memory, int64_t limit) {
  if (limit > 0) return limit;
  return memory == Memory::device ? int64_t(0.9 * double(device_free_bytes())) : INT64_MAX;
}

/// `batch_frames` > 0 fixes the batch; `force_stream` streams even when the frames fit (tests the
/// streamed path anywhere). Batches aim at 512 MiB of working buffers on a GPU and 64 MiB on the
/// CPU (cache-sized passes); streaming shares what the limit leaves between the staging slots and
/// the working buffers. DeviceError when not even one frame's staging fits.
inline FramePlan plan_frames(const FrameNeeds& n, Memory memory, int64_t limit, bool force_stream,
                             int64_t batch_frames) {
  const auto batch_for = [&](int64_t bytes) { return exec::plan_chunks(n.frames, n.work_per_frame, bytes).chunk; };
  constexpr int64_t kGpuBatchBytes = 512ll << 20, kCpuBatchBytes = 64ll << 20;
  FramePlan p;
  p.stream = force_stream ||
             (memory == Memory::device &&
              n.frames * n.stored_per_frame + batch_for(kGpuBatchBytes) * n.work_per_frame + n.fixed > limit);
  if (batch_frames > 0) {
    p.batch = std::clamp<int64_t>(batch_frames, 1, n.frames);
  } else if (!p.stream) {
    p.batch = batch_for(memory == Memory::device ? kGpuBatchBytes : kCpuBatchBytes);
  } else {
    const int64_t per_frame = 2 * n.stored_per_frame + n.work_per_frame;
    const int64_t room = limit - n.fixed;
    if (room < per_frame)
      throw DeviceError("device memory: expected room for one frame's staging (" + std::to_string(per_frame >> 20) +
                        " MiB) within the limit of " + std::to_string(limit >> 20) + " MiB; found " +
                        std::to_string(std::max<int64_t>(room, 0) >> 20) + " MiB after the object and probe");
    p.batch = std::clamp<int64_t>(std::min(room / per_frame, batch_for(kGpuBatchBytes)), 1, n.frames);
  }
  return p;
}

}  // namespace phasis::model
