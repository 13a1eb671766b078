// write_cxi: the CXI 1.6 layout of cxi.hpp, with the NeXus class and unit attributes that generic
// NeXus/CXI viewers look for, written through AtomicOutput (a temporary file and a rename) so that
// a reader never sees half a file.
#include <cmath>
#include <cstdio>

#include "cxi_paths.hpp"
#include "cxi_write_parts.hpp"
#include "phasis/core/error.hpp"
#include "phasis/io/atomic_output.hpp"
#include "phasis/io/cxi.hpp"
#include "phasis/io/hdf5.hpp"

namespace phasis {

namespace {

constexpr int32_t kCxiVersion = 160;

/// write_cxi's arguments come from code, not from a file; a mistake in them is still the caller's
/// input, so it is reported as InputError naming the field.
[[noreturn]] void bad(const std::string& path, const std::string& field, const std::string& expected,
                      const std::string& found) {
  throw InputError("write_cxi '" + path + "': " + field + ": expected " + expected + "; found " + found);
}

std::string number_str(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

template <class T>
void check_host(const std::string& path, const char* field, const Array<T>& a) {
  if (a.memory() == Memory::device)
    throw InternalError("write_cxi '" + path + "': " + field + " is in device memory; copy it to the host first");
}

void check_input(const std::string& path, const PtychoData& data, const PtychoTruth* truth) {
  const Shape& s = data.intensities.shape();
  if (s.rank != 3 || s[1] != s[2] || s[0] < 1 || s[1] < 1)
    bad(path, "intensities", "shape (N, M, M) with N, M >= 1", s.str());
  const int64_t n = s[0], m = s[1];
  if (data.translations.shape() != Shape{n, 3})
    bad(path, "translations", "shape " + Shape{n, 3}.str(), data.translations.shape().str());
  if (!data.valid.empty() && data.valid.shape() != Shape{m, m})
    bad(path, "valid", "shape " + Shape{m, m}.str() + " or empty", data.valid.shape().str());
  if (!data.probe.empty() && data.probe.shape() != Shape{m, m})
    bad(path, "probe", "shape " + Shape{m, m}.str() + " or empty", data.probe.shape().str());
  const PtychoGeometry& g = data.geometry;
  const std::pair<const char*, double> values[] = {
      {"energy_J", g.energy_J}, {"distance_m", g.distance_m}, {"pixel_x_m", g.pixel_x_m}, {"pixel_y_m", g.pixel_y_m}};
  for (auto [name, v] : values)
    if (!std::isfinite(v) || v <= 0) bad(path, std::string("geometry.") + name, "a positive, finite value", number_str(v));
  check_host(path, "intensities", data.intensities);
  check_host(path, "translations", data.translations);
  check_host(path, "valid", data.valid);
  check_host(path, "probe", data.probe);
  if (truth) {
    if (truth->object.shape().rank != 2 || truth->object.empty())
      bad(path, "truth.object", "shape (H, W)", truth->object.shape().str());
    const Shape& tp = truth->probe.shape();
    const bool single = tp == Shape{m, m}, modes = tp.rank == 3 && tp[0] >= 1 && tp[1] == m && tp[2] == m;
    if (!single && !modes)
      bad(path, "truth.probe", "shape " + Shape{m, m}.str() + " or (K, M, M)", tp.str());
    check_host(path, "truth.object", truth->object);
    check_host(path, "truth.probe", truth->probe);
  }
}

void write_contents(h5::File& f, const PtychoData& data, const PtychoTruth* truth) {
  const int64_t m = data.intensities.shape()[1];
  cxi::write_scan_parts(f, data.geometry, data.valid, data.probe, truth != nullptr);
  // One frame per chunk: read_frames' hyperslabs then touch only the chunks they need.
  f.write(cxi::kData, data.intensities, {1, m, m});
  f.write(cxi::kTranslation, data.translations);
  cxi::describe_frames(f);
  if (truth) {
    f.write(cxi::kTruthObject, truth->object);
    f.write(cxi::kTruthProbe, truth->probe);
    const double origin[2] = {truth->origin_y, truth->origin_x};
    f.write(cxi::kTruthOrigin, origin, {2});
  }
}

}  // namespace

namespace cxi {

static void write_groups(h5::File& f, bool with_truth) {
  const std::pair<const char*, const char*> groups[] = {
      {"entry_1", "NXentry"},
      {"entry_1/data_1", "NXdata"},
      {"entry_1/instrument_1", "NXinstrument"},
      {"entry_1/instrument_1/source_1", "NXsource"},
      {"entry_1/instrument_1/detector_1", "NXdetector"},
      {"entry_1/sample_1", "NXsample"},
      {"entry_1/sample_1/geometry_1", "NXgeometry"},
  };
  for (auto [group, nx_class] : groups) {
    f.create_groups(group);
    f.write_attr(group, "NX_class", nx_class);
  }
  f.write_attr("entry_1/data_1", "signal", "data");
  if (with_truth) {
    f.create_groups(cxi::kTruth);
    f.write_attr(cxi::kTruth, "NX_class", "NXcollection");
  }
}

void write_scan_parts(h5::File& f, const PtychoGeometry& g, const Array<uint8_t>& valid, const Array<Complex<float>>& probe,
                      bool with_truth) {
  f.write_scalar("cxi_version", kCxiVersion);
  f.write_scalar("number_of_entries", int32_t{1});
  write_groups(f, with_truth);
  f.write_scalar(kEnergy, g.energy_J);
  f.write_attr(kEnergy, "units", "J");
  f.write_scalar(kDistance, g.distance_m);
  f.write_attr(kDistance, "units", "m");
  f.write_scalar(kPixelX, g.pixel_x_m);
  f.write_attr(kPixelX, "units", "m");
  f.write_scalar(kPixelY, g.pixel_y_m);
  f.write_attr(kPixelY, "units", "m");
  if (!valid.empty()) {
    // CXI bit 0 means "invalid pixel"; a good pixel has no flag set.
    Array<uint32_t> flags(valid.shape());
    for (int64_t i = 0; i < flags.size(); ++i) flags[i] = valid[i] ? 0u : 1u;
    f.write(kMask, flags);
  }
  if (!probe.empty()) f.write(kIllumination, probe);
}

void describe_frames(h5::File& f) {
  f.write_attr(kData, "interpretation", "image");
  // CXI readers look for the frames under the detector as well; a link costs nothing.
  f.link_soft(std::string("/") + kData, "entry_1/instrument_1/detector_1/data");
  f.write_attr(kTranslation, "units", "m");
  f.link_soft(std::string("/") + kTranslation, "entry_1/data_1/translation");
}

}  // namespace cxi

void write_cxi(const std::string& path, const PtychoData& data, const PtychoTruth* truth) {
  check_input(path, data, truth);
  AtomicOutput output(path);
  {
    h5::File f = h5::File::create(output.temp_path());
    write_contents(f, data, truth);
    f.close();
  }
  output.commit();
}

}  // namespace phasis
