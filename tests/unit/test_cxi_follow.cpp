// Following a CXI file while another process writes it (HDF5 SWMR: io/cxi_follow.hpp,
// io/cxi_swmr_writer.hpp, ptycho/file_source.hpp). The writer is a child process (HDF5 does not let
// one process open a file for writing and for SWMR reading at once); the frames the reader returns
// must be the file's frames exactly, in order.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <mutex>
#include <thread>

#include "phasis/core/error.hpp"
#include "phasis/io/cxi.hpp"
#include "phasis/io/cxi_follow.hpp"
#include "phasis/io/cxi_swmr_writer.hpp"
#include "phasis/io/hdf5.hpp"
#include "ptycho/file_source.hpp"
#include "testing.hpp"

using namespace phasis;
using phasis::testing::TempDir;

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

stream::Header header_of(int64_t n, int64_t m) {
  stream::Header h;
  h.frame_size = m;
  h.geometry = {1.2817e-15, 2.5, 75e-6, 55e-6};
  h.frames = n;
  h.valid = Array<uint8_t>(Shape{m, m});
  for (int64_t i = 0; i < m * m; ++i) h.valid[i] = i % 7 == 3 ? 0 : 1;
  h.probe = Array<Complex<float>>(Shape{m, m});
  for (int64_t i = 0; i < m * m; ++i) h.probe[i] = {0.5f * float(i), -float(i % 11)};
  return h;
}

/// A scan whose every value differs from its neighbours' (fractions too: an exact copy is checked).
struct Scan {
  int64_t n, m;
  std::vector<float> values;  // n x m x m
  std::vector<double> xyz;    // n x 3
  Scan(int64_t n_, int64_t m_) : n(n_), m(m_), values(size_t(n_ * m_ * m_)), xyz(size_t(n_ * 3)) {
    for (size_t i = 0; i < values.size(); ++i) values[i] = float((i * 7919) % 1000) * 0.125f + 1.0f / 3.0f;
    for (int64_t j = 0; j < n; ++j) {
      xyz[size_t(3 * j)] = 1.1e-7 * double(j) - 3e-7;
      xyz[size_t(3 * j + 1)] = -0.7e-7 * double(j % 5);
      xyz[size_t(3 * j + 2)] = 0;
    }
  }
  const float* frame(int64_t j) const { return values.data() + j * m * m; }
};

struct WriterPlan {
  double start_after_s = 0;  // before the file is created
  double between_s = 0;      // after each frame
  bool finish = true;        // mark the end (else the writer stalls for hold_s, file open, then closes)
  double hold_s = 0;
};

/// Writes `scan` into `path` from a child process, one frame per append; returns its pid.
pid_t write_in_child(const std::string& path, const Scan& scan, const WriterPlan& plan) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  int code = 0;
  try {
    std::this_thread::sleep_for(std::chrono::duration<double>(plan.start_after_s));
    SwmrCxiWriter w(path, header_of(scan.n, scan.m));
    for (int64_t j = 0; j < scan.n; ++j) {
      w.append(scan.frame(j), scan.xyz.data() + 3 * j, 1);
      std::this_thread::sleep_for(std::chrono::duration<double>(plan.between_s));
    }
    if (plan.finish) w.finish();
    else std::this_thread::sleep_for(std::chrono::duration<double>(plan.hold_s));
  } catch (...) {
    code = 1;
  }
  _exit(code);  // no atexit handlers or destructors of the parent's objects
}

void expect_child_ok(pid_t pid) {
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the writer failed";
}

/// Notes from the source's thread.
class Notes final : public exec::EventSink {
 public:
  void note(const std::string& text) override {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.push_back(text);
  }
  std::vector<std::string> lines() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

/// Takes frames from `source` until it is finished(silence_s) (at most `limit_s`).
std::vector<stream::Frame> drain(FrameSource& source, double silence_s, double limit_s = 30) {
  std::vector<stream::Frame> all;
  const auto t0 = Clock::now();
  for (;;) {
    const bool done = source.finished(silence_s);  // before take(): then take() holds every frame
    for (stream::Frame& f : source.take()) all.push_back(std::move(f));
    if (done || since(t0) > limit_s) return all;
    source.wait_frames(int64_t(all.size()) + 1, silence_s);
  }
}

void expect_frames_equal_file(const std::vector<stream::Frame>& got, const std::vector<int64_t>& indices, const PtychoData& file) {
  const int64_t m = file.intensities.shape()[1];
  ASSERT_EQ(got.size(), indices.size());
  for (size_t k = 0; k < got.size(); ++k) {
    const int64_t j = indices[k];
    EXPECT_EQ(got[k].index, j);
    EXPECT_EQ(got[k].x_m, file.translations[3 * j]);
    EXPECT_EQ(got[k].y_m, file.translations[3 * j + 1]);
    ASSERT_EQ(int64_t(got[k].intensities.size()), m * m);
    const std::vector<float> expected(file.intensities.data() + j * m * m, file.intensities.data() + (j + 1) * m * m);
    EXPECT_EQ(got[k].intensities, expected) << "frame " << j;
  }
}

}  // namespace

TEST(CxiFollow, ReadsTheFramesWhileTheyAreWritten) {
  TempDir tmp;
  const std::string path = tmp.file("growing.cxi");
  const Scan scan(40, 16);
  // The file appears only after the reader started waiting for it: the open retries.
  const pid_t child = write_in_child(path, scan, {.start_after_s = 0.3, .between_s = 0.01});
  FollowOpen o;
  o.timeout_s = 20;
  CxiFollower follower(path, o);
  const stream::Header expected = header_of(scan.n, scan.m);
  EXPECT_EQ(follower.header().frame_size, 16);
  EXPECT_EQ(follower.header().frames, 40);  // the frames' maximum extent
  EXPECT_EQ(follower.header().geometry.distance_m, expected.geometry.distance_m);
  EXPECT_EQ(follower.header().geometry.pixel_y_m, expected.geometry.pixel_y_m);
  ASSERT_EQ(follower.header().valid.size(), 256);
  ASSERT_EQ(follower.header().probe.size(), 256);
  for (int64_t i = 0; i < 256; ++i) {
    EXPECT_EQ(follower.header().valid[i], expected.valid[i]);
    EXPECT_EQ(follower.header().probe[i].re, expected.probe[i].re);
    EXPECT_EQ(follower.header().probe[i].im, expected.probe[i].im);
  }

  std::vector<stream::Frame> got;
  int polls_with_frames = 0;
  const auto t0 = Clock::now();
  for (bool finished = false; !finished && since(t0) < 30;) {
    CxiFollower::Poll p = follower.poll(8);  // at most 8 a poll: the rest come at the next
    EXPECT_LE(p.frames.size(), 8u);
    EXPECT_TRUE(p.dropped.empty());
    polls_with_frames += !p.frames.empty();
    for (stream::Frame& f : p.frames) got.push_back(std::move(f));
    finished = p.finished;
    if (!finished) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  expect_child_ok(child);
  EXPECT_EQ(follower.read(), 40);
  // 40 frames over ~0.4 s polled every 20 ms: they came in pieces, while the file grew.
  EXPECT_GE(polls_with_frames, 5);

  // Exactly what the writer wrote, and what the finished file holds (read as any CXI file).
  std::vector<int64_t> all(40);
  for (int64_t j = 0; j < 40; ++j) all[size_t(j)] = j;
  const PtychoData file = CxiReader(path).read_all();
  expect_frames_equal_file(got, all, file);
  for (size_t k = 0; k < got.size(); ++k) {
    EXPECT_EQ(got[k].intensities, std::vector<float>(scan.frame(int64_t(k)), scan.frame(int64_t(k)) + 256));
    EXPECT_EQ(got[k].x_m, scan.xyz[3 * k]);
  }
}

TEST(CxiFollow, SourceEndsBySilenceWhenTheFileStopsGrowing) {
  TempDir tmp;
  const std::string path = tmp.file("stalled.cxi");
  const Scan scan(5, 8);
  // Five frames, no end mark, the file held open for a while: a writer that stalled.
  const pid_t child = write_in_child(path, scan, {.finish = false, .hold_s = 3});
  FileFollowSource source(path, nullptr, 0.02);
  ASSERT_TRUE(source.wait_header(10));
  EXPECT_EQ(source.header().frames, 5);
  const auto t0 = Clock::now();
  const std::vector<stream::Frame> got = drain(source, 0.5);
  const double waited = since(t0);
  const StreamStats s = source.stats();
  EXPECT_TRUE(s.went_silent);
  EXPECT_FALSE(s.ended);
  EXPECT_EQ(s.received, 5);
  EXPECT_EQ(s.expected, 5);
  EXPECT_GE(waited, 0.5);
  EXPECT_LT(waited, 2.9) << "silence must end it while the writer still holds the file";
  EXPECT_TRUE(source.finished(0.5));
  expect_child_ok(child);
  std::vector<int64_t> indices{0, 1, 2, 3, 4};
  expect_frames_equal_file(got, indices, CxiReader(path).read_all());
}

TEST(CxiFollow, MalformedFramesAreDroppedCountedAndReported) {
  TempDir tmp;
  const std::string path = tmp.file("bad.cxi");
  Scan scan(6, 8);
  scan.values[size_t(2 * 64 + 1 * 8 + 3)] = std::numeric_limits<float>::quiet_NaN();  // frame 2, pixel (1, 3)
  scan.values[size_t(4 * 64 + 10)] = -1.5f;                                         // frame 4, pixel (1, 2)
  const pid_t child = write_in_child(path, scan, {.between_s = 0.01});
  Notes notes;
  FileFollowSource source(path, &notes, 0.02);
  ASSERT_TRUE(source.wait_header(10));
  const std::vector<stream::Frame> got = drain(source, 5);
  expect_child_ok(child);
  const StreamStats s = source.stats();
  EXPECT_TRUE(s.ended);
  EXPECT_FALSE(s.went_silent);
  EXPECT_EQ(s.received, 4);
  EXPECT_EQ(s.malformed, 2);
  EXPECT_EQ(s.duplicates, 0);
  ASSERT_EQ(got.size(), 4u);
  const int64_t kept[] = {0, 1, 3, 5};
  for (size_t k = 0; k < 4; ++k) {
    EXPECT_EQ(got[k].index, kept[k]);
    EXPECT_EQ(got[k].intensities, std::vector<float>(scan.frame(kept[k]), scan.frame(kept[k]) + 64));
  }
  const std::vector<std::string> lines = notes.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("dropped frame 2: expected finite non-negative intensities; found nan at pixel (1, 3)"), std::string::npos)
      << lines[0];
  EXPECT_NE(lines[1].find("dropped frame 4: expected finite non-negative intensities; found -1.5 at pixel (1, 2)"), std::string::npos)
      << lines[1];
  for (const std::string& line : lines) EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(CxiFollow, MissingFileIsAnInputErrorAfterTheTimeout) {
  TempDir tmp;
  const std::string path = tmp.file("never.cxi");
  FollowOpen o;
  o.timeout_s = 0.3;
  const auto t0 = Clock::now();
  try {
    CxiFollower follower(path, o);
    FAIL() << "a missing file opened";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("within 0.3 s"), std::string::npos) << what;
    EXPECT_NE(what.find("no such file"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
  EXPECT_GE(since(t0), 0.3);
  EXPECT_LT(since(t0), 5.0);
  // The source reports the same error from wait_header.
  FileFollowSource source(path, nullptr);
  EXPECT_THROW(source.wait_header(0.2), InputError);
}

TEST(CxiFollow, FileHeldByAWriterNotInSwmrModeIsAnInputErrorAfterTheTimeout) {
  TempDir tmp;
  const std::string path = tmp.file("locked.cxi");
  const pid_t pid = fork();
  if (pid == 0) {
    h5::File f = h5::File::create(path);  // an ordinary writer: the file stays locked
    std::this_thread::sleep_for(std::chrono::seconds(2));
    f.close();
    _exit(0);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  FollowOpen o;
  o.timeout_s = 0.5;
  try {
    CxiFollower follower(path, o);
    FAIL() << "a locked file opened";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("for SWMR reading"), std::string::npos) << what;
    EXPECT_NE(what.find("within 0.5 s"), std::string::npos) << what;
  }
  expect_child_ok(pid);
}

TEST(CxiFollow, LayoutErrorsNameTheDataset) {
  TempDir tmp;
  const std::string path = tmp.file("nodata.cxi");
  {
    h5::File f = h5::File::create(path);
    f.write_scalar("entry_1/instrument_1/source_1/energy", 1e-15);
    f.close();
  }
  try {
    CxiFollower follower(path);
    FAIL() << "a file without frames opened";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("entry_1/data_1/data: expected a dataset"), std::string::npos) << e.what();
  }
}

TEST(CxiFollow, ReplayToFileIsFollowedFrameForFrame) {
  TempDir tmp;
  const std::string in = tmp.file("scan.cxi"), out = tmp.file("live.cxi");
  PtychoData data;
  const int64_t n = 30, m = 16;
  const Scan scan(n, m);
  data.intensities = Array<float>(Shape{n, m, m});
  for (int64_t i = 0; i < data.intensities.size(); ++i) data.intensities[i] = scan.values[size_t(i)];
  data.translations = Array<double>(Shape{n, 3});
  for (int64_t i = 0; i < n * 3; ++i) data.translations[i] = scan.xyz[size_t(i)];
  stream::Header h = header_of(n, m);
  data.geometry = h.geometry;
  data.valid = std::move(h.valid);
  data.probe = std::move(h.probe);
  write_cxi(in, data, nullptr);

  phasis::testing::RunResult run;
  std::thread replay([&] { run = phasis::testing::run_phasis("ptycho replay '" + in + "' --to 'file:" + out + "' --rate 100"); });
  Notes notes;
  FileFollowSource source(out, &notes);
  ASSERT_TRUE(source.wait_header(30));
  const std::vector<stream::Frame> got = drain(source, 10);
  replay.join();
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("wrote 30 frames"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("marked the scan finished"), std::string::npos) << run.out;
  const StreamStats s = source.stats();
  EXPECT_TRUE(s.ended);
  EXPECT_EQ(s.received, 30);
  EXPECT_EQ(s.malformed, 0);
  EXPECT_TRUE(notes.lines().empty());
  for (size_t k = 1; k < got.size(); ++k) {  // stamped when accepted, in order
    EXPECT_GT(got[k - 1].arrived, 0);
    EXPECT_LE(got[k - 1].arrived, got[k].arrived);
  }
  // At 100 frames/s the 30 frames took ~0.3 s: the reader saw them arrive over that time.
  EXPECT_GT(s.last_frame_s - s.first_frame_s, 0.1);
  std::vector<int64_t> all(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) all[size_t(j)] = j;
  expect_frames_equal_file(got, all, CxiReader(in).read_all());
  expect_frames_equal_file(got, all, CxiReader(out).read_all());

  // The input itself is refused as the output.
  const phasis::testing::RunResult self = phasis::testing::run_phasis("ptycho replay '" + in + "' --to 'file:" + in + "'");
  EXPECT_EQ(self.exit_code, 2);
  EXPECT_NE(self.err.find("expected a file other than the input"), std::string::npos) << self.err;
}
