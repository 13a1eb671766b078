// The CXI layout's checks and small reads (cxi_layout.hpp).
#include "cxi_layout.hpp"

#include <cmath>
#include <cstdio>

#include "cxi_paths.hpp"
#include "phasis/core/error.hpp"

namespace phasis::cxi {

namespace {

bool is_real_class(h5::TypeClass c) { return c == h5::TypeClass::floating || c == h5::TypeClass::integer; }

/// A scalar (or one-element) dataset that must be positive and finite.
double positive(const h5::File& file, const char* dset) {
  const double v = file.read_scalar(dset);
  if (!std::isfinite(v) || v <= 0) fail(file, dset, "a positive, finite value", number_str(v));
  return v;
}

}  // namespace

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

void fail(const h5::File& file, const std::string& what, const std::string& expected, const std::string& found) {
  throw InputError(h5::message(file.path(), what, expected, found));
}

void require(const h5::File& file, const char* dset) {
  if (!file.exists(dset)) fail(file, dset, "a dataset", "nothing at that path");
}

FramesShape check_frames(const h5::File& file, int64_t min_frames) {
  const std::vector<int64_t> ds = file.shape(kData);
  if (ds.size() != 3) fail(file, kData, "rank 3 (N, M, M)", "rank " + std::to_string(ds.size()) + " " + shape_str(ds));
  if (ds[1] != ds[2]) fail(file, kData, "square frames (N, M, M)", shape_str(ds));
  if (ds[0] < min_frames || ds[1] < 1)
    fail(file, kData, min_frames > 0 ? "at least one frame of at least one pixel" : "frames of at least one pixel", shape_str(ds));
  if (!is_real_class(file.type_class(kData))) fail(file, kData, "real intensities", file.type_name(kData));
  return {ds[0], ds[1]};
}

int check_translations(const h5::File& file, int64_t n) {
  const std::vector<int64_t> ts = file.shape(kTranslation);
  if (ts.size() != 2 || (n >= 0 && ts[0] != n) || (ts[1] != 3 && ts[1] != 2))
    fail(file, kTranslation, n >= 0 ? "shape (" + std::to_string(n) + ", 3), one (x, y, z) per frame" : "shape (N, 3), one (x, y, z) per frame",
         shape_str(ts));
  if (!is_real_class(file.type_class(kTranslation))) fail(file, kTranslation, "real numbers", file.type_name(kTranslation));
  return static_cast<int>(ts[1]);
}

PtychoGeometry read_geometry(const h5::File& file) {
  PtychoGeometry g;
  g.energy_J = positive(file, kEnergy);
  g.distance_m = positive(file, kDistance);
  g.pixel_x_m = positive(file, kPixelX);
  g.pixel_y_m = positive(file, kPixelY);
  return g;
}

bool check_mask(const h5::File& file, int64_t m) {
  if (!file.exists(kMask)) return false;
  const std::vector<int64_t> s = file.shape(kMask);
  if (s != std::vector<int64_t>{m, m}) fail(file, kMask, "shape " + shape_str({m, m}) + ", the frames' shape", shape_str(s));
  const h5::TypeClass c = file.type_class(kMask);
  if (c != h5::TypeClass::integer && c != h5::TypeClass::enumeration)
    fail(file, kMask, "integer CXI bit flags", file.type_name(kMask));
  return true;
}

Array<uint8_t> read_valid(const h5::File& file, int64_t m) {
  const Array<uint32_t> flags = file.read_array<uint32_t>(kMask);
  Array<uint8_t> valid(Shape{m, m});
  // Every CXI flag (invalid, saturated, hot, dead, shadowed, ...) makes a pixel unusable.
  int64_t usable = 0;
  for (int64_t i = 0; i < valid.size(); ++i) usable += valid[i] = flags[i] == 0 ? 1 : 0;
  if (usable == 0) fail(file, kMask, "some usable pixels (flag 0)", "every pixel flagged");
  return valid;
}

void check_probe(const h5::File& file, const char* at, int64_t m) {
  const std::vector<int64_t> s = file.shape(at);
  const bool frame = s == std::vector<int64_t>{m, m}, modes = s.size() == 3 && s[0] >= 1 && s[1] == m && s[2] == m;
  if (!frame && !modes)
    fail(file, at, "shape " + shape_str({m, m}) + " or (K, " + std::to_string(m) + ", " + std::to_string(m) + "), the frames' shape",
         shape_str(s));
  if (!file.is_complex(at)) fail(file, at, "complex numbers (compound {r, i} of floats)", file.type_name(at));
}

std::string find_probe(const h5::File& file, int64_t m) {
  for (const char* at : kProbeLocations) {
    if (!file.exists(at)) continue;
    check_probe(file, at, m);
    return at;
  }
  return {};
}

Array<Complex<float>> read_probe(const h5::File& file, const std::string& at, int64_t m) {
  Array<Complex<float>> probe = file.read_array<Complex<float>>(at);
  if (probe.shape().rank == 2) return probe;
  Array<Complex<float>> one(Shape{m, m});
  for (int64_t i = 0; i < m * m; ++i) one[i] = probe[i];
  return one;
}

void read_translations(const h5::File& file, int columns, int64_t begin, int64_t end, double* xyz) {
  if (columns == 3) return file.read_rows(kTranslation, begin, end, xyz);
  // An (N, 2) table has no z: the sample lies in one plane.
  std::vector<double> xy(static_cast<std::size_t>(end - begin) * 2);
  file.read_rows(kTranslation, begin, end, xy.data());
  for (int64_t i = 0; i < end - begin; ++i) {
    xyz[3 * i] = xy[2 * i];
    xyz[3 * i + 1] = xy[2 * i + 1];
    xyz[3 * i + 2] = 0;
  }
}

int64_t first_bad_intensity(const float* v, int64_t count) {
  for (int64_t i = 0; i < count; ++i)
    if (!(std::isfinite(v[i]) && v[i] >= 0)) return i;
  return -1;
}

}  // namespace phasis::cxi
