// The sink interface's small parts: snapshots, fan-out, the clock, scoped spans, progress meters.
#include "phasis/exec/events.hpp"

#include <chrono>

namespace phasis::exec {

namespace {

template <class T>
Array<T> host_copy(const Array<T>& a) {
  return a.to(Memory::host);
}

Array<float> to_single(const Array<double>& a) {
  const Array<double> h = host_copy(a);
  Array<float> out(h.shape());
  for (int64_t i = 0; i < h.size(); ++i) out[i] = float(h[i]);
  return out;
}

Array<Complex<float>> to_single(const Array<Complex<double>>& a) {
  const Array<Complex<double>> h = host_copy(a);
  Array<Complex<float>> out(h.shape());
  for (int64_t i = 0; i < h.size(); ++i) out[i] = {float(h[i].re), float(h[i].im)};
  return out;
}

}  // namespace

Snapshot snapshot_of(std::string name, int64_t step, const Array<float>& a) {
  return {std::move(name), step, host_copy(a)};
}
Snapshot snapshot_of(std::string name, int64_t step, const Array<double>& a) {
  return {std::move(name), step, to_single(a)};
}
Snapshot snapshot_of(std::string name, int64_t step, const Array<Complex<float>>& a) {
  return {std::move(name), step, host_copy(a)};
}
Snapshot snapshot_of(std::string name, int64_t step, const Array<Complex<double>>& a) {
  return {std::move(name), step, to_single(a)};
}

FanOut::FanOut(std::vector<EventSink*> sinks) {
  for (EventSink* s : sinks)
    if (s) sinks_.push_back(s);
}

void FanOut::progress(const Progress& p) {
  for (EventSink* s : sinks_) s->progress(p);
}

void FanOut::snapshot(const Snapshot& snap) {
  for (EventSink* s : sinks_)
    if (s->wants_snapshots()) s->snapshot(snap);
}

void FanOut::span(const Span& sp) {
  for (EventSink* s : sinks_) s->span(sp);
}

void FanOut::note(const std::string& text) {
  for (EventSink* s : sinks_) s->note(text);
}

bool FanOut::wants_snapshots() const {
  for (const EventSink* s : sinks_)
    if (s->wants_snapshots()) return true;
  return false;
}

double now_seconds() {
  // A function-local static: initialised on first use, so callers in other files' static
  // initialisers still see a valid epoch.
  static const std::chrono::steady_clock::time_point epoch = std::chrono::steady_clock::now();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch).count();
}

ScopedSpan::ScopedSpan(EventSink* sink, std::string name, std::string category, int worker, int64_t chunk)
    : sink_(sink) {
  if (!sink_) return;
  span_.name = std::move(name);
  span_.category = std::move(category);
  span_.worker = worker;
  span_.chunk = chunk;
  span_.start = now_seconds();
}

ScopedSpan::~ScopedSpan() {
  if (!sink_) return;
  span_.end = now_seconds();
  try {
    sink_->span(span_);
  } catch (...) {
    // A trace that misses one span is better than std::terminate from a destructor.
  }
}

Progress make_progress(std::string task, int64_t done, int64_t total, std::string unit, double elapsed,
                       Values values) {
  Progress p;
  p.task = std::move(task);
  p.done = done;
  p.total = total;
  p.unit = std::move(unit);
  p.elapsed = elapsed;
  p.rate = done > 0 && elapsed > 0 ? double(done) / elapsed : 0.0;
  if (done >= total)
    p.eta = 0;
  else
    p.eta = p.rate > 0 ? double(total - done) / p.rate : -1.0;
  p.values = std::move(values);
  return p;
}

ProgressMeter::ProgressMeter(EventSink* sink, std::string task, int64_t total, std::string unit, int64_t already)
    : sink_(sink), task_(std::move(task)), total_(total), unit_(std::move(unit)), already_(already),
      start_(now_seconds()), done_(already) {}

void ProgressMeter::update(int64_t done, Values values) {
  std::lock_guard lock(mutex_);
  done_ = done;
  report_locked(std::move(values));
}

void ProgressMeter::advance(int64_t n, Values values) {
  std::lock_guard lock(mutex_);
  done_ += n;
  report_locked(std::move(values));
}

int64_t ProgressMeter::done() const {
  std::lock_guard lock(mutex_);
  return done_;
}

void ProgressMeter::report_locked(Values values) {
  if (!sink_) return;
  Progress p = make_progress(task_, done_, total_, unit_, now_seconds() - start_, std::move(values));
  if (already_ > 0) {  // the rate of this meter's own units
    const int64_t own = done_ - already_;
    p.rate = own > 0 && p.elapsed > 0 ? double(own) / p.elapsed : 0.0;
    p.eta = done_ >= total_ ? 0 : p.rate > 0 ? double(total_ - done_) / p.rate : -1.0;
  }
  sink_->progress(p);
}

}  // namespace phasis::exec
