// The streaming reconstruction's loop (streaming.hpp), written once over a backend B: the scan so
// far as a growing problem, and the loop that iterates on it while frames join at iteration
// boundaries. At a boundary with new frames the solver is rebuilt on the grown scan
// (Solver::grown): object and probe carry over, the stored frames and their exit waves move to the
// new solver where they are (device memory on a GPU), and only the new frames' amplitudes are
// copied in, so a growth costs the new frames plus the scan's small per-frame tables.
// Instantiated in streaming_cpu.cpp and streaming_cuda.cu; declared in streaming_entry.hpp.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>

#include "phasis/comm/local.hpp"
#include "phasis/core/error.hpp"
#include "phasis/exec/interrupt.hpp"
#include "phasis/ptycho/streaming.hpp"
#include "ptycho/dm/difference_map.hpp"
#include "ptycho/frame_source.hpp"
#include "ptycho/model/misfit.hpp"
#include "ptycho/probe_constraints.hpp"

namespace phasis {

namespace detail {

/// The frames received so far as a solver's problem: amplitudes (sqrt, DC at [0, 0]) appended as
/// frames arrive, the layout recomputed over every position received.
class GrowingScan {
 public:
  explicit GrowingScan(const stream::Header& h, exec::EventSink* events)
      : h_(h), m_(h.frame_size), events_(events), py_(h.geometry.object_pixel_y_m(m_)), px_(h.geometry.object_pixel_x_m(m_)) {}

  /// Appends the frames; one whose position lies farther from the others than scan_layout
  /// accepts (a position far outside the scan) is dropped with a line and counted.
  void add(std::vector<stream::Frame>&& frames) {
    for (stream::Frame& f : frames) {
      const int64_t y = std::llround(f.y_m / py_), x = std::llround(f.x_m / px_);
      const int64_t limit = std::max<int64_t>((frames_seen() + 1) * m_, 4 * m_);
      const int64_t y0 = std::min(y, ymin_), y1 = std::max(y, ymax_), x0 = std::min(x, xmin_), x1 = std::max(x, xmax_);
      if (frames_seen() > 0 && (y1 - y0 > limit || x1 - x0 > limit)) {
        ++dropped_;
        if (events_)
          events_->note("stream: dropped a message (frame " + std::to_string(f.index) + ": expected a position within " +
                        std::to_string(limit) + " object pixels of the scan's others; found (" + std::to_string(y) + ", " +
                        std::to_string(x) + ") against y " + std::to_string(ymin_) + ".." + std::to_string(ymax_) + ", x " +
                        std::to_string(xmin_) + ".." + std::to_string(xmax_) + ")");
        continue;
      }
      ymin_ = y0, ymax_ = y1, xmin_ = x0, xmax_ = x1;
      const int64_t pix = m_ * m_;
      const size_t at = amplitudes_.size();
      amplitudes_.resize(at + size_t(pix));
      float* a = amplitudes_.data() + at;
      for (int64_t p = 0; p < pix; ++p) a[p] = std::sqrt(f.intensities[size_t(p)]);
      fftshift2(a, m_, m_);
      translations_.insert(translations_.end(), {f.x_m, f.y_m, 0.0});
      ids_.push_back(f.index);
      for (int64_t p = 0; p < pix; ++p) power_sum_[size_t(p)] += double(a[p]) * a[p];
    }
  }
  int64_t frames() const { return int64_t(ids_.size()); }
  int64_t dropped() const { return dropped_; }
  const std::vector<int64_t>& ids() const { return ids_; }

  /// The problem of every frame so far, holding the amplitudes of frames [from, frames()) only
  /// (a grown solver keeps the others; copying them all again at every growth would make a
  /// scan's growth quadratic). The initial probe (used by the first solver only; later ones
  /// carry theirs) comes from the header's probe scaled to the mean frame power, else from the
  /// mean pattern of the frames so far, as make_problem does for a file.
  PtychoProblem problem(int64_t from = 0) const {
    const int64_t n = frames(), pix = m_ * m_;
    Array<double> t(Shape{n, 3});
    std::copy(translations_.begin(), translations_.end(), t.data());
    PtychoProblem pr;
    static_cast<ScanLayout&>(pr) = scan_layout(t, h_.geometry, m_);
    pr.frames = n;
    pr.frame_size = m_;
    pr.frame_ids = ids_;
    pr.amplitudes = Array<float>(Shape{n - from, m_, m_});
    std::copy(amplitudes_.begin() + from * pix, amplitudes_.end(), pr.amplitudes.data());
    pr.valid = Array<uint8_t>(Shape{m_, m_});
    for (int64_t p = 0; p < pix; ++p) pr.valid[p] = h_.valid.empty() ? 1 : h_.valid[p] ? 1 : 0;
    fftshift2(pr.valid.data(), m_, m_);
    std::vector<double> mean(power_sum_);
    for (double& v : mean) v /= double(n);
    if (h_.probe.empty()) {
      pr.probe_source = "mean diffraction pattern of the first " + std::to_string(n) + " frames";
      pr.probe = probe_from_mean_intensity(mean, m_);
      return pr;
    }
    double data_power = 0, probe_power = 0;
    for (int64_t p = 0; p < pix; ++p) data_power += mean[size_t(p)], probe_power += norm2(h_.probe[p]);
    if (!(probe_power > 0) || !std::isfinite(probe_power))
      throw InputError("stream header's probe: expected finite values with power; found a power of " + std::to_string(probe_power));
    pr.probe_from_file = true;
    pr.probe_source = "the stream header";
    pr.probe_scale = std::sqrt(data_power / probe_power);
    pr.probe = Array<Complex<float>>(Shape{m_, m_});
    for (int64_t p = 0; p < pix; ++p) pr.probe[p] = h_.probe[p] * float(pr.probe_scale);
    return pr;
  }

 private:
  int64_t frames_seen() const { return int64_t(ids_.size()); }

  const stream::Header& h_;
  int64_t m_;
  exec::EventSink* events_;
  double py_, px_;  // object pixel size
  int64_t ymin_ = 0, ymax_ = 0, xmin_ = 0, xmax_ = 0, dropped_ = 0;
  std::vector<float> amplitudes_;
  std::vector<double> translations_;
  std::vector<int64_t> ids_;
  std::vector<double> power_sum_ = std::vector<double>(size_t(m_ * m_), 0.0);
};

}  // namespace detail

template <class B, class T>
StreamRun stream_on(const Device& device, FrameSource& rx, const StreamOptions& o, const SolverStage& stage,
                    exec::EventSink* events, const std::function<void(const ScanLayout&, int64_t)>& on_layout) {
  const B backend(device);
  comm::Local local;
  const stream::Header& h = rx.header();
  const int64_t start_frames = o.start_frames > 0 ? o.start_frames
                               : h.frames > 0   ? std::max<int64_t>(2, (h.frames + 9) / 10)
                                                : INT64_MAX;
  rx.wait_frames(start_frames, o.silence_s);
  if (exec::stop_requested()) throw InputError("stream " + o.address + ": stopped on request before the solver started");
  detail::GrowingScan scan(h, events);
  scan.add(rx.take());
  if (scan.frames() == 0)
    throw InputError("stream " + o.address + ": expected frames; found " +
                     (rx.stats().ended ? std::string("an end message before any") : "none within " + std::to_string(o.silence_s) + " s"));
  PtychoProblem pr = scan.problem();
  if (on_layout) on_layout(pr, h.frame_size);
  StreamRun out;
  out.probe_source = pr.probe_source;
  out.probe_from_file = pr.probe_from_file;
  out.probe_scale = pr.probe_scale;
  // The projection family only (reconstruct_stream checked the name): the registry would build
  // every solver's templates here again.
  const auto make = stage.algorithm == "raar" ? dm::make_raar<B, T> : stage.algorithm == "er" ? dm::make_er<B, T>
                                                                                             : dm::make_solver<B, T>;
  std::unique_ptr<Solver<B, T>> solver = make(backend, pr, *stage.options, local);
  solver->start();
  // Probe supports and recentring as the driver applies them, moved to each grown solver.
  ProbeConstraints<B, T> constraints(backend, *solver, *stage.options, h.frame_size, stage.algorithm);
  pr.amplitudes = Array<float>();  // the solver holds them
  if (events)
    events->note("stream: started on " + std::to_string(pr.frames) + " frames" +
                 (h.frames > 0 ? " of " + std::to_string(h.frames) + " expected" : std::string()) + "; probe from " +
                 pr.probe_source);
  const int after_needed = o.iterations_after > 0 ? o.iterations_after : stage.options->iterations;
  const double t0 = rx.since_header() - rx.stats().first_frame_s;  // the clock of the samples: first frame = 0
  const auto clock = std::chrono::steady_clock::now();
  auto seconds = [&] { return t0 + std::chrono::duration<double>(std::chrono::steady_clock::now() - clock).count(); };
  std::vector<double> errors, times;
  int after = 0;
  bool said_done = false, interrupted = false;
  const SolverOptions& opt = *stage.options;
  for (int it = 0;; ++it) {
    const bool source_done = rx.finished(o.silence_s);  // before take(): then take() holds every frame
    std::vector<stream::Frame> fresh = rx.take();
    const auto t_grow = std::chrono::steady_clock::now();
    double grow_seconds = 0, newest = 0, oldest = 0;
    if (!fresh.empty()) {
      newest = fresh.back().arrived, oldest = fresh.front().arrived;
      const double oy = pr.origin_y, ox = pr.origin_x;
      const int64_t oh = pr.object_h, ow = pr.object_w, before = scan.frames();
      scan.add(std::move(fresh));
      PtychoProblem next = scan.problem(before);
      const int64_t dy = std::llround(oy - next.origin_y), dx = std::llround(ox - next.origin_x);
      solver = solver->grown(next, dy, dx);
      solver->start();
      constraints.use(*solver);
      pr = std::move(next);
      pr.amplitudes = Array<float>();  // the solver holds them
      after = 0;
      if (on_layout && (pr.object_h != oh || pr.object_w != ow || dy || dx)) on_layout(pr, h.frame_size);
      grow_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_grow).count();
    }
    if (source_done && !said_done && events) {
      const StreamStats s = rx.stats();
      char line[256];
      // Iterations that ran on the complete set before the source was known to be done count:
      // they were on every frame there is.
      const int more = std::max(0, after_needed - after);
      const std::string next = more > 0 ? std::to_string(more) + " more iterations on them"
                                        : "ending (" + std::to_string(after) + " iterations ran on them)";
      if (s.went_silent)
        std::snprintf(line, sizeof line, "stream: no message for %g s and no end message after %lld%s%s frames; %s",
                      o.silence_s, (long long)s.received, s.expected ? " of " : "",
                      s.expected ? std::to_string(s.expected).c_str() : "", next.c_str());
      else
        std::snprintf(line, sizeof line, "stream: ended after %lld frames; %s", (long long)s.received, next.c_str());
      events->note(line);
      said_done = true;
    }
    if (source_done && after >= after_needed) break;
    const auto t_it = std::chrono::steady_clock::now();
    double err = 0;
    {
      exec::ScopedSpan span(events, "iteration", "chunk", 0, it);
      err = solver->iterate(it);
      constraints.after_iteration(it, events);
      backend.synchronize();
    }
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_it).count();
    errors.push_back(err);
    times.push_back(dt);
    ++after;
    const StreamStats s = rx.stats();
    out.stats.timeline.push_back({seconds(), it, s.received, pr.frames, grow_seconds, newest, oldest});
    if (events) {
      exec::Progress p;
      p.task = stage.algorithm;
      p.done = it + 1;
      p.total = it + 1 + std::max(0, after_needed - after);  // if no further frame comes
      p.unit = "iterations";
      p.elapsed = seconds() - t0;
      p.rate = p.elapsed > 0 ? double(p.done) / p.elapsed : 0;
      p.eta = p.rate > 0 ? double(p.total - p.done) / p.rate : -1;
      p.values = solver->values(err);
      p.values.emplace_back("frames", double(pr.frames));
      p.values.emplace_back("received", double(s.received));
      events->progress(p);
      if (events->wants_snapshots() && opt.snapshot_every > 0 && (it + 1) % opt.snapshot_every == 0) {
        events->snapshot(exec::snapshot_of("object", it, solver->object()));
        events->snapshot(exec::snapshot_of("probe", it, solver->probe()));
      }
    }
    exec::wait_while_paused();
    // Checkpoints of a stream hold object and probe (its frames come once; a later run on the file
    // starts its exit waves afresh).
    const CheckpointPolicy* cp = opt.checkpoint && opt.checkpoint->write ? opt.checkpoint.get() : nullptr;
    if (cp && (exec::stop_requested() || (cp->every > 0 && (it + 1) % cp->every == 0))) {
      SolverStart state;
      solver->save_state(state, false);
      state.iteration = it + 1;
      state.errors = errors;
      state.seconds = times;
      cp->write(state);
    }
    if (exec::stop_requested()) {
      interrupted = true;
      break;
    }
  }
  out.result = solver->result();
  {
    const PtychoProblem all = scan.problem();  // every frame's amplitudes, once, for the misfit
    out.result.r_factor = model::r_factor<B, T>(backend, all, out.result, local);
  }
  out.result.interrupted = interrupted;
  out.result.fourier_error = std::move(errors);
  out.result.iteration_seconds = std::move(times);
  out.frame_size = h.frame_size;
  out.frame_ids = scan.ids();
  const std::vector<StreamSample> timeline = std::move(out.stats.timeline);
  out.stats = rx.stats();
  out.stats.timeline = timeline;
  out.stats.iterations_after_last = after;
  out.stats.malformed += scan.dropped();  // positions far outside the scan
  out.stats.received -= scan.dropped();
  out.layout = std::move(static_cast<ScanLayout&>(pr));
  return out;
}


}  // namespace phasis
