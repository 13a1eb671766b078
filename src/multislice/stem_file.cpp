// StemFileWriter (outputs.hpp): a STEM result file written batch by batch. The per-position
// datasets are made at full size when the file is created (contiguous, allocated at once, so that
// writing rows later touches no metadata) and each completed
// batch's rows are written and flushed with the count of batches done, so the partial file is a
// consistent record of the run at every moment: a run killed or stopped resumes from it.
#include <algorithm>
#include <filesystem>

#include "multislice/simulation_contents.hpp"
#include "phasis/core/error.hpp"
#include "phasis/io/hdf5.hpp"
#include "phasis/multislice/outputs.hpp"

namespace phasis::ms {
namespace {

std::vector<int64_t> reading_dims(const Simulation& s, const Detector& d, int64_t n) {
  if (d.type == DetectorType::segmented) return {n, d.ring.rings, d.ring.segments};
  if (d.type == DetectorType::pixelated) {
    const auto [my, mx] = angle_crop_shape(s.grid, s.energy, d.max_angle);
    return {n, my, mx};
  }
  return {n};
}

}  // namespace

PartialStem read_partial_stem(const std::string& path) {
  h5::File f = h5::File::open_read(path);
  if (!f.exists("run") || !f.has_attr("run", "identity") || !f.exists("run/batches_done"))
    throw InputError("resume '" + path + "': expected a partial result of phasis multislice run (its group run); found none");
  PartialStem p;
  p.identity = f.read_attr_string("run", "identity");
  p.batch = int64_t(f.read_attr_double("run", "batch"));
  p.batches = int64_t(f.read_attr_double("run", "batches"));
  p.batches_done = int64_t(f.read_scalar("run/batches_done"));
  return p;
}

StemFileWriter::StemFileWriter(const std::string& partial, const Simulation& s, const Chunking& c, const std::string& identity,
                               bool resume)
    : path_(partial), s_(s), batch_(c.batch), batches_(c.batches) {
  const int64_t n = int64_t(s.positions.size());
  if (resume) {
    const PartialStem p = read_partial_stem(partial);
    if (p.identity != identity)
      throw InputError("resume '" + partial + "': expected a partial result of this configuration; found one of another "
                       "(its physics, scan or detectors differ)");
    if (p.batch != c.batch || p.batches != c.batches)
      throw InputError("resume '" + partial + "': expected batches of " + std::to_string(c.batch) + " positions; found " +
                       std::to_string(p.batch));
    done_ = p.batches_done;
    file_ = std::make_unique<h5::File>(h5::File::open_write(partial));
    return;
  }
  file_ = std::make_unique<h5::File>(h5::File::create(partial));
  fresh_ = true;
  h5::File& f = *file_;
  f.create_groups("run");
  f.write_attr("run", "identity", identity);
  f.write_attr("run", "batch", double(c.batch));
  f.write_attr("run", "batches", double(c.batches));
  // A dataset, not an attribute: updating it writes data only, never the file's metadata.
  const double none = 0;
  f.write<double>("run/batches_done", nullptr, {1});
  f.write_rows("run/batches_done", 0, 1, &none);
  f.create_groups("stem");
  Array<double> pos(Shape{n, 2});
  for (int64_t j = 0; j < n; ++j) pos[2 * j] = s.positions[std::size_t(j)].first, pos[2 * j + 1] = s.positions[std::size_t(j)].second;
  f.write("stem/positions", pos);
  std::vector<double> shape{double(s.scan_shape[0]), double(s.scan_shape[1])};
  f.write("stem/scan_shape", shape.data(), {2});
  for (const Detector& d : s.detectors) {
    const std::string ds = "stem/" + d.name;
    f.write<double>(ds, nullptr, reading_dims(s, d, n));
    f.write_attr(ds, "type", detector_type_name(d.type));
    f.write_attr(ds, "parameters", detector_parameters(d));
  }
  f.write<double>("stem/lost_beyond_aperture", nullptr, {n});
  f.flush();
}

StemFileWriter::~StemFileWriter() {
  if (!fresh_ || !file_) return;
  file_.reset();
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}
StemFileWriter::StemFileWriter(StemFileWriter&& o) noexcept
    : path_(std::move(o.path_)), s_(o.s_), batch_(o.batch_), batches_(o.batches_), done_(o.done_), fresh_(o.fresh_),
      file_(std::move(o.file_)) {
  o.fresh_ = false;
}

void StemFileWriter::write(const StemBatch& b) {
  h5::File& f = *file_;
  if (b.index != done_)
    throw InternalError("stem file: expected batch " + std::to_string(done_) + " next; found " + std::to_string(b.index));
  for (std::size_t d = 0; d < s_.detectors.size(); ++d)
    f.write_rows("stem/" + s_.detectors[d].name, b.first, b.first + b.count, b.readings[d].data());
  if (!b.lost.empty()) f.write_rows("stem/lost_beyond_aperture", b.first, b.first + b.count, b.lost.data());
  // The count last: a kill between the rows and the count only repeats this batch on resume.
  f.flush();
  const double done = double(++done_);
  f.write_rows("run/batches_done", 0, 1, &done);
  f.flush();
  fresh_ = false;
}

void StemFileWriter::load(SimulationResult& r, bool all) const {
  const h5::File& f = *file_;
  const int64_t n = int64_t(s_.positions.size());
  r.readings.resize(s_.detectors.size());
  for (std::size_t d = 0; d < s_.detectors.size(); ++d) {
    const bool small = s_.detectors[d].type == DetectorType::annular;
    if (small || all) r.readings[d] = f.read_array<double>("stem/" + s_.detectors[d].name);  // else: as the run kept it
  }
  r.lost_beyond_aperture = f.read_array<double>("stem/lost_beyond_aperture");
  const std::size_t p = first_pixelated(s_);
  if (p == s_.detectors.size()) return;
  // The mean pattern in position order, batch by batch (memory: one batch of patterns).
  const std::vector<int64_t> dims = reading_dims(s_, s_.detectors[p], n);
  const int64_t frame = dims[1] * dims[2];
  r.mean_pattern = Array<double>(Shape{dims[1], dims[2]});
  r.mean_pattern.zero();
  std::vector<double> rows(std::size_t(std::min(batch_, n) * frame));
  for (int64_t j0 = 0; j0 < n; j0 += batch_) {
    const int64_t nb = std::min(batch_, n - j0);
    f.read_rows("stem/" + s_.detectors[p].name, j0, j0 + nb, rows.data());
    for (int64_t j = 0; j < nb; ++j)
      for (int64_t i = 0; i < frame; ++i) r.mean_pattern[i] += rows[std::size_t(j * frame + i)] / double(n);
  }
}

void StemFileWriter::finish(const std::string& path, const SimulationResult& r, const std::string& parameters_json) {
  h5::File& f = *file_;
  if (done_ != batches_)
    throw InternalError("stem file: expected all " + std::to_string(batches_) + " batches before finishing; found " +
                        std::to_string(done_));
  SimulationResult whole;
  load(whole, false);
  if (!whole.mean_pattern.empty()) f.write("stem/mean_diffraction", whole.mean_pattern);
  const Array<double>& lost = whole.lost_beyond_aperture;
  double mean = 0, most = 0;
  for (int64_t i = 0; i < lost.size(); ++i) mean += lost[i] / double(lost.size()), most = std::max(most, lost[i]);
  f.write_attr("/", "lost_beyond_aperture_mean", mean);
  f.write_attr("/", "lost_beyond_aperture_max", most);
  write_contents(f, s_, r, parameters_json, true);
  f.close();
  file_.reset();
  std::error_code ec;
  std::filesystem::rename(path_, path, ec);
  if (ec) throw InputError("cannot write '" + path + "': " + ec.message() + " (the result is complete in '" + path_ + "')");
}

}  // namespace phasis::ms
