// Where the starting probe comes from (io/cxi.hpp, ptycho/problem.hpp): the CXI locations in order
// (source_1/illumination, then probe_1/data, which other writers use), a probe file of its own
// (--probe: CXI locations or a phasis result's "probe"), mode 0 of K modes, the source named, and
// the probe scaled to the mean frame power; bad probes are one clear InputError.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "phasis/core/error.hpp"
#include "phasis/io/cxi.hpp"
#include "phasis/io/hdf5.hpp"
#include "phasis/ptycho/problem.hpp"
#include "phasis/ptycho/simulate.hpp"
#include "testing.hpp"

using namespace phasis;
using phasis::testing::TempDir;

namespace {

constexpr int64_t kM = 32;

/// K x M x M modes, mode k's value (k + 1) * (1 + 0.5i) at every pixel.
Array<Complex<float>> modes(int64_t k) {
  Array<Complex<float>> p(Shape{k, kM, kM});
  for (int64_t i = 0; i < p.size(); ++i) p[i] = {float(i / (kM * kM) + 1), 0.5f * float(i / (kM * kM) + 1)};
  return p;
}

void write_probe(const std::string& path, const std::string& at, const Array<Complex<float>>& p) {
  h5::File f = h5::File::create(path);
  const auto slash = at.rfind('/');
  if (slash != std::string::npos) f.create_groups(at.substr(0, slash));
  f.write(at, p);
  f.close();
}

PtychoData small_scan(bool with_probe) {
  SimulationOptions so;
  so.frame_size = kM;
  so.positions = 20;
  so.initial_probe = with_probe ? "model" : "none";
  PtychoData d;
  PtychoTruth t;
  simulate(so, d, t);
  return d;
}

double power(const Array<Complex<float>>& p) {
  double s = 0;
  for (int64_t i = 0; i < kM * kM; ++i) s += norm2(p[i]);
  return s;
}

double mean_frame_power(const PtychoData& d) {
  double s = 0;
  for (int64_t i = 0; i < d.intensities.size(); ++i) s += d.intensities[i];
  return s / double(d.intensities.shape()[0]);
}

}  // namespace

TEST(ProbeSources, AProbeFileAtEachLocationGivesModeZeroAndNamesIt) {
  TempDir dir;
  for (const std::string at : {"entry_1/instrument_1/source_1/illumination", "entry_1/probe_1/data", "probe"}) {
    const std::string path = dir.file("p.h5");
    write_probe(path, at, modes(3));
    const ProbeFile p = read_probe_file(path, kM);
    ASSERT_EQ(p.probe.shape(), (Shape{kM, kM})) << at;
    EXPECT_EQ(p.probe[5].re, 1.0f) << at;  // mode 0
    EXPECT_EQ(p.source, path + ":" + at);
  }
}

TEST(ProbeSources, AProbeFileWithoutAProbeOrOfTheWrongShapeIsOneLine) {
  TempDir dir;
  const std::string path = dir.file("p.h5");
  write_probe(path, "entry_1/other", modes(1));
  try {
    read_probe_file(path, kM);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("entry_1/probe_1/data"), std::string::npos) << e.what();
  }
  Array<Complex<float>> wrong(Shape{kM, kM + 2});
  wrong.zero();
  write_probe(path, "probe", wrong);
  try {
    read_probe_file(path, kM);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("the frames' shape"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_probe_file(dir.file("missing.h5"), kM), InputError);
}

// A probe in other units (here 100 times too strong) starts at the measured power.
TEST(ProbeSources, AFileProbeIsScaledToTheMeanFramePower) {
  PtychoData d = small_scan(true);
  const double measured = mean_frame_power(d), given = 1e4 * power(d.probe);
  for (int64_t i = 0; i < d.probe.size(); ++i) d.probe[i] = d.probe[i] * 100.0f;
  d.probe_source = "test";
  const PtychoProblem pr = make_problem(std::move(d));
  EXPECT_TRUE(pr.probe_from_file);
  EXPECT_EQ(pr.probe_source, "test");
  EXPECT_NEAR(power(pr.probe), measured, 1e-5 * measured);
  EXPECT_NEAR(pr.probe_scale, std::sqrt(measured / given), 1e-6 * pr.probe_scale);
}

TEST(ProbeSources, WithoutAProbeTheMeanPatternIsNamed) {
  const PtychoProblem pr = make_problem(small_scan(false));
  EXPECT_FALSE(pr.probe_from_file);
  EXPECT_EQ(pr.probe_source, "mean diffraction pattern");
}

TEST(ProbeSources, AZeroOrNonFiniteProbeIsOneLine) {
  for (const char* what : {"zero", "nan"}) {
    PtychoData d = small_scan(true);
    d.probe_source = "file.cxi";
    if (std::string(what) == "zero") d.probe.zero();
    else d.probe[40] = {std::numeric_limits<float>::quiet_NaN(), 0};
    try {
      make_problem(std::move(d));
      FAIL() << what;
    } catch (const InputError& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("probe (file.cxi)"), std::string::npos) << m;
      EXPECT_NE(m.find(std::string(what) == "zero" ? "all zero" : "NaN"), std::string::npos) << m;
    }
  }
}
