#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>

#include "phasis/core/error.hpp"
#include "phasis/io/cxi.hpp"
#include "phasis/io/hdf5.hpp"
#include "testing.hpp"

using namespace phasis;
using phasis::testing::count_lines;
using phasis::testing::TempDir;
namespace fs = std::filesystem;

namespace {

const char* kData = "entry_1/data_1/data";
const char* kTranslation = "entry_1/sample_1/geometry_1/translation";
const char* kEnergy = "entry_1/instrument_1/source_1/energy";
const char* kDistance = "entry_1/instrument_1/detector_1/distance";
const char* kPixelX = "entry_1/instrument_1/detector_1/x_pixel_size";
const char* kPixelY = "entry_1/instrument_1/detector_1/y_pixel_size";
const char* kMask = "entry_1/instrument_1/detector_1/mask";
const char* kIllumination = "entry_1/instrument_1/source_1/illumination";

PtychoData make_data(int64_t n, int64_t m, bool mask, bool probe) {
  PtychoData d;
  d.intensities = Array<float>(Shape{n, m, m});
  for (int64_t i = 0; i < d.intensities.size(); ++i) d.intensities[i] = float(i % 97) * 0.5f;
  d.translations = Array<double>(Shape{n, 3});
  for (int64_t i = 0; i < n; ++i) {
    d.translations[3 * i] = 1e-7 * double(i);
    d.translations[3 * i + 1] = -2e-7 * double(i);
    d.translations[3 * i + 2] = 0;
  }
  if (mask) {
    d.valid = Array<uint8_t>(Shape{m, m});
    for (int64_t i = 0; i < m * m; ++i) d.valid[i] = (i % 5 == 0) ? 0 : 1;
  }
  if (probe) {
    d.probe = Array<Complex<float>>(Shape{m, m});
    for (int64_t i = 0; i < m * m; ++i) d.probe[i] = {float(i), -0.5f * float(i)};
  }
  d.geometry = {1.2817e-15, 2.5, 75e-6, 55e-6};
  return d;
}

PtychoTruth make_truth(int64_t m) {
  PtychoTruth t;
  t.object = Array<Complex<float>>(Shape{m + 5, m + 7});
  for (int64_t i = 0; i < t.object.size(); ++i) t.object[i] = {1.0f + float(i), 0.25f * float(i)};
  t.probe = Array<Complex<float>>(Shape{m, m});
  for (int64_t i = 0; i < t.probe.size(); ++i) t.probe[i] = {float(i) * 2, 1};
  t.origin_y = -3.5;
  t.origin_x = 12.25;
  return t;
}

template <class T>
bool same(const Array<T>& a, const Array<T>& b) {
  if (a.shape() != b.shape()) return false;
  for (int64_t i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i])) return false;
  return true;
}

/// A CXI file written dataset by dataset, so each test can break exactly one thing.
struct Layout {
  std::vector<int64_t> data_shape{4, 8, 8};
  std::vector<int64_t> translation_shape{4, 3};
  std::vector<int64_t> scalar_shape{};  // shape of energy, distance and pixel sizes
  double energy = 1e-15;
  std::optional<std::vector<int64_t>> mask_shape;
  std::optional<std::vector<int64_t>> probe_shape;
  bool probe_real = false;
  std::string skip;  // a dataset left out
  std::function<void(std::vector<float>&)> poke_data;
  std::function<void(std::vector<double>&)> poke_translation;
};

int64_t count(const std::vector<int64_t>& s) {
  int64_t n = 1;
  for (int64_t v : s) n *= v;
  return n;
}

void write_layout(const std::string& path, const Layout& l) {
  auto f = h5::File::create(path);
  auto put = [&](const char* dset, auto fn) {
    if (l.skip != dset) fn();
  };
  put(kData, [&] {
    std::vector<float> v(count(l.data_shape), 1.0f);
    if (l.poke_data) l.poke_data(v);
    f.write(kData, v.data(), l.data_shape);
  });
  put(kTranslation, [&] {
    std::vector<double> v(count(l.translation_shape), 1e-6);
    if (l.poke_translation) l.poke_translation(v);
    f.write(kTranslation, v.data(), l.translation_shape);
  });
  for (auto [dset, value] : {std::pair{kEnergy, l.energy}, std::pair{kDistance, 1.0}, std::pair{kPixelX, 5e-5},
                             std::pair{kPixelY, 5e-5}})
    put(dset, [&] {
      std::vector<double> v(count(l.scalar_shape), value);
      f.write(dset, v.data(), l.scalar_shape);
    });
  if (l.mask_shape) {
    std::vector<uint32_t> v(count(*l.mask_shape), 0);
    f.write(kMask, v.data(), *l.mask_shape);
  }
  if (l.probe_shape) {
    if (l.probe_real) {
      std::vector<float> v(count(*l.probe_shape), 1.0f);
      f.write(kIllumination, v.data(), *l.probe_shape);
    } else {
      std::vector<Complex<double>> v(count(*l.probe_shape), Complex<double>{1, 0});
      f.write(kIllumination, v.data(), *l.probe_shape);
    }
  }
  f.close();
}

/// The message of the InputError that opening (and, with `all`, reading) a file with `l` throws.
std::string layout_error(const Layout& l, bool all = false) {
  TempDir tmp;
  std::string path = tmp.file("bad.cxi");
  write_layout(path, l);
  try {
    CxiReader r(path);
    if (all) r.read_all();
  } catch (const InputError& e) {
    std::string msg = e.what();
    EXPECT_EQ(count_lines(msg), 1) << msg;
    EXPECT_NE(msg.find(path), std::string::npos) << "message does not name the file: " << msg;
    return msg;
  }
  ADD_FAILURE() << "no InputError was thrown";
  return {};
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "in: " << (haystack)

}  // namespace

TEST(Cxi, GeometryFormulas) {
  PtychoGeometry g{1.602176634e-19 * 8000, 3.0, 75e-6, 50e-6};
  EXPECT_NEAR(g.wavelength_m(), 1.5498e-10, 1e-14);
  EXPECT_DOUBLE_EQ(g.object_pixel_x_m(128), g.wavelength_m() * 3.0 / (128 * 75e-6));
  EXPECT_DOUBLE_EQ(g.object_pixel_y_m(128), g.wavelength_m() * 3.0 / (128 * 50e-6));
}

TEST(Cxi, FullRoundTrip) {
  TempDir tmp;
  std::string path = tmp.file("scan.cxi");
  PtychoData in = make_data(6, 16, true, true);
  PtychoTruth truth = make_truth(16);
  write_cxi(path, in, &truth);

  CxiReader r(path);
  EXPECT_EQ(r.frames(), 6);
  EXPECT_EQ(r.frame_size(), 16);
  PtychoGeometry g = r.geometry();
  EXPECT_EQ(g.energy_J, in.geometry.energy_J);
  EXPECT_EQ(g.distance_m, in.geometry.distance_m);
  EXPECT_EQ(g.pixel_x_m, in.geometry.pixel_x_m);
  EXPECT_EQ(g.pixel_y_m, in.geometry.pixel_y_m);
  EXPECT_TRUE(same(r.translations(), in.translations));
  EXPECT_TRUE(same(r.valid_mask(), in.valid));
  EXPECT_TRUE(same(r.initial_probe(), in.probe));

  PtychoData out = r.read_all();
  EXPECT_TRUE(same(out.intensities, in.intensities));
  EXPECT_TRUE(same(out.translations, in.translations));
  EXPECT_TRUE(same(out.valid, in.valid));
  EXPECT_TRUE(same(out.probe, in.probe));
  EXPECT_EQ(out.geometry.energy_J, in.geometry.energy_J);

  ASSERT_TRUE(r.has_truth());
  PtychoTruth t = r.truth();
  EXPECT_TRUE(same(t.object, truth.object));
  EXPECT_TRUE(same(t.probe, truth.probe));
  EXPECT_EQ(t.origin_y, -3.5);
  EXPECT_EQ(t.origin_x, 12.25);
}

TEST(Cxi, FileCarriesCxiAndNexusMetadata) {
  TempDir tmp;
  std::string path = tmp.file("scan.cxi");
  write_cxi(path, make_data(3, 8, true, false), nullptr);
  auto f = h5::File::open_read(path);
  EXPECT_EQ(f.read_scalar("cxi_version"), 160);
  EXPECT_EQ(f.type_name(kData), "float32");
  EXPECT_EQ(f.type_name(kMask), "uint32");
  EXPECT_EQ(f.read_attr_string("entry_1", "NX_class"), "NXentry");
  EXPECT_EQ(f.read_attr_string(kEnergy, "units"), "J");
  EXPECT_EQ(f.read_attr_string(kDistance, "units"), "m");
  EXPECT_EQ(f.read_attr_string(kTranslation, "units"), "m");
  // CXI bit flag 1 (invalid) exactly where valid is 0.
  Array<uint32_t> mask = f.read_array<uint32_t>(kMask);
  EXPECT_EQ(mask[0], 1u);
  EXPECT_EQ(mask[1], 0u);
  EXPECT_EQ(mask[5], 1u);
  EXPECT_TRUE(f.exists("entry_1/instrument_1/detector_1/data"));
}

TEST(Cxi, OptionalPartsAbsent) {
  TempDir tmp;
  std::string path = tmp.file("bare.cxi");
  write_cxi(path, make_data(2, 4, false, false), nullptr);
  CxiReader r(path);
  EXPECT_TRUE(r.valid_mask().empty());
  EXPECT_TRUE(r.initial_probe().empty());
  EXPECT_FALSE(r.has_truth());
  EXPECT_THROW(r.truth(), InputError);
  PtychoData d = r.read_all();
  EXPECT_TRUE(d.valid.empty());
  EXPECT_TRUE(d.probe.empty());
}

TEST(Cxi, HyperslabEqualsSlice) {
  TempDir tmp;
  std::string path = tmp.file("scan.cxi");
  PtychoData in = make_data(9, 12, false, false);
  write_cxi(path, in, nullptr);
  CxiReader r(path);
  const int64_t frame = 12 * 12;
  std::vector<float> part(3 * frame);
  r.read_frames(4, 7, part.data());
  for (int64_t i = 0; i < 3 * frame; ++i) ASSERT_EQ(part[i], in.intensities[4 * frame + i]) << i;
  r.read_frames(8, 9, part.data());
  for (int64_t i = 0; i < frame; ++i) ASSERT_EQ(part[i], in.intensities[8 * frame + i]) << i;
  EXPECT_THROW(r.read_frames(7, 10, part.data()), InternalError);
}

TEST(Cxi, ReadPartTakesTheListedFramesAndEveryTranslation) {
  TempDir tmp;
  std::string path = tmp.file("scan.cxi");
  PtychoData in = make_data(9, 12, true, true);
  write_cxi(path, in, nullptr);
  CxiReader r(path);
  const std::vector<int64_t> frames = {0, 2, 3, 4, 8};  // runs of one and of three frames
  PtychoData part = r.read_part(frames);
  const int64_t frame = 12 * 12;
  ASSERT_EQ(part.intensities.shape(), (Shape{5, 12, 12}));
  for (size_t k = 0; k < frames.size(); ++k)
    for (int64_t i = 0; i < frame; ++i)
      ASSERT_EQ(part.intensities[int64_t(k) * frame + i], in.intensities[frames[k] * frame + i]) << k << " " << i;
  ASSERT_EQ(part.translations.shape(), (Shape{9, 3}));
  for (int64_t i = 0; i < 27; ++i) EXPECT_EQ(part.translations[i], in.translations[i]);
  EXPECT_FALSE(part.valid.empty());
  EXPECT_FALSE(part.probe.empty());
  EXPECT_THROW(r.read_part({3, 2}), InternalError);  // not ascending
  EXPECT_THROW(r.read_part({9}), InternalError);     // past the end
}

TEST(Cxi, ReadPartNamesABadFrameByItsIndexInTheFile) {
  TempDir tmp;
  std::string path = tmp.file("scan.cxi");
  PtychoData in = make_data(9, 12, false, false);
  in.intensities[7 * 144 + 5] = -1.0f;
  write_cxi(path, in, nullptr);
  CxiReader r(path);
  EXPECT_NO_THROW(r.read_part({0, 1, 2}));  // the bad frame is not read
  try {
    r.read_part({6, 7});
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("frame 7, pixel (0, 5)"), std::string::npos) << e.what();
  }
}

TEST(Cxi, TwoColumnTranslationsGetZeroZ) {
  Layout l;
  l.translation_shape = {4, 2};
  l.poke_translation = [](std::vector<double>& v) {
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = double(i);
  };
  l.scalar_shape = {1};  // one-element arrays count as scalars
  TempDir tmp;
  write_layout(tmp.file("a.cxi"), l);
  CxiReader r(tmp.file("a.cxi"));
  Array<double> t = r.translations();
  ASSERT_EQ(t.shape(), (Shape{4, 3}));
  EXPECT_EQ(t[3 * 2 + 0], 4.0);
  EXPECT_EQ(t[3 * 2 + 1], 5.0);
  EXPECT_EQ(t[3 * 2 + 2], 0.0);
  EXPECT_EQ(r.geometry().energy_J, 1e-15);
}

TEST(Cxi, MissingDatasetsAreNamed) {
  for (const char* dset : {kData, kTranslation, kEnergy, kDistance, kPixelX, kPixelY}) {
    Layout l;
    l.skip = dset;
    std::string msg = layout_error(l);
    EXPECT_CONTAINS(msg, std::string(dset) + ": expected a dataset; found nothing at that path");
  }
}

TEST(Cxi, MissingFile) {
  EXPECT_THROW(CxiReader("/nonexistent/phasis/scan.cxi"), InputError);
}

TEST(Cxi, ShapesAreChecked) {
  Layout rank2;
  rank2.data_shape = {4, 64};
  EXPECT_CONTAINS(layout_error(rank2), "entry_1/data_1/data: expected rank 3 (N, M, M); found rank 2 (4, 64)");

  Layout oblong;
  oblong.data_shape = {4, 8, 6};
  EXPECT_CONTAINS(layout_error(oblong), "entry_1/data_1/data: expected square frames (N, M, M); found (4, 8, 6)");

  Layout few;
  few.translation_shape = {3, 3};
  EXPECT_CONTAINS(layout_error(few), std::string(kTranslation) + ": expected shape (4, 3)");

  Layout wide;
  wide.translation_shape = {4, 4};
  EXPECT_CONTAINS(layout_error(wide), std::string(kTranslation) + ": expected shape (4, 3), one (x, y, z) per frame; found (4, 4)");

  Layout flat;
  flat.translation_shape = {12};
  EXPECT_CONTAINS(layout_error(flat), std::string(kTranslation) + ": expected shape (4, 3)");

  Layout mask;
  mask.mask_shape = std::vector<int64_t>{8, 7};
  EXPECT_CONTAINS(layout_error(mask), std::string(kMask) + ": expected shape (8, 8), the frames' shape; found (8, 7)");

  Layout probe;
  probe.probe_shape = std::vector<int64_t>{4, 4};
  EXPECT_CONTAINS(layout_error(probe), std::string(kIllumination) + ": expected shape (8, 8)");

  Layout real_probe;
  real_probe.probe_shape = std::vector<int64_t>{8, 8};
  real_probe.probe_real = true;
  EXPECT_CONTAINS(layout_error(real_probe), std::string(kIllumination) + ": expected complex numbers");

  Layout vector_energy;
  vector_energy.scalar_shape = {2};
  EXPECT_CONTAINS(layout_error(vector_energy), std::string(kEnergy) + ": expected a scalar; found shape (2)");
}

TEST(Cxi, GeometryMustBePositiveAndFinite) {
  for (double bad : {0.0, -1e-15, double(NAN), double(INFINITY)}) {
    Layout l;
    l.energy = bad;
    std::string msg = layout_error(l);
    EXPECT_CONTAINS(msg, std::string(kEnergy) + ": expected a positive, finite value; found ");
  }
  Layout zero;
  zero.energy = 0;
  EXPECT_CONTAINS(layout_error(zero), "found 0");
}

TEST(Cxi, NanIntensityNamesFrameAndPixel) {
  Layout l;
  l.poke_data = [](std::vector<float>& v) { v[3 * 64 + 5 * 8 + 2] = NAN; };
  std::string msg = layout_error(l, true);
  EXPECT_CONTAINS(msg, "entry_1/data_1/data: expected finite, non-negative intensities; found nan at frame 3, pixel (5, 2)");
}

TEST(Cxi, NegativeIntensityNamesFrameAndPixel) {
  Layout l;
  l.poke_data = [](std::vector<float>& v) {
    v[1 * 64 + 0] = -2;
    v[2 * 64 + 7] = -3;  // later: not the one reported
  };
  std::string msg = layout_error(l, true);
  EXPECT_CONTAINS(msg, "entry_1/data_1/data: expected finite, non-negative intensities; found -2 at frame 1, pixel (0, 0)");
}

TEST(Cxi, NonFiniteTranslationIsNamed) {
  Layout l;
  l.poke_translation = [](std::vector<double>& v) { v[2 * 3 + 1] = INFINITY; };
  std::string msg = layout_error(l, true);
  EXPECT_CONTAINS(msg, std::string(kTranslation) + ": expected finite translations; found inf at frame 2, column 1");
}

TEST(Cxi, WriteLeavesNoTemporaryFiles) {
  TempDir tmp;
  std::string path = tmp.file("scan.cxi");
  write_cxi(path, make_data(2, 4, true, true), nullptr);
  write_cxi(path, make_data(3, 4, false, false), nullptr);  // replaces the first
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(tmp.path())) names.push_back(e.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"scan.cxi"});
  EXPECT_EQ(CxiReader(path).frames(), 3);
}

TEST(Cxi, FailedWriteRemovesItsTemporaryFile) {
  TempDir tmp;
  // A non-empty folder where the file should go: writing works, the final rename cannot.
  fs::path target = tmp.path() / "scan.cxi";
  fs::create_directory(target);
  std::ofstream(target / "keep") << "x";
  EXPECT_THROW(write_cxi(target.string(), make_data(2, 4, false, false), nullptr), InputError);
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(tmp.path())) names.push_back(e.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"scan.cxi"});

  EXPECT_THROW(write_cxi(tmp.file("missing/scan.cxi"), make_data(2, 4, false, false), nullptr), InputError);
}

TEST(Cxi, WriteRejectsInconsistentInput) {
  TempDir tmp;
  PtychoData d = make_data(2, 4, false, false);
  d.probe = Array<Complex<float>>(Shape{3, 3});
  EXPECT_THROW(write_cxi(tmp.file("a.cxi"), d, nullptr), InputError);
  PtychoData e = make_data(2, 4, false, false);
  e.geometry.distance_m = -1;
  EXPECT_THROW(write_cxi(tmp.file("b.cxi"), e, nullptr), InputError);
  PtychoData t = make_data(2, 4, false, false);
  t.translations = Array<double>(Shape{3, 3});
  EXPECT_THROW(write_cxi(tmp.file("c.cxi"), t, nullptr), InputError);
  EXPECT_TRUE(fs::is_empty(tmp.path()));
}
