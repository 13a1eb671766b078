// SwmrCxiWriter (cxi_swmr_writer.hpp): every object first (SWMR allows no new ones later), then
// appends whose flush order is the follower's guarantee: a frame counted in frames_written has its
// intensities and translation on disk.
#include "phasis/io/cxi_swmr_writer.hpp"

#include <cmath>
#include <cstdint>

#include "cxi_paths.hpp"
#include "cxi_write_parts.hpp"
#include "phasis/core/error.hpp"
#include "phasis/io/hdf5.hpp"

namespace phasis {

namespace {

// Translation rows per chunk: a row is 24 bytes, and a chunk per row would make the chunk index
// the larger part of the file.
constexpr int64_t kTranslationChunkRows = 256;

[[noreturn]] void bad(const std::string& path, const std::string& field, const std::string& expected, const std::string& found) {
  throw InputError("SWMR CXI writer '" + path + "': " + field + ": expected " + expected + "; found " + found);
}

void check_header(const std::string& path, const stream::Header& h) {
  const int64_t m = h.frame_size;
  if (m < 1) bad(path, "frame_size", "at least 1", std::to_string(m));
  if (h.frames < 0) bad(path, "frames", ">= 0 (0: not known)", std::to_string(h.frames));
  const std::pair<const char*, double> values[] = {{"energy_J", h.geometry.energy_J},
                                                   {"distance_m", h.geometry.distance_m},
                                                   {"pixel_x_m", h.geometry.pixel_x_m},
                                                   {"pixel_y_m", h.geometry.pixel_y_m}};
  for (auto [name, v] : values)
    if (!std::isfinite(v) || v <= 0) bad(path, std::string("geometry.") + name, "a positive, finite value", std::to_string(v));
  if (!h.valid.empty() && h.valid.shape() != Shape{m, m}) bad(path, "valid", "shape " + Shape{m, m}.str() + " or empty", h.valid.shape().str());
  if (!h.probe.empty() && h.probe.shape() != Shape{m, m}) bad(path, "probe", "shape " + Shape{m, m}.str() + " or empty", h.probe.shape().str());
}

}  // namespace

struct SwmrCxiWriter::Impl {
  h5::File file;
  int64_t m = 0, written = 0;
  Impl(const std::string& path, const stream::Header& h) : file(h5::File::create_swmr(path)), m(h.frame_size) {}
};

SwmrCxiWriter::SwmrCxiWriter(const std::string& path, const stream::Header& h) {
  check_header(path, h);
  impl_ = std::make_unique<Impl>(path, h);
  h5::File& f = impl_->file;
  cxi::write_scan_parts(f, h.geometry, h.valid, h.probe, false);
  const int64_t m = h.frame_size;
  // One frame per chunk, as write_cxi: a frame is appended, flushed and read as one chunk.
  f.create_rows<float>(cxi::kData, {m, m}, h.frames, 1);
  f.create_rows<double>(cxi::kTranslation, {3}, h.frames, kTranslationChunkRows);
  cxi::describe_frames(f);
  const int32_t zero = 0;
  f.write(cxi::kFramesWritten, &zero, {1}, {1});
  f.write(cxi::kScanFinished, &zero, {1}, {1});
  f.start_swmr();
}

SwmrCxiWriter::~SwmrCxiWriter() {
  if (!impl_) return;
  try {
    impl_->file.close();
  } catch (const Error&) {  // a destructor reports nothing; finish() is the checked close
  }
}

void SwmrCxiWriter::append(const float* values, const double* xyz, int64_t count) {
  Impl& d = *impl_;
  h5::File& f = d.file;
  if (count <= 0) return;
  const int64_t total = d.written + count;
  if (total > INT32_MAX) bad(f.path(), "frames", "at most 2^31 - 1 in all", std::to_string(total));
  f.append_rows(cxi::kData, count, values);
  f.flush(cxi::kData);
  f.append_rows(cxi::kTranslation, count, xyz);
  f.flush(cxi::kTranslation);
  const int32_t n = int32_t(total);
  f.write_rows(cxi::kFramesWritten, 0, 1, &n);
  f.flush(cxi::kFramesWritten);
  d.written = total;
}

void SwmrCxiWriter::finish() {
  h5::File& f = impl_->file;
  const int32_t one = 1;
  f.write_rows(cxi::kScanFinished, 0, 1, &one);
  f.flush(cxi::kScanFinished);
  f.close();
}

int64_t SwmrCxiWriter::written() const { return impl_->written; }

}  // namespace phasis
