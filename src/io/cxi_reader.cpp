// CxiReader: opens a CXI file, checks its layout once, then reads frames in hyperslabs.
#include <algorithm>
#include <cmath>
#include <vector>

#include "cxi_layout.hpp"
#include "cxi_paths.hpp"
#include "phasis/core/error.hpp"
#include "phasis/io/cxi.hpp"
#include "phasis/io/hdf5.hpp"

namespace phasis {

namespace {

constexpr double kPlanck = 6.62607015e-34;      // J s, exact in the SI
constexpr double kSpeedOfLight = 299792458.0;   // m / s, exact in the SI
// Frames per hyperslab in read_all: large reads for throughput, bounded so HDF5's conversion
// buffers stay small next to the one output array.
constexpr int64_t kReadChunkBytes = 64 << 20;

}  // namespace

double PtychoGeometry::wavelength_m() const { return kPlanck * kSpeedOfLight / energy_J; }

double PtychoGeometry::object_pixel_x_m(int64_t frame_size) const {
  return wavelength_m() * distance_m / (double(frame_size) * pixel_x_m);
}

double PtychoGeometry::object_pixel_y_m(int64_t frame_size) const {
  return wavelength_m() * distance_m / (double(frame_size) * pixel_y_m);
}

struct CxiReader::Impl {
  h5::File file;
  int64_t n = 0;  // frames
  int64_t m = 0;  // frame side
  int translation_columns = 3;
  PtychoGeometry geometry;
  bool has_mask = false;
  bool has_probe = false;
  std::string probe_path;  // the dataset the probe comes from
  bool has_truth = false;

  explicit Impl(const std::string& path) : file(h5::File::open_read(path)) {}

  [[noreturn]] void fail(const std::string& what, const std::string& expected, const std::string& found) const {
    cxi::fail(file, what, expected, found);
  }

  void validate() {
    for (const char* p : {cxi::kData, cxi::kTranslation, cxi::kEnergy, cxi::kDistance, cxi::kPixelX, cxi::kPixelY})
      cxi::require(file, p);
    const cxi::FramesShape frames = cxi::check_frames(file, 1);
    n = frames.n;
    m = frames.m;
    translation_columns = cxi::check_translations(file, n);
    geometry = cxi::read_geometry(file);
    has_mask = cxi::check_mask(file, m);
    probe_path = cxi::find_probe(file, m);
    has_probe = !probe_path.empty();
    has_truth = file.exists(cxi::kTruthObject) && file.exists(cxi::kTruthProbe);
  }
};

CxiReader::CxiReader(const std::string& path) {
  // The layout's lookups first in a child: a damaged file that crashes libhdf5 there is an
  // InputError (hdf5_probe.cpp), then for real.
  h5::run_isolated(path, [&] { Impl(path).validate(); });
  impl_ = std::make_unique<Impl>(path);
  impl_->validate();
}

CxiReader::~CxiReader() = default;

int64_t CxiReader::frames() const { return impl_->n; }
int64_t CxiReader::frame_size() const { return impl_->m; }
PtychoGeometry CxiReader::geometry() const { return impl_->geometry; }
bool CxiReader::has_truth() const { return impl_->has_truth; }

Array<double> CxiReader::translations() const {
  Array<double> out(Shape{impl_->n, 3});
  cxi::read_translations(impl_->file, impl_->translation_columns, 0, impl_->n, out.data());
  return out;
}

void CxiReader::read_frames(int64_t begin, int64_t end, float* dst) const {
  impl_->file.read_rows(cxi::kData, begin, end, dst);
}

Array<uint8_t> CxiReader::valid_mask() const {
  return impl_->has_mask ? cxi::read_valid(impl_->file, impl_->m) : Array<uint8_t>();
}

Array<Complex<float>> CxiReader::initial_probe() const {
  return impl_->has_probe ? cxi::read_probe(impl_->file, impl_->probe_path, impl_->m) : Array<Complex<float>>();
}

std::string CxiReader::probe_source() const { return impl_->probe_path; }

ProbeFile read_probe_file(const std::string& path, int64_t m) {
  h5::run_isolated(path, [&] {  // the lookups first in a child, as CxiReader's
    const h5::File g = h5::File::open_read(path);
    for (const char* at : {cxi::kIllumination, cxi::kProbeData, "probe"})
      if (g.exists(at)) (void)g.shape(at);
  });
  const h5::File file = h5::File::open_read(path);
  // CXI's locations, then a phasis result's "probe".
  for (const char* at : {cxi::kIllumination, cxi::kProbeData, "probe"}) {
    if (!file.exists(at)) continue;
    cxi::check_probe(file, at, m);
    return {cxi::read_probe(file, at, m), path + ":" + at};
  }
  throw InputError(h5::message(path, "probe", std::string("a probe at ") + cxi::kIllumination + ", " + cxi::kProbeData +
                                                  " or probe (a phasis result)", "none of them"));
}

PtychoTruth CxiReader::truth() const {
  const Impl& d = *impl_;
  if (!d.has_truth) d.fail(cxi::kTruth, "ground truth datasets object and probe", "none");
  PtychoTruth t;
  t.object = d.file.read_array<Complex<float>>(cxi::kTruthObject);
  if (t.object.shape().rank != 2)
    d.fail(cxi::kTruthObject, "rank 2 (H, W)", "shape " + t.object.shape().str());
  t.probe = d.file.read_array<Complex<float>>(cxi::kTruthProbe);
  const Shape& tp = t.probe.shape();
  const bool modes = tp.rank == 3 && tp[0] >= 1 && tp[1] == d.m && tp[2] == d.m;
  if (tp != Shape{d.m, d.m} && !modes)
    d.fail(cxi::kTruthProbe, "shape " + cxi::shape_str({d.m, d.m}) + " (or K modes of it)", tp.str());
  if (d.file.exists(cxi::kTruthOrigin)) {
    double origin[2];
    d.file.read(cxi::kTruthOrigin, origin, 2);
    t.origin_y = origin[0];
    t.origin_x = origin[1];
  }
  return t;
}

PtychoData CxiReader::read_all() const {
  std::vector<int64_t> all(impl_->n);
  for (int64_t j = 0; j < impl_->n; ++j) all[j] = j;
  return read_part(all);
}

PtychoData CxiReader::read_part(const std::vector<int64_t>& frames) const {
  const Impl& d = *impl_;
  PtychoData out;
  out.geometry = d.geometry;

  out.translations = translations();
  for (int64_t i = 0; i < d.n; ++i)
    for (int k = 0; k < 3; ++k)
      if (!std::isfinite(out.translations[3 * i + k]))
        d.fail(cxi::kTranslation, "finite translations",
               cxi::number_str(out.translations[3 * i + k]) + " at frame " + std::to_string(i) + ", column " +
                   std::to_string(k));

  const int64_t frame = d.m * d.m, n = int64_t(frames.size());
  for (int64_t i = 0; i < n; ++i)
    if (frames[i] < 0 || frames[i] >= d.n || (i > 0 && frames[i] <= frames[i - 1]))
      throw InternalError("read_part: frame indices must ascend within [0, " + std::to_string(d.n) + ")");
  out.intensities = Array<float>(Shape{n, d.m, d.m});
  const int64_t step = std::max<int64_t>(1, kReadChunkBytes / (frame * int64_t(sizeof(float))));
  for (int64_t begin = 0; begin < n;) {
    // A run of consecutive frames, at most `step` long.
    int64_t end = begin + 1;
    while (end < n && end - begin < step && frames[end] == frames[end - 1] + 1) ++end;
    float* dst = out.intensities.data() + begin * frame;
    read_frames(frames[begin], frames[begin] + (end - begin), dst);
    // Checked per chunk, while the chunk is still in cache.
    if (const int64_t i = cxi::first_bad_intensity(dst, (end - begin) * frame); i >= 0) {
      const int64_t f = frames[begin] + i / frame, y = (i % frame) / d.m, x = i % d.m;
      d.fail(cxi::kData, "finite, non-negative intensities",
             cxi::number_str(dst[i]) + " at frame " + std::to_string(f) + ", pixel (" + std::to_string(y) + ", " +
                 std::to_string(x) + ")");
    }
    begin = end;
  }

  out.valid = valid_mask();
  out.probe = initial_probe();
  out.probe_source = d.probe_path;
  return out;
}

}  // namespace phasis
