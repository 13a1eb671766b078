// Reconstruction while the data arrive (issue 21): frames and positions come as a stream
// (io/frame_stream.hpp), a receiver thread collects them, and the solver starts once enough have
// arrived; at every iteration boundary the frames that arrived since join the frame store and the
// object box grows to the scan seen so far (the layout of scan_layout over the positions received,
// so the final box is the one an offline run of the whole scan uses). After the source ends (an
// end message, or silence for `silence_s`), the run does `iterations` more iterations on the
// complete set and stops. docs/ptychography.md states the rules and the message format.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "phasis/core/device.hpp"
#include "phasis/exec/events.hpp"
#include "phasis/ptycho/problem.hpp"
#include "phasis/ptycho/reconstruct.hpp"

namespace phasis {

struct StreamOptions {
  std::string address;          // tcp://HOST:PORT to bind (PULL), or file:PATH.cxi to follow (HDF5 SWMR)
  // The solver starts when this many frames arrived (0: a tenth of the header's frame count, at
  // least 2 frames; all of them when the header gives no count), or when the source ends first.
  int64_t start_frames = 0;
  double header_wait_s = 60;    // waiting for the header: longer is an error
  double silence_s = 10;        // no message for this long after the header: the source has stopped
  int iterations_after = 0;     // iterations on the complete set (0: the chain's --iterations)
};

/// One sample per iteration: what had arrived, and what the solver iterated on.
struct StreamSample {
  double t = 0;                 // seconds since the first frame arrived
  int64_t iteration = 0;
  int64_t received = 0;         // frames the receiver had accepted
  int64_t in_solver = 0;        // frames the iteration ran on
  double grow_seconds = 0;      // rebuilding the solver on the grown scan before it (0: no growth)
  // The frames that joined before this iteration (none: 0): when the newest and the oldest of
  // them arrived (system clock, seconds since 1970), for the latency from arrival to the view.
  double newest_arrival = 0, oldest_arrival = 0;
};

struct StreamStats {
  int64_t expected = 0;         // the header's frame count (0: not known)
  int64_t received = 0;         // frames accepted (checked, not duplicates)
  int64_t malformed = 0;        // messages dropped as malformed (each reported in one line)
  int64_t duplicates = 0;       // frames whose index had already arrived (dropped, counted)
  bool ended = false;           // an end message arrived
  bool went_silent = false;     // no message for silence_s: ended by time
  int64_t iterations_after_last = 0;  // iterations on the complete set of frames
  double first_frame_s = 0, last_frame_s = 0;  // arrival times, seconds since the header
  std::vector<StreamSample> timeline;
};

struct StreamRun {
  SolverResult result;
  ScanLayout layout;            // the final object box and every frame's offsets (in arrival order)
  int64_t frame_size = 0;
  std::vector<int64_t> frame_ids;  // the scan index of each frame, in arrival (solver) order
  std::string probe_source;
  bool probe_from_file = false;
  double probe_scale = 1;
  StreamStats stats;
};

/// Reconstructs from the stream at `options.address` with one solver of the projection family
/// (dm, raar, er) on the CPU or a GPU: InputError for a chain, another solver, an MPI run, a
/// bad address or a port in use (before any wait), no header within header_wait_s, or a stream
/// that ended with no frames. `events`: progress (values: error, frames), notes (the start, each
/// malformed message, the silence), snapshots as reconstruct(). `on_layout`: called from this
/// thread when the object box is set and every time it grows.
StreamRun reconstruct_stream(const StreamOptions& options, const SolverChain& chain, const Device& device,
                             Precision precision, exec::EventSink* events = nullptr,
                             const std::function<void(const ScanLayout&, int64_t frame_size)>& on_layout = {});

struct ReplayOptions {
  std::string to;               // tcp://HOST:PORT (PUSH connects), or file:OUT.cxi (written in HDF5 SWMR mode)
  double rate = 1000;           // frames per second (<= 0: as fast as the receiver takes them)
  int64_t count = 0;            // frames to send (0: all)
  bool end = true;              // send the end message (false: the stream just stops)
  double wait_s = 60;           // for a receiver to take the header
};

struct ReplayStats {
  int64_t sent = 0;
  double seconds = 0;           // from the first frame to the last
  double behind_max_s = 0;      // the most a send lagged its schedule (back-pressure from the receiver)
};

/// Plays the CXI file at `path` as a stream: header, frames at `rate` on a fixed schedule (frame j
/// at j / rate seconds), end. InputError for a bad file, a bad address, or no receiver within wait_s.
ReplayStats replay_cxi(const std::string& path, const ReplayOptions& options, exec::EventSink* events = nullptr);

}  // namespace phasis
