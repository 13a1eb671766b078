// CXI files exchanged with another HDF5 program (h5py): files it writes must read back to the
// exact known values, and files phasis writes must look right to it. python3 with h5py and numpy
// is a requirement of the test suite (scripts/setup installs them), so their absence is a failure.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "phasis/io/cxi.hpp"
#include "testing.hpp"

using namespace phasis;
using phasis::testing::run_command;
using phasis::testing::TempDir;

namespace {

constexpr int64_t kN = 5, kM = 16;

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

/// Runs the fixture script with `args`; fails the test (never skips) when it cannot run.
std::string run_fixture(const std::string& args) {
  const std::string python = PHASIS_PYTHON;
  if (python.empty()) {
    ADD_FAILURE() << "CMake found no python3 (PHASIS_PYTHON is empty): this test needs python3 with h5py and "
                     "numpy; scripts/setup installs them";
    return {};
  }
  const std::string script = std::string(PHASIS_TEST_DATA) + "/make_cxi_fixture.py";
  auto r = run_command(quote(python) + " " + quote(script) + " " + args);
  if (r.exit_code != 0)
    ADD_FAILURE() << "the h5py fixture script failed (exit " << r.exit_code << "); it needs python3 with h5py and "
                  << "numpy (scripts/setup installs them):\n" << r.err;
  return r.out;
}

/// Checks everything the script wrote in either variant.
void check_fixture(const std::string& path, bool z_column) {
  CxiReader r(path);
  ASSERT_EQ(r.frames(), kN);
  ASSERT_EQ(r.frame_size(), kM);
  PtychoGeometry g = r.geometry();
  EXPECT_EQ(g.energy_J, 1.2817e-15);
  EXPECT_EQ(g.distance_m, 2.5);
  EXPECT_EQ(g.pixel_x_m, 75e-6);
  EXPECT_EQ(g.pixel_y_m, 55e-6);

  PtychoData d = r.read_all();
  for (int64_t i = 0; i < kN; ++i)
    for (int64_t y = 0; y < kM; ++y)
      for (int64_t x = 0; x < kM; ++x)
        ASSERT_EQ(d.intensities[(i * kM + y) * kM + x], float(i + 0.5 * y + 0.25 * x)) << i << " " << y << " " << x;

  ASSERT_EQ(d.translations.shape(), (Shape{kN, 3}));
  for (int64_t i = 0; i < kN; ++i) {
    EXPECT_EQ(d.translations[3 * i], 1e-6 * double(i));
    EXPECT_EQ(d.translations[3 * i + 1], -2e-6 * double(i));
    EXPECT_EQ(d.translations[3 * i + 2], z_column ? 0.5e-6 : 0.0);
  }

  ASSERT_EQ(d.valid.shape(), (Shape{kM, kM}));
  int bad = 0;
  for (int64_t i = 0; i < kM * kM; ++i) bad += d.valid[i] == 0;
  EXPECT_EQ(bad, 3);
  EXPECT_EQ(d.valid[3 * kM + 4], 0);
  EXPECT_EQ(d.valid[0 * kM + 15], 0);
  EXPECT_EQ(d.valid[15 * kM + 0], 0);
  EXPECT_EQ(d.valid[1 * kM + 1], 1);

  ASSERT_EQ(d.probe.shape(), (Shape{kM, kM}));
  for (int64_t y = 0; y < kM; ++y)
    for (int64_t x = 0; x < kM; ++x) {
      EXPECT_EQ(d.probe[y * kM + x].re, float(y - 0.5 * x));
      EXPECT_EQ(d.probe[y * kM + x].im, float(0.25 * y * x));
    }

  std::vector<float> frames(2 * kM * kM);
  r.read_frames(3, 5, frames.data());
  EXPECT_EQ(frames[kM * kM + 2 * kM + 3], float(4 + 0.5 * 2 + 0.25 * 3));
}

}  // namespace

TEST(CxiH5py, ReadsStandardFileWrittenByH5py) {
  TempDir tmp;
  std::string path = tmp.file("h5py.cxi");
  run_fixture("write " + quote(path) + " standard");
  if (::testing::Test::HasFailure()) return;
  check_fixture(path, true);
}

TEST(CxiH5py, ReadsVariantFileWrittenByH5py) {
  // float64 frames, (N, 2) translations, one-element geometry arrays, a boolean (enum) mask and a
  // complex64 probe: the common ways other programs differ from what phasis writes.
  TempDir tmp;
  std::string path = tmp.file("h5py.cxi");
  run_fixture("write " + quote(path) + " variant");
  if (::testing::Test::HasFailure()) return;
  check_fixture(path, false);
}

TEST(CxiH5py, H5pyReadsWhatPhasisWrites) {
  TempDir tmp;
  std::string path = tmp.file("phasis.cxi");
  const int64_t n = 3, m = 4;
  PtychoData d;
  d.intensities = Array<float>(Shape{n, m, m});
  double sum = 0;
  for (int64_t i = 0; i < d.intensities.size(); ++i) sum += d.intensities[i] = 0.5f * float(i);
  d.translations = Array<double>(Shape{n, 3});
  for (int64_t i = 0; i < 3 * n; ++i) d.translations[i] = -2e-7 * double(i);
  d.valid = Array<uint8_t>(Shape{m, m});
  for (int64_t i = 0; i < m * m; ++i) d.valid[i] = i % 3 != 0;
  d.probe = Array<Complex<float>>(Shape{m, m});
  for (int64_t i = 0; i < m * m; ++i) d.probe[i] = {float(i), -0.5f * float(i)};
  d.geometry = {1.2817e-15, 2.5, 75e-6, 55e-6};
  write_cxi(path, d, nullptr);

  std::map<std::string, std::string> facts;
  std::istringstream lines(run_fixture("describe " + quote(path)));
  for (std::string line; std::getline(lines, line);) {
    auto eq = line.find('=');
    if (eq != std::string::npos) facts[line.substr(0, eq)] = line.substr(eq + 1);
  }
  if (::testing::Test::HasFailure()) return;
  EXPECT_EQ(facts["cxi_version"], "160");
  EXPECT_EQ(facts["data_dtype"], "float32");
  EXPECT_EQ(facts["data_shape"], "3x4x4");
  EXPECT_EQ(facts["data_chunks"], "1x4x4");
  EXPECT_EQ(std::stod(facts["data_sum"]), sum);
  EXPECT_EQ(facts["detector_data_is_frames"], "True");
  EXPECT_EQ(facts["mask_dtype"], "uint32");
  EXPECT_EQ(facts["mask_bad"], "6");
  EXPECT_EQ(facts["illumination_dtype"], "complex64");
  EXPECT_EQ(facts["illumination_1_2"], "(6-3j)");
  EXPECT_EQ(std::stod(facts["energy"]), 1.2817e-15);
  EXPECT_EQ(facts["energy_units"], "J");
  EXPECT_EQ(facts["translation_units"], "m");
  EXPECT_EQ(std::stod(facts["translation_2_1"]), -2e-7 * 7);
  EXPECT_EQ(facts["entry_class"], "NXentry");
}
