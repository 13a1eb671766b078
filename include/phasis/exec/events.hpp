// One sink for everything a long run reports while it works: progress (done n of total, rate, ETA
// and values such as the error), snapshots (named arrays in host memory: the current object, probe,
// image) and trace spans (one piece of work on one worker, for Perfetto or chrome://tracing).
// Solvers and schedulers take an `EventSink*` (null: report nothing) and call it; the caller decides
// where events go: a ProgressBar on stderr, a ChromeTrace file, both through a FanOut.
//
// Threads: every sink method may be called from several worker threads at once, so every sink is
// thread-safe. Sinks are not owned by the code that reports to them; they outlive the run.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "phasis/core/array.hpp"    // for Array
#include "phasis/core/complex.hpp"  // for Complex

namespace phasis::exec {

/// Named scalars that travel with a progress event, in the order they are shown: {"error", 1e-3}.
using Values = std::vector<std::pair<std::string, double>>;

/// "done of total" for one task, with what a reader wants next to it.
struct Progress {
  std::string task;    // "dm", "phonons"
  int64_t done = 0;
  int64_t total = 0;
  std::string unit;    // "iterations", "frames" (may be empty)
  double elapsed = 0;  // seconds since the task started
  double rate = 0;     // units per second over the whole run so far (0 before the first unit)
  double eta = -1;     // seconds left; < 0 when unknown
  Values values;
};

/// A named array at a step of a run, in host memory. Single precision always: snapshots are for
/// looking at (viewers, previews), so a double-precision solver's arrays are converted on the way.
/// Array is move-only, so a Snapshot is too; a sink that keeps one copies its data (Array::to).
struct Snapshot {
  using Data = std::variant<Array<float>, Array<Complex<float>>>;
  std::string name;  // "object", "probe", "image"
  int64_t step = 0;  // iteration, slice, ...
  Data data;
};

/// Host copies of `a` (any memory kind) as a snapshot, converted to single precision.
Snapshot snapshot_of(std::string name, int64_t step, const Array<float>& a);
Snapshot snapshot_of(std::string name, int64_t step, const Array<double>& a);
Snapshot snapshot_of(std::string name, int64_t step, const Array<Complex<float>>& a);
Snapshot snapshot_of(std::string name, int64_t step, const Array<Complex<double>>& a);

/// One piece of work on one worker: a chunk of frames, an FFT, a write.
struct Span {
  std::string name;      // what ran: "phonon", "fft"
  std::string category;  // a group for viewers to colour and filter by: "chunk", "io"
  int worker = 0;        // the thread or GPU that ran it
  int64_t chunk = -1;    // the chunk's index, -1 when the work is not a chunk
  double start = 0;      // seconds on now_seconds()'s clock
  double end = 0;
};

/// Receives events; every method does nothing unless overridden. Thread-safe in every subclass.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void progress(const Progress&) {}
  virtual void snapshot(const Snapshot&) {}
  virtual void span(const Span&) {}
  /// A line for the person watching ("streaming: the frames do not fit the GPU ...").
  virtual void note(const std::string&) {}
  /// False unless overridden: reporters skip copying arrays to host when nobody reads them.
  virtual bool wants_snapshots() const { return false; }
};

/// Ignores everything: for callers that need a sink but want no output.
class NullSink final : public EventSink {};

/// Forwards every event to each of several sinks, in the order given; snapshots only to the sinks
/// that want them. The list is fixed at construction (null entries are dropped), so forwarding needs
/// no lock: each target is thread-safe itself.
class FanOut final : public EventSink {
 public:
  explicit FanOut(std::vector<EventSink*> sinks);
  void progress(const Progress& p) override;
  void snapshot(const Snapshot& s) override;
  void span(const Span& s) override;
  void note(const std::string& text) override;
  bool wants_snapshots() const override;

 private:
  std::vector<EventSink*> sinks_;
};

/// Seconds since a process-wide epoch (the first call), on a monotonic clock: the clock of spans.
double now_seconds();

/// Emits one span from construction to destruction, on worker `worker`; a null sink does nothing.
/// The span is emitted even when the scope is left by an exception (the trace shows the failing
/// work); a sink that throws from span() here is ignored, since a destructor cannot report it.
class ScopedSpan {
 public:
  ScopedSpan(EventSink* sink, std::string name, std::string category, int worker = 0, int64_t chunk = -1);
  ~ScopedSpan();
  ScopedSpan(const ScopedSpan&) = delete;
  ScopedSpan& operator=(const ScopedSpan&) = delete;

 private:
  EventSink* sink_;
  Span span_;
};

/// A progress event for `done` of `total` after `elapsed` seconds: rate = done / elapsed (over the
/// whole run so far, 0 when nothing is done or no time has passed), eta = (total - done) / rate
/// (0 when done >= total, -1 when the rate is not known yet).
Progress make_progress(std::string task, int64_t done, int64_t total, std::string unit, double elapsed,
                       Values values = {});

/// Turns "done n of total" calls into Progress events on a sink, timing from construction.
/// Thread-safe: workers may call advance() at once; events reach the sink in the order of `done`
/// (they are emitted under the meter's lock), so the last event a sink sees is the largest.
class ProgressMeter {
 public:
  /// `already`: units done before this meter started (a resumed run): counted, not in the rate.
  ProgressMeter(EventSink* sink, std::string task, int64_t total, std::string unit = "", int64_t already = 0);
  /// Reports `done` units (an absolute count).
  void update(int64_t done, Values values = {});
  /// Adds `n` units to the count and reports the new count.
  void advance(int64_t n = 1, Values values = {});
  int64_t done() const;

 private:
  void report_locked(Values values);

  EventSink* sink_;
  std::string task_;
  int64_t total_;
  std::string unit_;
  int64_t already_;
  double start_;
  mutable std::mutex mutex_;
  int64_t done_ = 0;
};

/// Progress on a FILE* (stderr by default); ignores spans and snapshots.
/// On a terminal: one line redrawn in place with '\r' (task, a bar, done/total, rate with unit, ETA,
/// the values), at most one redraw per tenth of min_interval, and a newline when done == total (or
/// when another task's line comes first: lines of different tasks are not drawn over each other).
/// Elsewhere (a log file, a pipe): one plain line per update, at most one per `min_interval` seconds
/// of a task's elapsed time, plus always the line with done == total.
class ProgressBar final : public EventSink {
 public:
  /// `automatic`: a terminal when isatty(fileno(out)); the others force one style (tests, logs).
  enum class Style { automatic, terminal, plain };

  explicit ProgressBar(std::FILE* out = stderr, double min_interval = 1.0, Style style = Style::automatic);
  void progress(const Progress& p) override;
  /// Its own line (ending an open terminal line first).
  void note(const std::string& text) override;

 private:
  std::mutex mutex_;
  std::FILE* out_;
  double min_interval_;
  bool terminal_;
  std::map<std::string, double> last_shown_;  // task -> elapsed at its last line
  std::string open_task_;                     // terminal: the task of a line not ended yet ("" none)
};

/// One progress line without the leading '\r' or the trailing newline, e.g.
/// "dm [#####.....] 50/100 iterations 12.5 iterations/s ETA 4s error 1.23e-04"; `bar_width` 0: no bar.
std::string format_progress(const Progress& p, int bar_width);

/// Collects spans and writes them in the Chrome trace event format (JSON) that Perfetto and
/// chrome://tracing open: one complete event ("ph":"X", ts and dur in microseconds, tid = worker,
/// args.chunk) per span, and one metadata event ("ph":"M", thread_name) per worker seen.
class ChromeTrace final : public EventSink {
 public:
  /// `process` is the trace's pid: the MPI rank, so traces of several ranks can be shown together.
  explicit ChromeTrace(int process = 0);
  void span(const Span& s) override;
  /// Names a worker's row ("cuda:1"); workers without a name are shown as "worker N".
  void name_worker(int worker, std::string name);
  /// The spans collected so far, in arrival order.
  std::vector<Span> spans() const;
  /// The names given by name_worker.
  std::map<int, std::string> worker_names() const;
  /// The whole trace document as JSON text.
  std::string json() const;
  /// Writes json() to `path` through a unique temporary name in the same folder and a rename, so a
  /// reader never sees half a trace; on failure no temporary file is left and InputError is thrown.
  void write(const std::string& path) const;

 private:
  int process_;
  mutable std::mutex mutex_;
  std::vector<Span> spans_;
  std::map<int, std::string> worker_names_;
};

}  // namespace phasis::exec
