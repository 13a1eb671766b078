// CxiFollower (cxi_follow.hpp): the open that waits for the writer, the layout checks CxiReader
// makes (cxi_layout.hpp), and polls that read only what the writer has finished.
#include "phasis/io/cxi_follow.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>

#include "cxi_layout.hpp"
#include "cxi_paths.hpp"
#include "phasis/core/error.hpp"
#include "phasis/io/hdf5.hpp"

namespace phasis {

namespace {

std::string seconds_str(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

/// open_swmr_read until it succeeds; its reasons (no such file, not HDF5 yet, locked by a writer
/// not yet in SWMR mode) all pass with time, so each is retried until the deadline.
h5::File open_when_ready(const std::string& path, const FollowOpen& o) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.timeout_s));
  const auto pause = std::chrono::duration<double>(std::max(o.retry_s, 0.001));
  for (;;) {
    std::string why;
    try {
      return h5::File::open_swmr_read(path);
    } catch (const InputError& e) {
      why = e.what();
    }
    if (o.stop && o.stop()) throw InputError("'" + path + "': stopped on request while waiting for it to open (" + why + ")");
    if (Clock::now() >= deadline)
      throw InputError("'" + path + "': expected a CXI file that opens for SWMR reading (its writer in SWMR mode, or done) within " +
                       seconds_str(o.timeout_s) + " s; found: " + why);
    std::this_thread::sleep_for(pause);
  }
}

/// A one-element progress dataset (frames_written, scan_finished), as read now.
int64_t progress_value(const h5::File& file, const char* dset) {
  file.refresh(dset);
  const double v = file.read_scalar(dset);
  if (!std::isfinite(v) || v < 0 || v != std::floor(v))
    cxi::fail(file, dset, "a whole number >= 0", cxi::number_str(v));
  return int64_t(v);
}

}  // namespace

struct CxiFollower::Impl {
  h5::File file;
  stream::Header header;
  int columns = 3;
  bool has_counter = false, has_finished = false;
  int64_t next = 0;  // the first frame not read yet

  Impl(const std::string& path, const FollowOpen& o) : file(open_when_ready(path, o)) {
    // Every object exists before the writer starts SWMR writing (no new ones may come after), so
    // whatever is missing or misshapen now stays so: the checks are final.
    for (const char* p : {cxi::kData, cxi::kTranslation, cxi::kEnergy, cxi::kDistance, cxi::kPixelX, cxi::kPixelY})
      cxi::require(file, p);
    const int64_t m = cxi::check_frames(file, 0).m;
    columns = cxi::check_translations(file, -1);
    header.frame_size = m;
    header.dtype = stream::Dtype::float32;
    header.geometry = cxi::read_geometry(file);
    header.frames = std::max<int64_t>(0, file.max_rows(cxi::kData));
    if (cxi::check_mask(file, m)) header.valid = cxi::read_valid(file, m);
    if (const std::string at = cxi::find_probe(file, m); !at.empty()) header.probe = cxi::read_probe(file, at, m);
    has_counter = file.exists(cxi::kFramesWritten);
    has_finished = file.exists(cxi::kScanFinished);
    if (has_counter) (void)progress_value(file, cxi::kFramesWritten);
    if (has_finished) (void)progress_value(file, cxi::kScanFinished);
  }

  /// Frames whose intensities and translation are both there. The writer flushes the frames, then
  /// the translations, then the counter; reading in the opposite order means the datasets seen are
  /// at least as new as the count.
  int64_t complete() const {
    const int64_t written = has_counter ? progress_value(file, cxi::kFramesWritten) : -1;
    file.refresh(cxi::kData);
    file.refresh(cxi::kTranslation);
    int64_t n = std::min(file.shape(cxi::kData).at(0), file.shape(cxi::kTranslation).at(0));
    if (written >= 0) n = std::min(n, written);
    return n;
  }

  /// One line for a frame that fails a stream frame's checks; empty when it passes.
  std::string problem(int64_t j, const double* xyz, const float* v) const {
    const std::string which = "frame " + std::to_string(j);
    for (int k = 0; k < 3; ++k)
      if (!std::isfinite(xyz[k]))
        return which + ": expected a finite translation; found " + cxi::number_str(xyz[k]) + " in column " + std::to_string(k);
    const int64_t m = header.frame_size;
    if (const int64_t i = cxi::first_bad_intensity(v, m * m); i >= 0)
      return which + ": expected finite non-negative intensities; found " + cxi::number_str(v[i]) + " at pixel (" +
             std::to_string(i / m) + ", " + std::to_string(i % m) + ")";
    return {};
  }
};

CxiFollower::CxiFollower(const std::string& path, const FollowOpen& o) : impl_(std::make_unique<Impl>(path, o)) {}
CxiFollower::~CxiFollower() = default;

const stream::Header& CxiFollower::header() const { return impl_->header; }
const std::string& CxiFollower::path() const { return impl_->file.path(); }
int64_t CxiFollower::read() const { return impl_->next; }

CxiFollower::Poll CxiFollower::poll(int64_t max_frames) {
  Impl& d = *impl_;
  // The end mark before the count: a count read after seeing the mark is the final one.
  const bool marked = d.has_finished && progress_value(d.file, cxi::kScanFinished) != 0;
  const int64_t complete = d.complete();
  const int64_t end = max_frames > 0 ? std::min(complete, d.next + max_frames) : complete;
  Poll out;
  if (end > d.next) {
    const int64_t m = d.header.frame_size, pix = m * m, count = end - d.next;
    std::vector<float> values(size_t(count * pix));
    std::vector<double> xyz(size_t(count * 3));
    d.file.read_rows(cxi::kData, d.next, end, values.data());
    cxi::read_translations(d.file, d.columns, d.next, end, xyz.data());
    for (int64_t i = 0; i < count; ++i) {
      const float* v = values.data() + i * pix;
      const int64_t j = d.next + i;
      if (std::string why = d.problem(j, &xyz[size_t(3 * i)], v); !why.empty()) {
        out.dropped.push_back(std::move(why));
        continue;
      }
      stream::Frame f;
      f.index = j;
      f.x_m = xyz[size_t(3 * i)];
      f.y_m = xyz[size_t(3 * i + 1)];
      f.intensities.assign(v, v + pix);
      out.frames.push_back(std::move(f));
    }
    d.next = end;
  }
  out.finished = marked && d.next >= complete;
  return out;
}

}  // namespace phasis
