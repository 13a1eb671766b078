// A CXI file played as a frame stream (streaming.hpp: replay_cxi), for tests and demos: frames on
// a fixed schedule (frame j due at j / rate seconds after the first), read from the file in small
// hyperslabs so a long scan never sits in memory whole.
#include "phasis/ptycho/streaming.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "phasis/core/error.hpp"
#include "phasis/exec/interrupt.hpp"
#include "phasis/io/cxi.hpp"
#include "phasis/io/frame_stream.hpp"

namespace phasis {

ReplayStats replay_cxi(const std::string& path, const ReplayOptions& o, exec::EventSink* events) {
  if (!(o.wait_s > 0)) throw InputError("--wait: expected positive seconds; found " + std::to_string(o.wait_s));
  if (o.count < 0) throw InputError("--count: expected >= 0 frames (0: all); found " + std::to_string(o.count));
  if (!std::isfinite(o.rate)) throw InputError("--rate: expected a finite number of frames per second");
  const CxiReader reader(path);
  const int64_t m = reader.frame_size(), total = reader.frames();
  const int64_t n = o.count > 0 ? std::min(o.count, total) : total;
  const Array<double> t = reader.translations();
  stream::Header h;
  h.frame_size = m;
  h.geometry = reader.geometry();
  h.frames = n;
  h.valid = reader.valid_mask();
  h.probe = reader.initial_probe();
  stream::Pusher push(o.to);
  const int wait_ms = int(std::min(o.wait_s * 1e3, 2e9));
  if (!push.send(stream::encode_header(h), wait_ms))
    throw InputError("--to " + o.to + ": expected a receiver within " + std::to_string(int(o.wait_s)) + " s; found none");
  if (events) events->note("replay: " + std::to_string(n) + " frames of " + std::to_string(m) + " x " + std::to_string(m) + " to " + o.to);
  constexpr int64_t kChunk = 64;  // frames per hyperslab read
  std::vector<float> chunk(size_t(kChunk * m * m));
  ReplayStats s;
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  for (int64_t j0 = 0; j0 < n && !exec::stop_requested(); j0 += kChunk) {
    const int64_t j1 = std::min(n, j0 + kChunk);
    reader.read_frames(j0, j1, chunk.data());
    for (int64_t j = j0; j < j1 && !exec::stop_requested(); ++j) {
      if (o.rate > 0) {
        const auto due = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(double(j) / o.rate));
        std::this_thread::sleep_until(due);
        s.behind_max_s = std::max(s.behind_max_s, std::chrono::duration<double>(Clock::now() - due).count());
      }
      const stream::Message msg = stream::encode_frame(j, t[j * 3 + 0], t[j * 3 + 1], chunk.data() + (j - j0) * m * m, m);
      if (!push.send(msg, wait_ms))
        throw InputError("--to " + o.to + ": expected the receiver to take frames; it took none for " +
                         std::to_string(int(o.wait_s)) + " s after frame " + std::to_string(j - 1));
      ++s.sent;
    }
  }
  s.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (o.end && !exec::stop_requested()) push.send(stream::encode_end(s.sent), wait_ms);
  return s;
}

}  // namespace phasis
