// `phasis multislice run` end to end: a small STEM run with every detector type and a CXI file that
// the ptychography reader accepts, an HRTEM run, and the bad configs of issue 7: one line on
// stderr, exit code 2, no output left behind.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <vector>

#include "phasis/io/cxi.hpp"
#include "phasis/io/hdf5.hpp"
#include "testing.hpp"

using namespace phasis;
using phasis::testing::count_lines;
using phasis::testing::run_phasis;
using phasis::testing::TempDir;

namespace {

// Si [100], one cell (5.431 A), 64 x 64 pixels: sampling 0.085 A, antialiased limit 7.8 1/A x
// 2/3 ... = 98 mrad at 200 keV; a 20 mrad probe fits, a 120 mrad detector does not.
const char* kStem = R"(energy = 200e3
[structure]
crystal = "Si"
repeat = [1, 1, 2]
[potential]
parametrization = "lobato"
gpts = [64, 64]
slice_thickness = 1.3575
[wave]
type = "probe"
semiangle = 20
C10 = 0
[scan]
type = "grid"
gpts = [3, 3]
[[detector]]
name = "BF"
inner = 0
outer = 20
[[detector]]
name = "ADF"
inner = 40
outer = 90
[[detector]]
type = "segmented"
name = "DPC"
inner = 0
outer = 20
rings = 1
segments = 4
[[detector]]
type = "pixelated"
name = "4D"
[run]
device = "cpu"
batch = 4
)";

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string replaced(std::string s, const std::string& from, const std::string& to) {
  const auto p = s.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  if (p != std::string::npos) s.replace(p, from.size(), to);
  return s;
}

void expect_clean_failure(const std::string& config_text, const std::string& words, const std::string& extra_file = "",
                          const std::string& extra_text = "") {
  TempDir dir;
  if (!extra_file.empty()) write(dir.file(extra_file), extra_text);
  write(dir.file("c.toml"), config_text);
  const std::string out = dir.file("o.h5");
  auto r = run_phasis("multislice run '" + dir.file("c.toml") + "' -o '" + out + "' --cxi '" + dir.file("o.cxi") + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(words), std::string::npos) << r.err;
  std::string files;
  int count = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) count += 1, files += e.path().filename().string() + " ";
  EXPECT_EQ(count, extra_file.empty() ? 1 : 2) << "output left behind (" << words << "): " << files;
}

}  // namespace

TEST(CliMultislice, StemRunWritesEveryDetectorAndCxi) {
  TempDir dir;
  write(dir.file("si.toml"), kStem);
  const std::string out = dir.file("si.h5"), cxi = dir.file("si.cxi");
  auto r = run_phasis("multislice run '" + dir.file("si.toml") + "' -o '" + out + "' --cxi '" + cxi + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("chunk 3/3 chunks"), std::string::npos) << r.out;  // ceil(9 / 4) batches x 1 configuration
  for (const char* f : {"si_BF.png", "si_ADF.png", "si_mean_diffraction.png"})
    EXPECT_TRUE(std::filesystem::exists(dir.file(f))) << f;
  // The report: the annular detectors' 3 x 3 images (one value per position), the stage timings.
  const auto read = phasis::testing::read_report(dir.file("si_report.html"));
  ASSERT_EQ(read.exit_code, 0) << read.out;
  const auto report = nlohmann::json::parse(read.out);
  EXPECT_EQ(report["pictures"], (nlohmann::json{{"picture-stem_image", 3, 3}, {"picture-detector_ADF", 3, 3}})) << read.out;
  EXPECT_TRUE(report["tables"]["timings"].contains("propagation")) << read.out;

  h5::File f = h5::File::open_read(out);
  EXPECT_NE(f.read_attr_string("/", "parameters").find("\"parametrization\":\"lobato\""), std::string::npos);
  const auto bf = f.read_array<double>("stem/BF"), adf = f.read_array<double>("stem/ADF");
  const auto seg = f.read_array<double>("stem/DPC"), px = f.read_array<double>("stem/4D");
  ASSERT_EQ(bf.size(), 9);
  ASSERT_EQ(seg.shape()[1], 1);
  ASSERT_EQ(seg.shape()[2], 4);
  const int64_t m = px.shape()[1];
  EXPECT_EQ(m, 2 * int64_t(std::floor(2.0 / 3 * 0.5 / (5.431 / 64) * 5.431)) + 1);
  for (int64_t j = 0; j < 9; ++j) {
    // Independent sums: the four segments make up the BF disc; the whole pattern is at most the
    // beam (some intensity may sit beyond the crop's square only if the crop lost it: it must not).
    // The pixels of the 4D pattern within 20 mrad are the BF disc (crop spacing 1 / 5.431 A).
    double segs = 0, total = 0, disc = 0;
    for (int s = 0; s < 4; ++s) segs += seg[j * 4 + s];
    for (int64_t y = 0; y < m; ++y)
      for (int64_t x = 0; x < m; ++x) {
        const double v = px[(j * m + y) * m + x], k = std::hypot(double(y - m / 2), double(x - m / 2)) / 5.431;
        total += v;
        if (1e3 * 0.0250793 * k < 20) disc += v;
      }
    EXPECT_NEAR(segs, bf[j], 1e-9) << j;
    EXPECT_NEAR(disc, bf[j], 1e-9) << j;
    // The antialiasing aperture removes what the specimen scatters beyond it: a little, never gains.
    EXPECT_LT(total, 1.0 + 1e-5) << j;
    EXPECT_GT(total, 0.99) << j;
    EXPECT_GT(adf[j], 0.0);
    EXPECT_LT(bf[j] + adf[j], 1.0);
  }

  CxiReader cx(cxi);
  EXPECT_EQ(cx.frames(), 9);
  EXPECT_EQ(cx.frame_size(), m);
  const auto g = cx.geometry();
  // The object pixel the ptychography code derives is the crop's: extent / M.
  EXPECT_NEAR(g.object_pixel_x_m(m) / (5.431e-10 / double(m)), 1.0, 1e-9);
  const auto t = cx.translations();
  // Second grid position, x, with the frame's window starting half a cell before the probe.
  EXPECT_NEAR(t[3], 5.431e-10 / 3 - 5.431e-10 / 2, 1e-15);
  // The ptychography solver takes the file as it is (an electron ptychography round trip).
  auto rec = run_phasis("ptycho reconstruct '" + cxi + "' -o '" + dir.file("rec.h5") + "' --iterations 2 --no-pictures");
  EXPECT_EQ(rec.exit_code, 0) << rec.err;
  EXPECT_NE(rec.out.find("9 frames of " + std::to_string(m) + " x " + std::to_string(m)), std::string::npos) << rec.out;
}

TEST(CliMultislice, HrtemRunWritesExitWaveAndImage) {
  TempDir dir;
  write(dir.file("h.toml"), R"(energy = 300e3
[structure]
crystal = "Au"
repeat = [1, 1, 2]
[potential]
sampling = 0.1
slice_thickness = 2.039
[wave]
type = "plane"
[hrtem]
C10 = -100
C30 = 1e5
focal_spread = 30
convergence = 0.5
[phonons]
configurations = 2
sigma = { Au = 0.08 }
seed = 3
)");
  auto r = run_phasis("multislice run '" + dir.file("h.toml") + "' -o '" + dir.file("h.h5") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("phonons 2/2 configurations"), std::string::npos) << r.out;
  // Au [100] two cells deep with slices of a/2: every layer sits on a slice boundary, and each of
  // the 4 slices holds one layer (2 atoms of the 1 x 1 cell); the run says so and records it.
  EXPECT_NE(r.out.find("slices: 4, equal, 2.039000 A thick"), std::string::npos) << r.out;
  h5::File f = h5::File::open_read(dir.file("h.h5"));
  std::vector<double> thickness(4);
  std::vector<int32_t> per_slice(4);
  ASSERT_EQ(f.shape("slices/thickness"), std::vector<int64_t>{4});
  f.read("slices/thickness", thickness.data(), 4);
  f.read("slices/atoms", per_slice.data(), 4);
  for (int k = 0; k < 4; ++k) {
    EXPECT_NEAR(thickness[std::size_t(k)], 2.039, 1e-12);
    EXPECT_EQ(per_slice[std::size_t(k)], 2) << "slice " << k;
  }
  EXPECT_EQ(f.read_attr_string("slices", "mode"), "equal");
  EXPECT_EQ(f.read_attr_string("slices", "potential_form"), "sampled");
  EXPECT_EQ(f.read_attr_double("slices", "count"), 4.0);
  const auto ei = f.read_array<double>("hrtem/exit_intensity");
  const auto im = f.read_array<double>("hrtem/image");
  double mean_e = 0, lo = 1e9, hi = 0;
  for (int64_t i = 0; i < ei.size(); ++i) mean_e += ei[i] / double(ei.size()), lo = std::min(lo, im[i]), hi = std::max(hi, im[i]);
  // Propagation is unitary but the antialiasing aperture absorbs what Au scatters beyond it (< 1%).
  EXPECT_LT(mean_e, 1.0 + 1e-5);
  EXPECT_GT(mean_e, 0.99);
  EXPECT_GT(hi - lo, 0.05);         // the lattice shows
  EXPECT_TRUE(std::filesystem::exists(dir.file("h_hrtem.png")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("h_exit_intensity.png")));
}

TEST(CliMultisliceBadInput, UnknownElement) {
  expect_clean_failure(replaced(kStem, "crystal = \"Si\"", "file = \"x.xyz\""), "Xq", "x.xyz",
                       "2\nLattice=\"5 0 0 0 5 0 0 0 5\"\nSi 0 0 0\nXq 1 1 1\n");
}

TEST(CliMultisliceBadInput, EmptyCell) {
  expect_clean_failure(replaced(kStem, "crystal = \"Si\"", "file = \"x.xyz\""), "atom", "x.xyz",
                       "0\nLattice=\"5 0 0 0 5 0 0 0 5\"\n");
}

TEST(CliMultisliceBadInput, SamplingTooCoarseForProbe) {
  expect_clean_failure(replaced(kStem, "gpts = [64, 64]", "gpts = [12, 12]"), "semiangle cutoff");
}

TEST(CliMultisliceBadInput, EnergyNotPositive) {
  expect_clean_failure(replaced(kStem, "energy = 200e3", "energy = 0"), "energy");
}

TEST(CliMultisliceBadInput, DetectorBeyondCutoff) {
  expect_clean_failure(replaced(kStem, "outer = 90", "outer = 150"), "antialiased cutoff");
}

TEST(CliMultisliceBadInput, UnknownPotentialForm) {
  expect_clean_failure(replaced(kStem, "slice_thickness = 1.3575", "slice_thickness = 1.3575\nform = \"smooth\""),
                       "potential.form");
}

TEST(CliMultisliceBadInput, UnknownSlicing) {
  expect_clean_failure(replaced(kStem, "slice_thickness = 1.3575", "slice_thickness = 1.3575\nslicing = \"even\""),
                       "potential.slicing");
}

TEST(CliMultisliceBadInput, UnknownKey) {
  expect_clean_failure(replaced(kStem, "batch = 4", "bacth = 4"), "run.bacth");
}

TEST(CliMultisliceBadInput, FusedFftNotABoolean) {
  expect_clean_failure(replaced(kStem, "batch = 4", "batch = 4\nfused_fft = \"yes\""), "run.fused_fft");
}

TEST(CliMultisliceBadInput, DeviceNotANameOrNumber) {
  expect_clean_failure(replaced(kStem, "device = \"cpu\"", "device = \"cuda:x\""), "cuda:N");
}

TEST(CliMultisliceBadInput, TraceInAMissingFolder) {
  TempDir dir;
  write(dir.file("c.toml"), kStem);
  const std::string trace = dir.file("missing/run.json");
  auto r = run_phasis("multislice run '" + dir.file("c.toml") + "' -o '" + dir.file("o.h5") + "' --trace '" + trace + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("missing"), std::string::npos) << r.err;
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) files += 1, (void)e;
  EXPECT_EQ(files, 1) << "output left behind";  // the config alone: checked before any slice
}

TEST(CliMultislice, ElectronPtychographyRoundTrip) {
  // 4D-STEM of one SrTiO3 layer (thin: the projection approximation holds), written as CXI with its
  // thin-specimen truth, reconstructed by Difference Map and compared. Measured: phase RMSE 0.046
  // rad after 100 iterations. The truth's phase varies by 0.12 rad rms (0.04 to 1.25 rad), so a
  // wrong geometry (pixel size, positions, orientation) would leave an error of that order.
  TempDir dir;
  write(dir.file("rt.toml"), R"(energy = 80e3
[structure]
crystal = "SrTiO3"
repeat = [2, 2, 1]
[potential]
sampling = 0.12
slice_thickness = 1.9525
[wave]
semiangle = 25
C10 = -80
[scan]
gpts = [5, 5]
start = [1.9525, 1.9525]
end = [5.8575, 5.8575]
[[detector]]
type = "pixelated"
name = "4D"
)");
  const std::string cxi = dir.file("rt.cxi"), rec = dir.file("rec.h5");
  auto r = run_phasis("multislice run '" + dir.file("rt.toml") + "' -o '" + dir.file("rt.h5") + "' --cxi '" + cxi +
                      "' --no-pictures");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const PtychoTruth truth = CxiReader(cxi).truth();
  double mean = 0, var = 0;
  const int64_t n = truth.object.size();
  for (int64_t i = 0; i < n; ++i) mean += std::atan2(truth.object[i].im, truth.object[i].re) / double(n);
  for (int64_t i = 0; i < n; ++i) var += std::pow(std::atan2(truth.object[i].im, truth.object[i].re) - mean, 2) / double(n);
  EXPECT_GT(std::sqrt(var), 0.1);
  r = run_phasis("ptycho reconstruct '" + cxi + "' -o '" + rec + "' --iterations 100 --threads 1 -q --no-pictures");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_phasis("ptycho compare '" + rec + "' '" + cxi + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  double rmse = 1;
  ASSERT_EQ(std::sscanf(r.out.c_str(), "phase RMSE %lf", &rmse), 1) << r.out;
  EXPECT_LT(rmse, 0.06) << r.out;
}

TEST(CliMultislice, TraceHasOneSpanPerChunk) {
  // The queue's chunks are batches of positions per configuration: 2 configurations x ceil(9 / 4)
  // batches, each a span on the row of the worker that ran it; --profile writes the same trace
  // beside the resources sampled and their picture.
  TempDir dir;
  std::string text = kStem;
  text = text.substr(0, text.find("[[detector]]\ntype = \"segmented\""));
  text += "[phonons]\nconfigurations = 2\nsigma = { Si = 0.08 }\n[run]\ndevice = \"cpu\"\nbatch = 4\n";
  write(dir.file("si.toml"), text);
  const std::string trace = dir.file("run.json");
  const std::string prefix = dir.file("prof");
  auto r = run_phasis("multislice run '" + dir.file("si.toml") + "' -o '" + dir.file("si.h5") + "' --no-pictures --trace '" +
                      trace + "' --profile '" + prefix + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("chunk 6/6 chunks"), std::string::npos) << r.out;
  for (const std::string& path : {trace, prefix + "_trace.json"}) {
    std::ifstream in(path);
    const nlohmann::json doc = nlohmann::json::parse(in);
    std::set<int64_t> chunks;
    std::set<int> rows, named;
    int spans = 0;
    for (const auto& e : doc["traceEvents"]) {
      if (e["ph"] == "M") named.insert(e["tid"].get<int>());
      if (e["ph"] != "X") continue;
      ++spans;
      EXPECT_EQ(e["name"], "chunk");
      EXPECT_GE(e["dur"].get<double>(), 0.0);
      chunks.insert(e["args"]["chunk"].get<int64_t>());
      rows.insert(e["tid"].get<int>());
    }
    EXPECT_EQ(spans, 6) << path;
    EXPECT_EQ(chunks, (std::set<int64_t>{0, 1, 2, 3, 4, 5})) << path;
    for (int w : rows) EXPECT_TRUE(named.count(w)) << "worker " << w << " has no name row";
  }
  std::ifstream csv(prefix + "_resources.csv");
  std::string header, first;
  std::getline(csv, header);
  EXPECT_EQ(header.rfind("seconds,cpu_percent,rss_bytes,peak_rss_bytes", 0), 0u) << header;
  EXPECT_TRUE(std::getline(csv, first)) << "no sample";
  EXPECT_GT(std::filesystem::file_size(prefix + "_profile.png"), 1000u);
}

TEST(CliMultisliceBadInput, OutputInAMissingFolder) {
  // The result goes through AtomicOutput: one line naming the target, and nothing written anywhere
  // (no fixed-name temporary left beside the config).
  TempDir dir;
  write(dir.file("c.toml"), kStem);
  const std::string out = dir.file("missing/o.h5");
  auto r = run_phasis("multislice run '" + dir.file("c.toml") + "' -o '" + out + "' --no-pictures");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(out), std::string::npos) << r.err;
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) files += 1, (void)e;
  EXPECT_EQ(files, 1) << "output left behind";
}

// Issue 17's structures: crystal files of any cell along any zone axis, with a tilt.
namespace {

// Wurtzite GaN's hexagonal cell (a = 3.189, c = 5.185 A).
const char* kGaNPoscar =
    "GaN\n1.0\n3.189 0 0\n-1.5945 2.761755 0\n0 0 5.185\nGa N\n2 2\nDirect\n"
    "0.333333333333 0.666666666667 0\n0.666666666667 0.333333333333 0.5\n"
    "0.333333333333 0.666666666667 0.377\n0.666666666667 0.333333333333 0.877\n";

const char* kPlaneFromFile = R"(energy = 200e3
[structure]
file = "POSCAR"
zone_axis = [1, 0, 0]
tilt = [5, 0]
[potential]
sampling = 0.1
slice_thickness = 1.6
output = "projected"
[wave]
type = "plane"
)";

}  // namespace

TEST(CliMultislice, HexagonalPoscarAlongAZoneAxisWithTilt) {
  TempDir dir;
  write(dir.file("POSCAR"), kGaNPoscar);
  write(dir.file("g.toml"), kPlaneFromFile);
  auto r = run_phasis("multislice run '" + dir.file("g.toml") + "' -o '" + dir.file("g.h5") + "' --no-pictures --no-report");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Along [100] the orthogonal cell is c x sqrt3 a x a (2 hexagonal cells, 8 atoms): 2 slices of a / 2.
  EXPECT_NE(r.out.find("slices: 2, equal, 1.594500 A thick"), std::string::npos) << r.out;
  h5::File f = h5::File::open_read(dir.file("g.h5"));
  std::vector<int32_t> per_slice(2);
  f.read("slices/atoms", per_slice.data(), 2);
  EXPECT_EQ(per_slice[0] + per_slice[1], 8);
  const std::string p = f.read_attr_string("/", "parameters");
  EXPECT_NE(p.find("\"zone_axis\":\"[1 0 0]\""), std::string::npos) << p;
  EXPECT_NE(p.find("\"tilt_mrad\":[5.0,0.0]"), std::string::npos) << p;
  EXPECT_NE(p.find("\"supercell\":{\"cells\":2"), std::string::npos) << p;
  // The indexed spot table (the crystal's h k l through the supercell) and the mean pattern.
  const auto spots = f.shape("hrtem/spots");
  ASSERT_EQ(spots.size(), 2u);
  EXPECT_EQ(spots[1], 7);
  EXPECT_GT(spots[0], 1);
  EXPECT_EQ(f.read_attr_string("hrtem/spots", "indexed_by"), "the crystal's a, b, c");
  const auto table = f.read_array<double>("hrtem/spots");
  EXPECT_EQ(table[0], 0.0);  // the direct beam first: (0 0 0)
  EXPECT_EQ(table[1], 0.0);
  EXPECT_EQ(table[2], 0.0);
  for (int64_t r0 = 0; r0 < spots[0]; ++r0) EXPECT_EQ(table[r0 * 7 + 0], 0.0) << "along [100] every zero-order spot has h = 0";
  EXPECT_NE(r.out.find("spots: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("lost beyond the antialiasing aperture: "), std::string::npos) << r.out;
  // [potential] output = "projected": the specimen's projected potential on the grid, V A.
  EXPECT_EQ(f.shape("potential/projected"), (std::vector<int64_t>{f.shape("hrtem/image")[0], f.shape("hrtem/image")[1]}));
  EXPECT_NE(r.out.find("structure: zone axis [1 0 0], simulation cell x [0 0 1] y [-1 -2 0] z [1 0 0]"), std::string::npos) << r.out;
}

TEST(CliMultisliceBadInput, CifWithoutACell) {
  expect_clean_failure(replaced(kStem, "crystal = \"Si\"", "file = \"x.cif\""), "expected a cell", "x.cif",
                       "data_x\n_symmetry_space_group_name_H-M 'P 1'\nloop_\n_atom_site_label\n_atom_site_fract_x\n"
                       "_atom_site_fract_y\n_atom_site_fract_z\nSi1 0 0 0\n");
}

TEST(CliMultisliceBadInput, PoscarWithMismatchedCounts) {
  std::string poscar = kGaNPoscar;
  poscar.replace(poscar.find("2 2\n"), 4, "4\n");
  expect_clean_failure(replaced(kStem, "crystal = \"Si\"", "file = \"POSCAR\""), "expected 2 counts", "POSCAR", poscar);
}

TEST(CliMultisliceBadInput, ZoneAxisZero) {
  expect_clean_failure(replaced(kStem, "crystal = \"Si\"", "crystal = \"Si\"\nzone_axis = \"000\""), "structure.zone_axis");
  expect_clean_failure(replaced(kStem, "crystal = \"Si\"", "crystal = \"Si\"\nzone_axis = [0, 0, 0]"), "not all zero");
  // Four indices are hexagonal [UVTW], whose T must be -(U + V).
  expect_clean_failure(replaced(kStem, "crystal = \"Si\"", "crystal = \"GaN\"\nzone_axis = [1, 1, 1, 0]"), "T = -(U + V)");
}

TEST(CliMultisliceBadInput, TiltPastTheShearsValidity) {
  expect_clean_failure(replaced(kStem, "crystal = \"Si\"", "crystal = \"Si\"\ntilt = [150, 0]"), "structure.tilt");
}

TEST(CliMultisliceBadInput, NoOrthogonalSupercellWithinTheTolerance) {
  expect_clean_failure(replaced(kStem, "crystal = \"Si\"", "crystal = \"GaN\"\nzone_axis = \"111\"\nstrain_tolerance = 1e-4"),
                       "strain_tolerance");
}

// Plane-wave outputs of issue 17: the diffraction pattern cropped to a maximum angle with the
// direct beam blocked, a thickness series and a defocus series, with their shapes and what each
// must equal: the last thickness sample is the exit intensity, the defocus image at the run's own
// C10 is its image, the crop holds exactly the pixels within the angle, the stop zeroes the beam.
TEST(CliMultislice, HrtemSeriesAndCroppedBlockedPattern) {
  TempDir dir;
  const std::string base = R"(energy = 200e3
[structure]
crystal = "Si"
repeat = [1, 1, 3]
[potential]
gpts = [64, 64]
slice_thickness = 1.4        # 12 equal slices of 1.35775 A: 4 per cell
[wave]
type = "plane"
[hrtem]
C10 = -50
C30 = 1e5
)";
  write(dir.file("a.toml"), base);
  write(dir.file("b.toml"), base + "thickness_every = 4\ndefocus_series = [-200, -50, 100]\nmax_angle = 40\nbeam_stop = 3\n");
  ASSERT_EQ(run_phasis("multislice run '" + dir.file("a.toml") + "' -o '" + dir.file("a.h5") + "' --no-pictures").exit_code, 0);
  auto r = run_phasis("multislice run '" + dir.file("b.toml") + "' -o '" + dir.file("b.h5") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  h5::File a = h5::File::open_read(dir.file("a.h5")), b = h5::File::open_read(dir.file("b.h5"));
  // 3 cells of 4 slices: samples after 4, 8 and 12 slices, at 1, 2 and 3 cells.
  const auto t = b.read_array<double>("hrtem/thickness_series/thickness");
  ASSERT_EQ(t.size(), 3);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(t[k], 5.431 * (k + 1), 1e-9);
  const auto series = b.read_array<double>("hrtem/thickness_series/exit_intensity");
  ASSERT_EQ(b.shape("hrtem/thickness_series/exit_intensity"), (std::vector<int64_t>{3, 64, 64}));
  const auto whole = a.read_array<double>("hrtem/exit_intensity");
  double last = 0, first = 0;
  for (int64_t i = 0; i < whole.size(); ++i)
    last = std::max(last, std::abs(series[2 * 4096 + i] - whole[i])), first = std::max(first, std::abs(series[i] - whole[i]));
  EXPECT_LT(last, 1e-12);  // the same slices in the same order
  EXPECT_GT(first, 1e-3);  // one cell is another specimen
  // The defocus series: the image at the run's own C10 (-50) is the run's image.
  ASSERT_EQ(b.shape("hrtem/defocus_series/images"), (std::vector<int64_t>{3, 64, 64}));
  const auto images = b.read_array<double>("hrtem/defocus_series/images"), image = a.read_array<double>("hrtem/image");
  double own = 0, other = 0;
  for (int64_t i = 0; i < image.size(); ++i)
    own = std::max(own, std::abs(images[4096 + i] - image[i])), other = std::max(other, std::abs(images[i] - image[i]));
  EXPECT_LT(own, 1e-12);
  EXPECT_GT(other, 1e-3);
  // The crop: 64 px over 5.431 A, 200 keV (lambda 0.02508 A): 40 mrad is 8.66 reciprocal pixels,
  // so 2 x 8 + 1 = 17 pixels per axis; the whole aperture's square is 2 floor(k_max L) + 1 = 43
  // (k_max = 2/3 of 1 / (2 x 0.0849 A): 3.93 1/A, 98.5 mrad).
  ASSERT_EQ(b.shape("hrtem/diffraction"), (std::vector<int64_t>{17, 17}));
  ASSERT_EQ(a.shape("hrtem/diffraction"), (std::vector<int64_t>{43, 43}));
  const auto cropped = b.read_array<double>("hrtem/diffraction"), full = a.read_array<double>("hrtem/diffraction");
  double moved = 0;
  for (int y = 0; y < 17; ++y)
    for (int x = 0; x < 17; ++x) {
      const bool stopped = std::hypot(y - 8, x - 8) * 0.02508 / 5.431 * 1e3 <= 3;  // within 3 mrad: the centre pixel only
      const double want = stopped ? 0.0 : full[(y + 13) * 43 + x + 13];
      moved = std::max(moved, std::abs(cropped[y * 17 + x] - want));
    }
  EXPECT_LT(moved, 1e-15);
  EXPECT_EQ(cropped[8 * 17 + 8], 0.0);
  EXPECT_GT(full[21 * 43 + 21], 0.5);  // the direct beam it blocked
  EXPECT_EQ(b.read_attr_double("hrtem/diffraction", "beam_stop_mrad"), 3.0);
  EXPECT_EQ(b.shape("hrtem/thickness_series/diffraction"), (std::vector<int64_t>{3, 17, 17}));
  // The first configuration's complex exit wave at each thickness; the last is hrtem/exit_wave.
  ASSERT_EQ(b.shape("hrtem/thickness_series/exit_wave"), (std::vector<int64_t>{3, 64, 64}));
  const auto waves = b.read_array<phasis::Complex<float>>("hrtem/thickness_series/exit_wave");
  const auto last_exit = a.read_array<phasis::Complex<float>>("hrtem/exit_wave");
  float wave_diff = 0;
  for (int64_t i = 0; i < last_exit.size(); ++i)
    wave_diff = std::max({wave_diff, std::abs(waves[2 * 4096 + i].re - last_exit[i].re), std::abs(waves[2 * 4096 + i].im - last_exit[i].im)});
  EXPECT_EQ(wave_diff, 0.0f);
  EXPECT_TRUE(std::filesystem::exists(dir.file("b_defocus_series.png")));
}

TEST(CliMultisliceBadInput, CropAnglePastTheAntialiasingLimit) {
  // The antialiased cutoff here is about 98 mrad (kStem's comment).
  expect_clean_failure(replaced(kStem, "name = \"4D\"", "name = \"4D\"\nmax_angle = 150"), "antialiased cutoff");
  const std::string plane = "energy = 200e3\n[structure]\ncrystal = \"Si\"\n[potential]\ngpts = [64, 64]\n[wave]\n"
                            "type = \"plane\"\n[hrtem]\n";
  expect_clean_failure(plane + "max_angle = 150\n", "antialiased cutoff");
  expect_clean_failure(plane + "beam_stop = -1\n", "beam stop");
  expect_clean_failure(plane + "thickness_every = -2\n", "thickness every");
  expect_clean_failure(plane + "defocus_series = [1, \"x\"]\n", "hrtem.defocus_series");
  expect_clean_failure(replaced(kStem, "name = \"ADF\"", "name = \"ADF\"\nmax_angle = 10"), "only pixelated detectors");
}

// `phasis multislice plan`: the run's axes, chunks, outputs and memory before anything runs, from
// the same sizes the run uses (the outputs listed are the datasets `run` writes, shape for shape);
// nothing is written, and a bad config is refused as `run` refuses it.
TEST(CliMultislice, PlanDescribesTheRunWithoutRunningIt) {
  TempDir dir;
  write(dir.file("c.toml"), replaced(kStem, "name = \"4D\"", "name = \"4D\"\nmax_angle = 40") + "[phonons]\nconfigurations = 3\nsigma = { Si = 0.08 }\n");
  auto p = run_phasis("multislice plan '" + dir.file("c.toml") + "'");
  ASSERT_EQ(p.exit_code, 0) << p.err;
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) files += 1, (void)e;
  EXPECT_EQ(files, 1);  // only the config
  // 3 configurations x 9 positions in batches of 4: 3 batches per configuration.
  EXPECT_NE(p.out.find("phonons: 3 (frozen-phonon configurations"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("positions: 9 (3 x 3 grid)"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("chunks: 9 of 4 probe positions of one configuration"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("the run fits"), std::string::npos) << p.out;
  // The outputs it lists are the ones the run writes, with the same shapes.
  ASSERT_EQ(run_phasis("multislice run '" + dir.file("c.toml") + "' -o '" + dir.file("c.h5") + "' --no-pictures --no-report").exit_code, 0);
  h5::File f = h5::File::open_read(dir.file("c.h5"));
  for (const char* name : {"stem/BF", "stem/ADF", "stem/DPC", "stem/4D", "stem/mean_diffraction"}) {
    std::string shape;
    for (int64_t d : f.shape(name)) shape += (shape.empty() ? "" : " x ") + std::to_string(d);
    EXPECT_NE(p.out.find(std::string(name) + ": " + shape + ","), std::string::npos) << name << " " << shape << "\n" << p.out;
  }
  write(dir.file("bad.toml"), replaced(kStem, "energy = 200e3", "energy = 0"));
  auto bad = run_phasis("multislice plan '" + dir.file("bad.toml") + "'");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(count_lines(bad.err), 1) << bad.err;
}

// Issue 19's bad input: a chunk budget smaller than one wave, GPUs on a CPU run (and, on a machine
// without them, GPUs that do not exist), an ensemble axis with no elements, an unknown scheduler.
TEST(CliMultisliceBadInput, ImpossibleExecutions) {
  expect_clean_failure(replaced(kStem, "batch = 4", "chunk_memory = \"10 kB\""), "chunk_memory: expected at least one position's");
  expect_clean_failure(replaced(kStem, "batch = 4", "chunk_memory = \"lots\""), "run.chunk_memory");
  expect_clean_failure(replaced(kStem, "batch = 4", "devices = [0, 1]"), "run devices: expected a GPU list only with device cuda");
  expect_clean_failure(replaced(kStem, "batch = 4", "devices = []"), "at least one GPU");
  expect_clean_failure(replaced(replaced(kStem, "device = \"cpu\"", "device = \"cuda\""), "batch = 4", "devices = [0, 7]"), "GPU");
  expect_clean_failure(replaced(kStem, "batch = 4", "scheduler = \"dask\""), "auto, threads, gpus or mpi");
  expect_clean_failure(replaced(kStem, "batch = 4", "workers = -2"), "run.workers");
  expect_clean_failure(replaced(kStem, "batch = 4", "fft_planning = \"fast\""), "estimate or measure");
  expect_clean_failure(replaced(kStem, "gpts = [3, 3]", "gpts = [0, 3]"), "scan");
  expect_clean_failure(replaced(kStem, "[run]", "[phonons]\nconfigurations = 0\n[run]"), "phonons.configurations");
  const std::string plane = "energy = 200e3\n[structure]\ncrystal = \"Si\"\n[potential]\ngpts = [64, 64]\n[wave]\n"
                            "type = \"plane\"\n[hrtem]\n";
  expect_clean_failure(plane + "defocus_series = []\n", "at least one C10");
}

// `mpirun -np 3 phasis multislice run`: the ranks take chunks from rank 0's queue and rank 0 writes
// the file, whose readings equal one process's bit for bit.
TEST(CliMultislice, MpirunGivesTheFileOfOneProcess) {
  if (std::string(PHASIS_MPIEXEC).empty()) GTEST_SKIP() << "built without MPI";
  TempDir dir;
  std::string text = replaced(kStem, "gpts = [3, 3]", "gpts = [5, 4]");
  text = replaced(text, "[run]\ndevice = \"cpu\"\nbatch = 4", "[phonons]\nconfigurations = 2\nsigma = { Si = 0.08 }\n[run]\ndevice = \"cpu\"\nmax_batch = 3");
  write(dir.file("si.toml"), text);
  const std::string one = dir.file("one.h5"), ranks = dir.file("ranks.h5");
  auto a = run_phasis("multislice run '" + dir.file("si.toml") + "' -o '" + one + "' --no-pictures --no-report");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  auto b = phasis::testing::run_command("(env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 '" +
                                        std::string(PHASIS_MPIEXEC) + "' --oversubscribe -n 3 '" + PHASIS_EXE +
                                        "' multislice run '" + dir.file("si.toml") + "' -o '" + ranks +
                                        "' --no-pictures --no-report --trace '" + dir.file("t.json") + "' 2>&1; echo rc=$?)");
  ASSERT_NE(b.out.find("rc=0"), std::string::npos) << b.out;
  EXPECT_NE(b.out.find("mpi scheduler"), std::string::npos) << b.out;
  EXPECT_NE(b.out.find("on each of 3 ranks"), std::string::npos) << b.out;
  // Rank 0's trace holds every rank's spans: one per chunk (7 batches x 2 configurations).
  const auto trace = nlohmann::json::parse(std::ifstream(dir.file("t.json")));
  std::set<int64_t> chunks;
  std::set<int> rows;
  int spans = 0;
  for (const auto& e : trace["traceEvents"])
    if (e.value("ph", "") == "X")
      ++spans, chunks.insert(e["args"]["chunk"].get<int64_t>()), rows.insert(e["tid"].get<int>());
  EXPECT_EQ(spans, 14);
  EXPECT_EQ(chunks.size(), 14u);
  for (int w : rows) EXPECT_TRUE(w >= 0 && w < 3) << "a row per rank's worker; found " << w;
  const h5::File x = h5::File::open_read(one), y = h5::File::open_read(ranks);
  for (const std::string ds : {"stem/BF", "stem/ADF", "stem/DPC", "stem/4D", "stem/lost_beyond_aperture", "stem/mean_diffraction"}) {
    const auto u = x.read_array<double>(ds), v = y.read_array<double>(ds);
    ASSERT_EQ(u.size(), v.size()) << ds;
    int64_t differ = 0;
    for (int64_t i = 0; i < u.size(); ++i) differ += u[i] != v[i];
    EXPECT_EQ(differ, 0) << ds;
  }
}

// A STEM run written batch by batch: killed (-9) or stopped (SIGINT) part-way, it leaves
// OUT.partial; `--resume OUT.partial` skips the batches there and the result equals an
// uninterrupted run's, bit for bit (the reduction's order does not depend on where it stopped).
// A partial file of another configuration is refused in one line.
TEST(CliMultislice, AKilledOrStoppedRunResumesToTheSameResult) {
  TempDir dir;
  std::string text = replaced(kStem, "gpts = [3, 3]", "gpts = [60, 60]");
  text = replaced(text, "[run]\ndevice = \"cpu\"\nbatch = 4", "[phonons]\nconfigurations = 3\nsigma = { Si = 0.08 }\n[run]\ndevice = \"cpu\"\nmax_batch = 6");
  write(dir.file("si.toml"), text);
  const std::string whole = dir.file("whole.h5"), out = dir.file("cut.h5"), partial = out + ".partial", log = dir.file("log");
  auto w = run_phasis("multislice run '" + dir.file("si.toml") + "' -o '" + whole + "' --no-pictures --no-report");
  ASSERT_EQ(w.exit_code, 0) << w.err;
  const std::vector<std::string> datasets{"stem/BF", "stem/ADF", "stem/DPC", "stem/4D", "stem/lost_beyond_aperture",
                                          "stem/mean_diffraction"};
  for (const std::string sig : {"9", "INT"}) {
    std::filesystem::remove(out);
    const std::string cmd = "env --default-signal=INT '" + std::string(PHASIS_EXE) + "' multislice run '" + dir.file("si.toml") +
                            "' -o '" + out + "' --no-pictures --no-report >'" + log + "' 2>&1 & pid=$!; until [ -f '" + partial +
                            "' ]; do kill -0 $pid 2>/dev/null || break; sleep 0.01; done; sleep 0.3; kill -" + sig +
                            " $pid; wait $pid; echo $?";
    auto k = phasis::testing::run_command(cmd);
    ASSERT_EQ(k.out, sig == "9" ? "137\n" : "130\n") << phasis::testing::run_command("cat '" + log + "'").out;
    EXPECT_FALSE(std::filesystem::exists(out));
    const int64_t done = int64_t(h5::File::open_read(partial).read_scalar("run/batches_done"));
    EXPECT_GE(done, 1) << sig;
    EXPECT_LT(done, 600) << sig;
    if (sig == "INT")
      EXPECT_NE(phasis::testing::run_command("cat '" + log + "'").out.find("--resume " + partial), std::string::npos);
    auto r = run_phasis("multislice run '" + dir.file("si.toml") + "' -o '" + out + "' --no-pictures --no-report --resume '" +
                        partial + "'");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("resuming after batch " + std::to_string(done)), std::string::npos) << r.out;
    EXPECT_FALSE(std::filesystem::exists(partial));
    const h5::File a = h5::File::open_read(whole), b = h5::File::open_read(out);
    for (const std::string& ds : datasets) {
      const auto x = a.read_array<double>(ds), y = b.read_array<double>(ds);
      ASSERT_EQ(x.size(), y.size()) << ds;
      int64_t differ = 0;
      for (int64_t i = 0; i < x.size(); ++i) differ += x[i] != y[i];
      EXPECT_EQ(differ, 0) << sig << " " << ds;
    }
  }
  // Another configuration's partial file: refused, the file kept as it was.
  const std::string cmd = "'" + std::string(PHASIS_EXE) + "' multislice run '" + dir.file("si.toml") + "' -o '" + out +
                          "' --no-pictures --no-report >/dev/null 2>&1 & pid=$!; until [ -f '" + partial +
                          "' ]; do sleep 0.01; done; sleep 0.2; kill -9 $pid; wait $pid";
  std::filesystem::remove(out);
  phasis::testing::run_command(cmd);
  ASSERT_TRUE(std::filesystem::exists(partial));
  const auto before = std::filesystem::file_size(partial);
  write(dir.file("other.toml"), replaced(text, "semiangle = 20", "semiangle = 15"));
  auto bad = run_phasis("multislice run '" + dir.file("other.toml") + "' -o '" + out + "' --no-pictures --resume '" + partial + "'");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(count_lines(bad.err), 1) << bad.err;
  EXPECT_NE(bad.err.find("another configuration"), std::string::npos) << bad.err;
  EXPECT_EQ(std::filesystem::file_size(partial), before);
  EXPECT_FALSE(std::filesystem::exists(out));
}
