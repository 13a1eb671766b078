// The event sink's parts: progress numbers and meters, fan-out, scoped spans, snapshots, the
// progress bar's two styles (read back from a temporary file) and Chrome traces parsed as JSON.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "phasis/core/error.hpp"
#include "phasis/exec/events.hpp"
#include "testing.hpp"

using namespace phasis;
using namespace phasis::exec;
using namespace std::chrono_literals;

namespace {

/// Keeps every event, in arrival order; wants snapshots when asked to.
class RecordingSink : public EventSink {
 public:
  explicit RecordingSink(bool wants = false) : wants_(wants) {}
  void progress(const Progress& p) override {
    std::lock_guard lock(mutex);
    progress_events.push_back(p);
  }
  void snapshot(const Snapshot& s) override {
    std::lock_guard lock(mutex);
    snapshot_names.push_back(s.name);
  }
  void span(const Span& s) override {
    std::lock_guard lock(mutex);
    spans.push_back(s);
  }
  bool wants_snapshots() const override { return wants_; }

  std::mutex mutex;
  std::vector<Progress> progress_events;
  std::vector<std::string> snapshot_names;
  std::vector<Span> spans;

 private:
  bool wants_;
};

/// Everything a ProgressBar wrote to a temporary FILE*, fed the given events.
std::string bar_output(ProgressBar::Style style, double min_interval, const std::vector<Progress>& events) {
  std::FILE* f = std::tmpfile();
  if (!f) throw std::runtime_error("tmpfile failed");
  {
    ProgressBar bar(f, min_interval, style);
    for (const Progress& p : events) bar.progress(p);
  }
  std::rewind(f);
  std::string text;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
  std::fclose(f);
  return text;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// dm iterations: `done` of 100 after `elapsed` seconds, with an error value.
Progress dm_at(int64_t done, double elapsed) {
  return make_progress("dm", done, 100, "iterations", elapsed, {{"error", 1.234e-4}});
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

TEST(ExecProgress, RateOverTheWholeRunAndEta) {
  const Progress p = make_progress("dm", 25, 100, "iterations", 5.0, {{"error", 0.5}});
  EXPECT_EQ(p.task, "dm");
  EXPECT_EQ(p.unit, "iterations");
  EXPECT_DOUBLE_EQ(p.rate, 5.0);
  EXPECT_DOUBLE_EQ(p.eta, 15.0);
  ASSERT_EQ(p.values.size(), 1u);
  EXPECT_EQ(p.values[0].first, "error");
  const Progress none = make_progress("dm", 0, 100, "", 2.0);
  EXPECT_EQ(none.rate, 0);
  EXPECT_LT(none.eta, 0);  // unknown
  const Progress at_start = make_progress("dm", 3, 100, "", 0.0);
  EXPECT_LT(at_start.eta, 0);
  const Progress finished = make_progress("dm", 100, 100, "", 4.0);
  EXPECT_DOUBLE_EQ(finished.rate, 25.0);
  EXPECT_EQ(finished.eta, 0);
}

TEST(ExecProgressMeter, CountsFromSeveralThreadsInIncreasingOrder) {
  RecordingSink sink;
  ProgressMeter meter(&sink, "frames", 1000, "frames");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&meter, t] {
      for (int k = 0; k < 250; ++k) meter.advance(1, {{"thread", double(t)}});
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(meter.done(), 1000);
  ASSERT_EQ(sink.progress_events.size(), 1000u);
  for (size_t k = 0; k < 1000; ++k) ASSERT_EQ(sink.progress_events[k].done, int64_t(k) + 1);
  const Progress& last = sink.progress_events.back();
  EXPECT_EQ(last.task, "frames");
  EXPECT_EQ(last.total, 1000);
  EXPECT_EQ(last.eta, 0);
  EXPECT_GE(last.elapsed, 0);
  meter.update(10);
  EXPECT_EQ(sink.progress_events.back().done, 10);

  ProgressMeter silent(nullptr, "x", 3);  // a null sink: counts, reports nothing
  silent.advance(2);
  EXPECT_EQ(silent.done(), 2);
}

TEST(ExecProgressMeter, RateAndEtaFollowTheClock) {
  RecordingSink sink;
  ProgressMeter meter(&sink, "slow", 10);
  std::this_thread::sleep_for(50ms);
  meter.advance(5);
  const Progress& p = sink.progress_events.back();
  EXPECT_GE(p.elapsed, 0.045);
  EXPECT_LT(p.elapsed, 5.0);
  EXPECT_NEAR(p.rate, 5 / p.elapsed, 1e-9);
  EXPECT_NEAR(p.eta, p.elapsed, 1e-9);  // half done: as long again
}

TEST(ExecFanOut, ForwardsToEverySinkAndSnapshotsOnlyToThoseThatWantThem) {
  RecordingSink a(false), b(true);
  FanOut fan({&a, nullptr, &b});
  EXPECT_TRUE(fan.wants_snapshots());
  fan.progress(make_progress("t", 1, 2, "", 1.0));
  fan.span(Span{"s", "c", 1, 2, 0.0, 1.0});
  fan.snapshot(snapshot_of("object", 3, Array<float>(Shape{2})));
  for (RecordingSink* s : {&a, &b}) {
    EXPECT_EQ(s->progress_events.size(), 1u);
    ASSERT_EQ(s->spans.size(), 1u);
    EXPECT_EQ(s->spans[0].chunk, 2);
  }
  EXPECT_TRUE(a.snapshot_names.empty());
  ASSERT_EQ(b.snapshot_names.size(), 1u);
  EXPECT_EQ(b.snapshot_names[0], "object");

  RecordingSink c(false);
  EXPECT_FALSE(FanOut({&a, &c}).wants_snapshots());
  EXPECT_FALSE(FanOut({}).wants_snapshots());
  EXPECT_FALSE(NullSink().wants_snapshots());
}

TEST(ExecScopedSpan, EmitsOneSpanOnTheSinksClockEvenWhenAnExceptionLeaves) {
  RecordingSink sink;
  const double before = now_seconds();
  {
    ScopedSpan span(&sink, "fft", "compute", 3, 7);
    std::this_thread::sleep_for(20ms);
    EXPECT_TRUE(sink.spans.empty());  // only at the end of the scope
  }
  const double after = now_seconds();
  ASSERT_EQ(sink.spans.size(), 1u);
  const Span& s = sink.spans[0];
  EXPECT_EQ(s.name, "fft");
  EXPECT_EQ(s.category, "compute");
  EXPECT_EQ(s.worker, 3);
  EXPECT_EQ(s.chunk, 7);
  EXPECT_GE(s.start, before);
  EXPECT_LE(s.end, after);
  EXPECT_GE(s.end - s.start, 0.019);

  try {
    ScopedSpan span(&sink, "failing", "compute");
    throw std::runtime_error("x");
  } catch (const std::runtime_error&) {
  }
  ASSERT_EQ(sink.spans.size(), 2u);
  EXPECT_EQ(sink.spans[1].name, "failing");
  EXPECT_EQ(sink.spans[1].chunk, -1);

  { ScopedSpan nothing(nullptr, "none", "none"); }  // a null sink: nothing happens
}

TEST(ExecSnapshot, HostCopiesInSinglePrecision) {
  Array<Complex<double>> wave(Shape{2, 3});
  for (int64_t i = 0; i < wave.size(); ++i) wave[i] = {0.1 * double(i), -1.0 / 3.0};
  const Snapshot s = snapshot_of("probe", 12, wave);
  EXPECT_EQ(s.name, "probe");
  EXPECT_EQ(s.step, 12);
  const auto* data = std::get_if<Array<Complex<float>>>(&s.data);
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->shape(), wave.shape());
  EXPECT_EQ(data->memory(), Memory::host);
  for (int64_t i = 0; i < wave.size(); ++i) {
    EXPECT_EQ((*data)[i].re, float(0.1 * double(i)));
    EXPECT_EQ((*data)[i].im, float(-1.0 / 3.0));
  }

  Array<float> image(Shape{4});
  for (int64_t i = 0; i < 4; ++i) image[i] = float(i) + 0.5f;
  const Snapshot copy = snapshot_of("image", 0, image);
  const auto& copied = std::get<Array<float>>(copy.data);
  EXPECT_NE(copied.data(), image.data());  // a copy: the solver may go on changing its array
  for (int64_t i = 0; i < 4; ++i) EXPECT_EQ(copied[i], image[i]);
  const Snapshot from_double = snapshot_of("image", 0, Array<double>(Shape{3}));
  EXPECT_TRUE(std::holds_alternative<Array<float>>(from_double.data));
}

TEST(ExecProgressBar, PlainLinesAreRateLimitedAndTheLastIsAlwaysWritten) {
  // 1 s interval: of updates at 0, 0.3, 0.6, 1.1, 1.5, 2.2 s only 0, 1.1 and 2.2 are written, then
  // the final one at 2.3 s although it comes sooner than the interval.
  const std::string out = bar_output(ProgressBar::Style::plain, 1.0,
                                     {dm_at(0, 0.0), dm_at(10, 0.3), dm_at(15, 0.6), dm_at(20, 1.1), dm_at(30, 1.5),
                                      dm_at(40, 2.2), dm_at(100, 2.3)});
  EXPECT_FALSE(contains(out, "\r")) << out;
  const std::vector<std::string> lines = split_lines(out);
  ASSERT_EQ(lines.size(), 4u) << out;
  EXPECT_TRUE(contains(lines[0], "dm 0/100 iterations")) << lines[0];
  EXPECT_TRUE(contains(lines[0], "ETA ?")) << lines[0];
  // 20 in 1.1 s: 18.2 per second, 80 left: 4.4 s.
  EXPECT_TRUE(contains(lines[1], "dm 20/100 iterations 18.2 iterations/s ETA 4.4s error 1.23e-04")) << lines[1];
  EXPECT_TRUE(contains(lines[2], "40/100")) << lines[2];
  EXPECT_TRUE(contains(lines[3], "100/100")) << lines[3];
  EXPECT_TRUE(contains(lines[3], "43.5 iterations/s")) << lines[3];
  EXPECT_TRUE(contains(lines[3], "in 2.3s")) << lines[3];

  // A zero interval writes every update; a file is not a terminal, so `automatic` writes plain lines.
  const std::string every = bar_output(ProgressBar::Style::automatic, 0.0, {dm_at(1, 0.1), dm_at(2, 0.2), dm_at(3, 0.3)});
  EXPECT_EQ(phasis::testing::count_lines(every), 3) << every;
  EXPECT_FALSE(contains(every, "\r"));
}

TEST(ExecProgressBar, TerminalRedrawsOneLineAndEndsItWhenDone) {
  const std::string out = bar_output(ProgressBar::Style::terminal, 1.0,
                                     {dm_at(0, 0.0), dm_at(50, 0.5), dm_at(75, 1.0), dm_at(100, 1.2)});
  EXPECT_EQ(std::count(out.begin(), out.end(), '\r'), 4) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(out.front(), '\r');
  EXPECT_TRUE(contains(out, "dm [############............] 50/100 iterations 100 iterations/s ETA 0.5s error 1.23e-04"))
      << out;
  EXPECT_TRUE(contains(out, "[########################] 100/100")) << out;

  // Redraws closer than a tenth of the interval are skipped; the final one is not.
  const std::string fast = bar_output(ProgressBar::Style::terminal, 1.0,
                                      {dm_at(1, 0.0), dm_at(2, 0.01), dm_at(3, 0.02), dm_at(100, 0.03)});
  EXPECT_EQ(std::count(fast.begin(), fast.end(), '\r'), 2) << fast;

  // Another task's line starts on a new line instead of drawing over an unfinished one.
  const std::string two = bar_output(ProgressBar::Style::terminal, 0.0,
                                     {dm_at(10, 0.1), make_progress("write", 1, 4, "files", 0.1)});
  EXPECT_EQ(std::count(two.begin(), two.end(), '\n'), 1) << two;
  EXPECT_TRUE(contains(two, "\n\rwrite")) << two;
}

TEST(ExecProgressBar, NotesTakeTheirOwnLine) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    ProgressBar bar(f, 0.0, ProgressBar::Style::terminal);
    FanOut fan({&bar});
    fan.progress(dm_at(10, 0.1));
    fan.note("streaming: the frames do not fit");
    fan.progress(dm_at(100, 0.2));
  }
  std::rewind(f);
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  std::fclose(f);
  // The open progress line is ended before the note, which ends with its own newline.
  EXPECT_TRUE(contains(out, "error 1.23e-04\033[K\nstreaming: the frames do not fit\n\r")) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;
}

TEST(ExecChromeTrace, SpansFromSeveralThreadsAsCompleteEventsInMicroseconds) {
  ChromeTrace trace(3);
  trace.name_worker(2, "cuda:0");
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w)
    threads.emplace_back([&trace, w] {
      for (int64_t k = 0; k < 50; ++k) {
        ScopedSpan span(&trace, "chunk", "test", w, k);
        if (w == 1 && k == 0) std::this_thread::sleep_for(20ms);
      }
    });
  for (auto& t : threads) t.join();

  phasis::testing::TempDir tmp;
  const std::string path = tmp.file("trace.json");
  trace.write(path);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(tmp.path()), {}), 1) << "a temporary file is left";
  const nlohmann::json doc = nlohmann::json::parse(read_file(path));
  EXPECT_EQ(doc.at("displayTimeUnit"), "ms");
  const nlohmann::json& events = doc.at("traceEvents");
  ASSERT_TRUE(events.is_array());

  std::map<std::pair<int, int64_t>, Span> spans;
  for (const Span& s : trace.spans()) spans[{s.worker, s.chunk}] = s;
  ASSERT_EQ(spans.size(), 200u);
  int complete = 0;
  std::map<int, std::string> names;
  for (const nlohmann::json& e : events) {
    EXPECT_EQ(e.at("pid"), 3);
    if (e.at("ph") == "M") {
      EXPECT_EQ(e.at("name"), "thread_name");
      names[e.at("tid").get<int>()] = e.at("args").at("name").get<std::string>();
      continue;
    }
    ASSERT_EQ(e.at("ph"), "X");
    ++complete;
    EXPECT_EQ(e.at("name"), "chunk");
    EXPECT_EQ(e.at("cat"), "test");
    const auto key = std::make_pair(e.at("tid").get<int>(), e.at("args").at("chunk").get<int64_t>());
    ASSERT_EQ(spans.count(key), 1u);
    const Span& s = spans[key];
    EXPECT_NEAR(e.at("ts").get<double>(), s.start * 1e6, 1e-3);
    EXPECT_NEAR(e.at("dur").get<double>(), (s.end - s.start) * 1e6, 1e-3);
    EXPECT_GE(e.at("dur").get<double>(), 0);
    if (key == std::make_pair(1, int64_t(0))) {
      EXPECT_GE(e.at("dur").get<double>(), 19000);  // 20 ms in microseconds
      EXPECT_LT(e.at("dur").get<double>(), 5e6);
    }
  }
  EXPECT_EQ(complete, 200);
  EXPECT_EQ(names, (std::map<int, std::string>{{0, "worker 0"}, {1, "worker 1"}, {2, "cuda:0"}, {3, "worker 3"}}));
}

TEST(ExecChromeTrace, WriteFailuresThrowInputErrorAndLeaveNoTemporaryFile) {
  ChromeTrace trace;
  trace.span(Span{"a", "b", 0, 0, 1.0, 2.0});
  phasis::testing::TempDir tmp;
  // A missing folder: the temporary file cannot be made.
  const std::string missing = tmp.file("missing/trace.json");
  try {
    trace.write(missing);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_TRUE(contains(e.what(), "trace '" + missing + "': expected a writable file; found ")) << e.what();
  }
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(tmp.path()), {}), 0);

  // A folder in the way: the temporary file is written, the rename fails, the temporary goes.
  std::filesystem::create_directory(tmp.file("taken"));
  EXPECT_THROW(trace.write(tmp.file("taken")), InputError);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(tmp.path()), {}), 1);
  EXPECT_TRUE(std::filesystem::is_directory(tmp.file("taken")));

  // An existing file is replaced whole.
  { std::ofstream(tmp.file("old.json")) << "not a trace"; }
  trace.write(tmp.file("old.json"));
  const nlohmann::json doc = nlohmann::json::parse(read_file(tmp.file("old.json")));
  EXPECT_EQ(doc.at("traceEvents").size(), 2u);  // the thread name and the span
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(tmp.path()), {}), 2);
}
