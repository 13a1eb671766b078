// A CXI file played as a frame stream (streaming.hpp: replay_cxi), for tests and demos: frames on
// a fixed schedule (frame j due at j / rate seconds after the first), read from the file in small
// hyperslabs so a long scan never sits in memory whole. The stream is ZeroMQ messages (tcp://) or
// a CXI file written in SWMR mode while a reconstruction follows it (file:).
#include "phasis/ptycho/streaming.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <thread>

#include "phasis/core/error.hpp"
#include "phasis/exec/interrupt.hpp"
#include "phasis/io/cxi.hpp"
#include "phasis/io/cxi_swmr_writer.hpp"
#include "phasis/io/frame_stream.hpp"

namespace phasis {

namespace {

using Clock = std::chrono::steady_clock;
// `--to file:OUT.cxi`: the file variant (the address syntax a reconstruction follows it by, too).
constexpr const char* kFilePrefix = "file:";
constexpr int64_t kChunk = 64;  // frames per hyperslab read

/// Frame j's time on the fixed schedule.
Clock::time_point due_time(Clock::time_point start, int64_t j, double rate) {
  return start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(double(j) / rate));
}

/// The file variant: OUT.cxi written in SWMR mode (io/cxi_swmr_writer.hpp). Each frame is written
/// when it is due; frames due together (the writer fell behind, or rate <= 0) go in one append and
/// one flush.
ReplayStats replay_to_file(const CxiReader& reader, const std::string& in, const std::string& out, const stream::Header& h,
                           const ReplayOptions& o, exec::EventSink* events) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::equivalent(in, out, ec))
    throw InputError("--to file:" + out + ": expected a file other than the input; found the input itself");
  const int64_t m = h.frame_size, n = h.frames;
  const Array<double> t = reader.translations();
  SwmrCxiWriter writer(out, h);
  if (events) events->note("replay: " + std::to_string(n) + " frames of " + std::to_string(m) + " x " + std::to_string(m) + " to " + out +
                           " (HDF5 SWMR)");
  std::vector<float> chunk(size_t(kChunk * m * m));
  ReplayStats s;
  const auto start = Clock::now();
  for (int64_t j0 = 0; j0 < n && !exec::stop_requested(); j0 += kChunk) {
    const int64_t j1 = std::min(n, j0 + kChunk);
    reader.read_frames(j0, j1, chunk.data());
    for (int64_t j = j0; j < j1 && !exec::stop_requested();) {
      int64_t k = j + 1;  // frames [j, k) go now
      if (o.rate > 0) {
        const auto due = due_time(start, j, o.rate);
        std::this_thread::sleep_until(due);
        const auto now = Clock::now();
        s.behind_max_s = std::max(s.behind_max_s, std::chrono::duration<double>(now - due).count());
        while (k < j1 && due_time(start, k, o.rate) <= now) ++k;
      } else {
        k = j1;
      }
      writer.append(chunk.data() + (j - j0) * m * m, t.data() + j * 3, k - j);
      s.sent += k - j;
      j = k;
    }
  }
  s.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (o.end && !exec::stop_requested()) writer.finish();
  return s;
}

}  // namespace

ReplayStats replay_cxi(const std::string& path, const ReplayOptions& o, exec::EventSink* events) {
  if (!(o.wait_s > 0)) throw InputError("--wait: expected positive seconds; found " + std::to_string(o.wait_s));
  if (o.count < 0) throw InputError("--count: expected >= 0 frames (0: all); found " + std::to_string(o.count));
  if (!std::isfinite(o.rate)) throw InputError("--rate: expected a finite number of frames per second");
  const bool to_file = o.to.rfind(kFilePrefix, 0) == 0;
  if (to_file && o.to.size() == std::strlen(kFilePrefix)) throw InputError("--to: expected file:PATH.cxi; found '" + o.to + "'");
  const CxiReader reader(path);
  const int64_t m = reader.frame_size(), total = reader.frames();
  const int64_t n = o.count > 0 ? std::min(o.count, total) : total;
  stream::Header h;
  h.frame_size = m;
  h.geometry = reader.geometry();
  h.frames = n;
  h.valid = reader.valid_mask();
  h.probe = reader.initial_probe();
  if (to_file) return replay_to_file(reader, path, o.to.substr(std::strlen(kFilePrefix)), h, o, events);
  const Array<double> t = reader.translations();
  stream::Pusher push(o.to);
  const int wait_ms = int(std::min(o.wait_s * 1e3, 2e9));
  if (!push.send(stream::encode_header(h), wait_ms))
    throw InputError("--to " + o.to + ": expected a receiver within " + std::to_string(int(o.wait_s)) + " s; found none");
  if (events) events->note("replay: " + std::to_string(n) + " frames of " + std::to_string(m) + " x " + std::to_string(m) + " to " + o.to);
  std::vector<float> chunk(size_t(kChunk * m * m));
  ReplayStats s;
  const auto start = Clock::now();
  for (int64_t j0 = 0; j0 < n && !exec::stop_requested(); j0 += kChunk) {
    const int64_t j1 = std::min(n, j0 + kChunk);
    reader.read_frames(j0, j1, chunk.data());
    for (int64_t j = j0; j < j1 && !exec::stop_requested(); ++j) {
      if (o.rate > 0) {
        const auto due = due_time(start, j, o.rate);
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
