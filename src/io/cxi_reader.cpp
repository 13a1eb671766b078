// CxiReader: opens a CXI file, checks its layout once, then reads frames in hyperslabs.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

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

/// A number as it should appear in an error message: "nan", "-inf", "-0.5", "1.2e-10".
std::string number_str(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string shape_str(const std::vector<int64_t>& s) {
  if (s.empty()) return "scalar";
  std::string out = "(";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + ")";
}

/// A probe dataset: M x M, or K x M x M modes (mode 0 is used), of complex numbers.
void check_probe(const h5::File& file, const char* at, int64_t m) {
  const std::vector<int64_t> s = file.shape(at);
  const bool frame = s == std::vector<int64_t>{m, m}, modes = s.size() == 3 && s[0] >= 1 && s[1] == m && s[2] == m;
  if (!frame && !modes)
    throw InputError(h5::message(file.path(), at, "shape " + shape_str({m, m}) + " or (K, " + std::to_string(m) + ", " +
                                                      std::to_string(m) + "), the frames' shape",
                                 shape_str(s)));
  if (!file.is_complex(at))
    throw InputError(h5::message(file.path(), at, "complex numbers (compound {r, i} of floats)", file.type_name(at)));
}

/// Mode 0 of a probe read as M x M or K x M x M.
Array<Complex<float>> first_mode(Array<Complex<float>>&& probe, int64_t m) {
  if (probe.shape().rank == 2) return std::move(probe);
  Array<Complex<float>> one(Shape{m, m});
  for (int64_t i = 0; i < m * m; ++i) one[i] = probe[i];
  return one;
}

bool is_real_class(h5::TypeClass c) { return c == h5::TypeClass::floating || c == h5::TypeClass::integer; }

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
    throw InputError(h5::message(file.path(), what, expected, found));
  }

  void require(const char* dset) const {
    if (!file.exists(dset)) fail(dset, "a dataset", "nothing at that path");
  }

  /// A scalar (or one-element) dataset that must be positive and finite.
  double positive(const char* dset) const {
    double v = file.read_scalar(dset);
    if (!std::isfinite(v) || v <= 0) fail(dset, "a positive, finite value", number_str(v));
    return v;
  }

  /// An optional M x M dataset; false when absent.
  bool frame_shaped(const char* dset) const {
    if (!file.exists(dset)) return false;
    std::vector<int64_t> s = file.shape(dset);
    if (s != std::vector<int64_t>{m, m})
      fail(dset, "shape " + shape_str({m, m}) + ", the frames' shape", shape_str(s));
    return true;
  }

  void validate() {
    for (const char* p : {cxi::kData, cxi::kTranslation, cxi::kEnergy, cxi::kDistance, cxi::kPixelX, cxi::kPixelY})
      require(p);

    std::vector<int64_t> ds = file.shape(cxi::kData);
    if (ds.size() != 3) fail(cxi::kData, "rank 3 (N, M, M)", "rank " + std::to_string(ds.size()) + " " + shape_str(ds));
    if (ds[1] != ds[2]) fail(cxi::kData, "square frames (N, M, M)", shape_str(ds));
    if (ds[0] < 1 || ds[1] < 1) fail(cxi::kData, "at least one frame of at least one pixel", shape_str(ds));
    if (!is_real_class(file.type_class(cxi::kData)))
      fail(cxi::kData, "real intensities", file.type_name(cxi::kData));
    n = ds[0];
    m = ds[1];

    std::vector<int64_t> ts = file.shape(cxi::kTranslation);
    if (ts.size() != 2 || ts[0] != n || (ts[1] != 3 && ts[1] != 2))
      fail(cxi::kTranslation, "shape (" + std::to_string(n) + ", 3), one (x, y, z) per frame", shape_str(ts));
    if (!is_real_class(file.type_class(cxi::kTranslation)))
      fail(cxi::kTranslation, "real numbers", file.type_name(cxi::kTranslation));
    translation_columns = static_cast<int>(ts[1]);

    geometry.energy_J = positive(cxi::kEnergy);
    geometry.distance_m = positive(cxi::kDistance);
    geometry.pixel_x_m = positive(cxi::kPixelX);
    geometry.pixel_y_m = positive(cxi::kPixelY);

    has_mask = frame_shaped(cxi::kMask);
    if (has_mask) {
      h5::TypeClass c = file.type_class(cxi::kMask);
      if (c != h5::TypeClass::integer && c != h5::TypeClass::enumeration)
        fail(cxi::kMask, "integer CXI bit flags", file.type_name(cxi::kMask));
    }
    for (const char* at : cxi::kProbeLocations) {
      if (!file.exists(at)) continue;
      check_probe(file, at, m);
      has_probe = true;
      probe_path = at;
      break;
    }
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
  if (impl_->translation_columns == 3) {
    impl_->file.read(cxi::kTranslation, out.data(), out.size());
    return out;
  }
  // An (N, 2) table has no z: the sample lies in one plane.
  std::vector<double> xy(static_cast<std::size_t>(impl_->n) * 2);
  impl_->file.read(cxi::kTranslation, xy.data(), static_cast<int64_t>(xy.size()));
  for (int64_t i = 0; i < impl_->n; ++i) {
    out[3 * i] = xy[2 * i];
    out[3 * i + 1] = xy[2 * i + 1];
    out[3 * i + 2] = 0;
  }
  return out;
}

void CxiReader::read_frames(int64_t begin, int64_t end, float* dst) const {
  impl_->file.read_rows(cxi::kData, begin, end, dst);
}

Array<uint8_t> CxiReader::valid_mask() const {
  if (!impl_->has_mask) return {};
  Array<uint32_t> flags = impl_->file.read_array<uint32_t>(cxi::kMask);
  Array<uint8_t> valid(Shape{impl_->m, impl_->m});
  // Every CXI flag (invalid, saturated, hot, dead, shadowed, ...) makes a pixel unusable.
  int64_t usable = 0;
  for (int64_t i = 0; i < valid.size(); ++i) usable += valid[i] = flags[i] == 0 ? 1 : 0;
  if (usable == 0)
    impl_->fail(cxi::kMask, "some usable pixels (flag 0)", "every pixel flagged");
  return valid;
}

Array<Complex<float>> CxiReader::initial_probe() const {
  if (!impl_->has_probe) return {};
  return first_mode(impl_->file.read_array<Complex<float>>(impl_->probe_path), impl_->m);
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
    check_probe(file, at, m);
    return {first_mode(file.read_array<Complex<float>>(at), m), path + ":" + at};
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
    d.fail(cxi::kTruthProbe, "shape " + shape_str({d.m, d.m}) + " (or K modes of it)", tp.str());
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
               number_str(out.translations[3 * i + k]) + " at frame " + std::to_string(i) + ", column " +
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
    for (int64_t i = 0; i < (end - begin) * frame; ++i) {
      float v = dst[i];
      if (std::isfinite(v) && v >= 0) continue;
      int64_t f = frames[begin] + i / frame, y = (i % frame) / d.m, x = i % d.m;
      d.fail(cxi::kData, "finite, non-negative intensities",
             number_str(v) + " at frame " + std::to_string(f) + ", pixel (" + std::to_string(y) + ", " +
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
