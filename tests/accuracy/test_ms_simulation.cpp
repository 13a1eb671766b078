// ms::run without the CLI: a STEM ensemble with annular, segmented and pixelated detectors and an
// HRTEM ensemble against the same physics called by hand (probe, multislice, diffraction_patterns,
// annular_detect, segmented_detect, pixelated_crop, hrtem_image), the annular-only strategy against
// the host detectors, the events a run reports, the checks made before any slice, and the HDF5
// file write_simulation leaves (and does not leave when it fails).
// Tolerance 1e-12 in double: the references run the same arithmetic in the same order of sums; what
// may differ is rounding inside FFTs planned for other batch sizes (the run transforms batches of
// 2, the references all positions at once) and the device-read annular detector's own sums, each
// about 1e-16 relative on readings of at most 1.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <vector>

#include "phasis/core/error.hpp"
#include "phasis/io/hdf5.hpp"
#include "phasis/multislice/detectors.hpp"
#include "phasis/multislice/diffraction.hpp"
#include "phasis/multislice/hrtem.hpp"
#include "phasis/multislice/multislice.hpp"
#include "phasis/multislice/energy.hpp"
#include "phasis/multislice/outputs.hpp"
#include "phasis/multislice/parametrization.hpp"
#include "phasis/multislice/phonons.hpp"
#include "phasis/multislice/simulation.hpp"
#include "testing.hpp"

using namespace phasis;
using namespace phasis::ms;
using phasis::testing::TempDir;

namespace {

constexpr double kTol = 1e-12;

/// Keeps every progress event and span a run reports.
class Recorder final : public exec::EventSink {
 public:
  void progress(const exec::Progress& p) override {
    std::lock_guard<std::mutex> lock(mutex_);
    progress_.push_back(p);
  }
  void span(const exec::Span& s) override {
    std::lock_guard<std::mutex> lock(mutex_);
    spans_.push_back(s);
  }
  std::vector<exec::Progress> progress_;
  std::vector<exec::Span> spans_;

 private:
  std::mutex mutex_;
};

/// Si [100], one cell on 48 x 48 pixels (0.113 A: 74 mrad antialiased at 200 keV), two frozen
/// phonon configurations, five positions in batches of 2, 2 and 1, and every detector type.
Simulation stem_case() {
  Simulation s;
  s.atoms = crystal("Si", 1, 1, 1);
  set_sigmas(s.atoms, {{14, 0.08}});
  s.grid = grid_from_gpts(s.atoms.cell[0], s.atoms.cell[1], 48, 48);
  s.potential.slice_thickness = 5.431 / 4;
  s.energy = 200e3;
  s.probe.energy = s.energy;
  s.probe.semiangle_cutoff = 20;
  s.probe.aberrations.c10 = 30;
  s.scan = ScanKind::custom;
  s.positions = {{0.3, 0.4}, {1.2, 2.5}, {2.7, 2.7}, {4.1, 0.9}, {5.0, 5.2}};
  s.scan_shape = {1, 5};
  SegmentedDetector bf{0, 20, 1, 1, 0}, adf{30, 70, 1, 1, 0}, dpc{0, 20, 2, 4, 0.3};
  s.detectors = {{"BF", DetectorType::annular, bf},
                 {"ADF", DetectorType::annular, adf},
                 {"DPC", DetectorType::segmented, dpc},
                 {"4D", DetectorType::pixelated, {}}};
  s.phonons = 2;
  s.seed = 5;
  s.batch = 2;
  return s;
}

/// Au [100], one cell at 0.2 A, a plane wave imaged through an aberrated, partially coherent lens.
Simulation hrtem_case() {
  Simulation s;
  s.atoms = crystal("Au", 1, 1, 2);
  set_sigmas(s.atoms, {{79, 0.08}});
  s.grid = grid_from_sampling(s.atoms.cell[0], s.atoms.cell[1], 0.2);
  s.potential.slice_thickness = 2.04;
  s.energy = 300e3;
  s.wave = WaveKind::plane;
  s.ctf.aberrations.c10 = -100;
  s.ctf.aberrations.c30 = 1e5;
  s.ctf.focal_spread = 30;
  s.ctf.convergence = 0.5;
  s.phonons = 2;
  s.seed = 3;
  return s;
}

int64_t count_spans(const Recorder& r, const std::string& name) {
  int64_t n = 0;
  for (const auto& s : r.spans_) n += s.name == name;
  return n;
}

}  // namespace

TEST(MsSimulation, StemWithEveryDetectorMatchesTheEnsembleByHand) {
  const Simulation s = stem_case();
  Recorder events;
  const SimulationResult r = run(s, Device::cpu(), Precision::double_, &events);
  ASSERT_EQ(r.readings.size(), 4u);
  const int64_t n = 5;
  const auto [my, mx] = pixelated_shape(s.grid);
  ASSERT_EQ(r.readings[2].shape(), (Shape{n, 2, 4}));
  ASSERT_EQ(r.readings[3].shape(), (Shape{n, my, mx}));
  ASSERT_EQ(r.mean_pattern.shape(), (Shape{my, mx}));

  std::vector<std::vector<double>> ref(4);
  ref[0].assign(n, 0.0), ref[1].assign(n, 0.0), ref[2].assign(std::size_t(n * 8), 0.0), ref[3].assign(std::size_t(n * my * mx), 0.0);
  for (int64_t k = 0; k < s.phonons; ++k) {
    const Potential pot(frozen_phonon(s.atoms, s.seed, k), s.grid, s.potential);
    Array<Complex<double>> waves = probe<double>(s.grid, s.probe, s.positions);
    multislice<double>(Device::cpu(), waves, pot, s.energy);
    const Array<double> patterns = diffraction_patterns(waves);
    for (int d = 0; d < 2; ++d) {
      const auto v = annular_detect<double>(Device::cpu(), waves, s.grid, s.energy, {s.detectors[d].ring.inner, s.detectors[d].ring.outer});
      for (int64_t j = 0; j < n; ++j) ref[d][std::size_t(j)] += 0.5 * v[std::size_t(j)];
    }
    const Array<double> seg = segmented_detect(patterns, s.grid, s.energy, s.detectors[2].ring);
    for (int64_t i = 0; i < seg.size(); ++i) ref[2][std::size_t(i)] += 0.5 * seg[i];
    const Array<double> crop = pixelated_crop(patterns, s.grid);
    for (int64_t i = 0; i < crop.size(); ++i) ref[3][std::size_t(i)] += 0.5 * crop[i];
  }
  for (std::size_t d = 0; d < 4; ++d)
    for (int64_t i = 0; i < r.readings[d].size(); ++i) EXPECT_NEAR(r.readings[d][i], ref[d][std::size_t(i)], kTol) << d << " " << i;
  for (int64_t i = 0; i < my * mx; ++i) {
    double mean = 0;
    for (int64_t j = 0; j < n; ++j) mean += ref[3][std::size_t(j * my * mx + i)] / double(n);
    EXPECT_NEAR(r.mean_pattern[i], mean, kTol) << i;
  }
  // The readings are physics, not zeros: the BF disc holds most of a 20 mrad probe, ADF some.
  for (int64_t j = 0; j < n; ++j) {
    EXPECT_GT(r.readings[0][j], 0.5);
    EXPECT_GT(r.readings[1][j], 1e-4);
  }

  // One span per chunk (3 batches of positions x 2 configurations), the progress ending at 6 of 6.
  EXPECT_EQ(count_spans(events, "chunk"), 6);
  ASSERT_FALSE(events.progress_.empty());
  EXPECT_EQ(events.progress_.back().task, "chunk");
  EXPECT_EQ(events.progress_.back().unit, "chunks");
  EXPECT_EQ(events.progress_.back().done, 6);
  EXPECT_EQ(events.progress_.back().total, 6);
  EXPECT_GT(r.timings.potential, 0.0);
}

TEST(MsSimulation, AnnularOnlyTakesTheDeviceReadEnsembleAndAgreesWithHostDetectors) {
  Simulation s = stem_case();
  const SimulationResult mixed = run(s, Device::cpu(), Precision::double_);
  s.detectors.resize(2);
  Recorder events;
  const SimulationResult r = run(s, Device::cpu(), Precision::double_, &events);
  // The same queue of chunks (2 configurations x 3 batches), and the same bits as stem_annular's
  // ensemble, which runs the configurations one after another on one runner.
  EXPECT_EQ(count_spans(events, "chunk"), 6);
  StemOptions o;
  o.probe = s.probe;
  o.detectors = {{0, 20}, {30, 70}};
  o.batch = s.batch;
  o.phonons = s.phonons;
  o.seed = s.seed;
  const Array<double> direct = stem_annular(Device::cpu(), Precision::double_, s.atoms, s.grid, s.potential, s.positions, o);
  ASSERT_EQ(r.readings.size(), 2u);
  for (int d = 0; d < 2; ++d)
    for (int64_t j = 0; j < 5; ++j) {
      EXPECT_EQ(r.readings[d][j], direct[d * 5 + j]) << d << " " << j;
      EXPECT_NEAR(r.readings[d][j], mixed.readings[d][j], kTol) << d << " " << j;
    }
  EXPECT_TRUE(r.mean_pattern.empty());
}

TEST(MsSimulation, HrtemMatchesTheEnsembleByHand) {
  const Simulation s = hrtem_case();
  Recorder events;
  const SimulationResult r = run(s, Device::cpu(), Precision::double_, &events);
  const Grid& g = s.grid;
  const int64_t pix = g.pixels();
  std::vector<double> ei(std::size_t(pix), 0.0), im(std::size_t(pix), 0.0);
  Array<Complex<double>> first;
  for (int64_t k = 0; k < s.phonons; ++k) {
    const Potential pot(frozen_phonon(s.atoms, s.seed, k), g, s.potential);
    Array<Complex<double>> wave = plane_wave<double>(g, 1);
    multislice<double>(Device::cpu(), wave, pot, s.energy);
    const Array<double> img = hrtem_image(wave, g, s.energy, s.ctf);
    const double w = double(pix) / 2;
    for (int64_t i = 0; i < pix; ++i) {
      ei[std::size_t(i)] += w * (wave[i].re * wave[i].re + wave[i].im * wave[i].im);
      im[std::size_t(i)] += w * img[i];
    }
    if (k == 0) first = wave.to(Memory::host);
  }
  ASSERT_EQ(r.image.shape(), (Shape{g.ny, g.nx}));
  ASSERT_EQ(r.exit_wave.shape(), (Shape{g.ny, g.nx}));
  double lo = 1e9, hi = 0;
  const double scale = std::sqrt(double(pix));
  for (int64_t i = 0; i < pix; ++i) {
    EXPECT_NEAR(r.exit_intensity[i], ei[std::size_t(i)], kTol) << i;
    EXPECT_NEAR(r.image[i], im[std::size_t(i)], kTol) << i;
    // Stored in float: one rounding of a value of modulus about 1.
    EXPECT_NEAR(r.exit_wave[i].re, first[i].re * scale, 1e-6) << i;
    EXPECT_NEAR(r.exit_wave[i].im, first[i].im * scale, 1e-6) << i;
    lo = std::min(lo, r.image[i]), hi = std::max(hi, r.image[i]);
  }
  EXPECT_GT(hi - lo, 0.05);  // the lattice shows
  EXPECT_EQ(count_spans(events, "configuration"), 2);
  ASSERT_FALSE(events.progress_.empty());
  EXPECT_EQ(events.progress_.back().done, 2);
}

TEST(MsSimulation, BadSimulationsThrowBeforeAnySlice) {
  auto expect_rejected = [](const Simulation& s, const std::string& words) {
    Recorder events;
    try {
      run(s, Device::cpu(), Precision::single, &events);
      ADD_FAILURE() << "accepted: " << words;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
    EXPECT_TRUE(events.progress_.empty()) << words;
    EXPECT_TRUE(events.spans_.empty()) << words;
  };
  Simulation s = stem_case();
  s.detectors[1].ring.outer = 150;
  expect_rejected(s, "antialiased cutoff");
  s = stem_case();
  s.detectors[3].name = "BF";
  expect_rejected(s, "'BF' twice");
  s = stem_case();
  s.detectors[0].name = "a/b";
  expect_rejected(s, "detector name");
  s = stem_case();
  s.scan_shape = {2, 2};
  expect_rejected(s, "scan shape");
  s = stem_case();
  s.atoms.sigma.clear();
  expect_rejected(s, "sigma");
  s = stem_case();
  s.detectors.clear();
  expect_rejected(s, "detectors");
  s = stem_case();
  s.batch = -1;
  expect_rejected(s, "batch");
  s = stem_case();
  s.probe.semiangle_cutoff = 90;
  expect_rejected(s, "semiangle");
  s = hrtem_case();
  s.detectors = stem_case().detectors;
  expect_rejected(s, "plane wave");
  s = hrtem_case();
  s.ctf.focal_spread = -1;
  expect_rejected(s, "focal spread");
  s = hrtem_case();
  s.energy = 0;
  expect_rejected(s, "energy");
}

TEST(MsSimulation, WriteSimulationKeepsTheSchemaAndLeavesNothingOnFailure) {
  Simulation s = stem_case();
  s.phonons = 1;
  s.scan = ScanKind::grid;
  s.positions = grid_scan({0, 0}, {s.atoms.cell[0], s.atoms.cell[1]}, 3, 2);
  s.scan_shape = {2, 3};
  const SimulationResult r = run(s, Device::cpu(), Precision::single);
  TempDir dir;
  const std::string out = dir.file("si.h5");
  write_simulation(out, s, r, R"({"energy_eV":200000.0})");
  {
    h5::File f = h5::File::open_read(out);
    EXPECT_EQ(f.read_attr_string("/", "parameters"), R"({"energy_eV":200000.0})");
    EXPECT_NE(f.read_attr_string("/", "units").find("Angstrom"), std::string::npos);
    const auto pos = f.read_array<double>("stem/positions");
    ASSERT_EQ(pos.shape(), (Shape{6, 2}));
    EXPECT_EQ(pos[2 * 2], s.positions[2].first);
    EXPECT_EQ(pos[2 * 2 + 1], s.positions[2].second);
    const auto shape = f.read_array<double>("stem/scan_shape");
    EXPECT_EQ(shape[0], 2.0);
    EXPECT_EQ(shape[1], 3.0);
    for (std::size_t d = 0; d < s.detectors.size(); ++d) {
      const std::string ds = "stem/" + s.detectors[d].name;
      const auto a = f.read_array<double>(ds);
      ASSERT_EQ(a.shape(), r.readings[d].shape()) << ds;
      for (int64_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], r.readings[d][i]) << ds;
      EXPECT_EQ(f.read_attr_string(ds, "type"), detector_type_name(s.detectors[d].type));
      EXPECT_EQ(f.read_attr_string(ds, "parameters"), detector_parameters(s.detectors[d]));
    }
    EXPECT_NE(f.read_attr_string("stem/DPC", "parameters").find("\"rings\":2"), std::string::npos);
    EXPECT_EQ(f.read_array<double>("stem/mean_diffraction").shape(), r.mean_pattern.shape());
  }
  const auto pictures = write_pictures(dir.file("si"), s, r);
  EXPECT_EQ(pictures, (std::vector<std::string>{dir.file("si_BF.png"), dir.file("si_ADF.png"), dir.file("si_mean_diffraction.png")}));
  for (const auto& p : pictures) EXPECT_TRUE(std::filesystem::exists(p)) << p;
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) files += 1, (void)e;
  EXPECT_EQ(files, 4) << "a temporary file left behind";

  // A target that cannot be replaced (a folder with a file in it): the rename fails, and the
  // hidden temporary beside it is gone.
  TempDir bad;
  std::filesystem::create_directory(bad.file("x.h5"));
  std::ofstream(bad.file("x.h5/keep")) << "x";
  EXPECT_THROW(write_simulation(bad.file("x.h5"), s, r, "{}"), InputError);
  files = 0;
  for (auto& e : std::filesystem::directory_iterator(bad.path())) files += 1, (void)e;
  EXPECT_EQ(files, 1) << "a temporary file left behind";
  // The CXI writer needs a pixelated detector on a square grid: this one has both.
  EXPECT_NO_THROW(check_stem_cxi(s, 1e6));
  s.detectors.pop_back();
  EXPECT_THROW(check_stem_cxi(s, 1e6), InputError);
}

TEST(MultisliceRun, ProjectedPotentialOutput) {
  // potential_output: the static lattice's slices as the run cut them, or their sum. The sampled
  // form's pixel sum times the pixel area is each atom's plane integral 2 pi a0 e f_e(0) to float
  // rounding (test_ms_slices: 1.4e-9), so the projected potential of the specimen integrates to the
  // sum over its atoms; the tolerance 1e-6 is far above the rounding of 2 x 32 x 32 float pixels.
  Simulation s = hrtem_case();
  s.phonons = 1;
  s.potential_output = PotentialOutput::slices;
  const SimulationResult sl = run(s, Device::cpu(), Precision::double_);
  const Potential pot(s.atoms, s.grid, s.potential);
  ASSERT_EQ(sl.potential.shape().rank, 3);
  ASSERT_EQ(sl.potential.shape()[0], pot.num_slices());
  const std::vector<float> want = pot.all_slices();
  for (int64_t i = 0; i < sl.potential.size(); ++i) ASSERT_EQ(sl.potential[i], want[std::size_t(i)]);
  s.potential_output = PotentialOutput::projected;
  const SimulationResult pr = run(s, Device::cpu(), Precision::double_);
  ASSERT_EQ(pr.potential.shape().rank, 2);
  double sum = 0;
  for (int64_t i = 0; i < pr.potential.size(); ++i) sum += pr.potential[i];
  const double integral = sum * s.grid.dx * s.grid.dy;
  const double expected = double(s.atoms.size()) * 2 * kPi * kBohrE * scattering_factor(79, 0, s.potential.parametrization);
  EXPECT_NEAR(integral, expected, 1e-6 * expected);
  // The file holds it with its units; none leaves no potential.
  TempDir dir;
  write_simulation(dir.file("p.h5"), s, pr, "{}");
  h5::File f = h5::File::open_read(dir.file("p.h5"));
  EXPECT_EQ(f.shape("potential/projected"), (std::vector<int64_t>{s.grid.ny, s.grid.nx}));
  s.potential_output = PotentialOutput::none;
  EXPECT_TRUE(run(s, Device::cpu(), Precision::double_).potential.empty());
  EXPECT_THROW(parse_potential_output("all"), InputError);
}

TEST(MultisliceRun, PlaneWaveSpotsFollowTheCrystal) {
  // Au [001], 2 x 2 x 2 cells with every atom on a pixel: the listed spots (1e-4 of the beam and
  // up) are the fcc reflections of the zero-order Laue zone, h and k even, l = 0; the odd ones
  // (the supercell's frequencies where the lattice has none) stay at rounding (1e-20 here); the
  // square grid keeps the four-fold symmetry, so (200), (020), (-200), (0-20) agree to 1e-12.
  Simulation s;
  s.atoms = crystal("Au", 2, 2, 2);
  s.supercell = Supercell{{0, 0, 1}, {{{2, 0, 0}, {0, 2, 0}, {0, 0, 2}}}, 0, 8};
  s.grid = grid_from_gpts(s.atoms.cell[0], s.atoms.cell[1], 64, 64);
  s.potential.slice_thickness = 4.078 / 2;
  s.wave = WaveKind::plane;
  const SimulationResult r = run(s, Device::cpu(), Precision::double_);
  ASSERT_GT(r.spots.size(), 8u);
  EXPECT_EQ(r.spots[0].h, 0.0);  // the direct beam is the brightest
  EXPECT_EQ(r.spots[0].k, 0.0);
  double total = 0;
  for (int64_t i = 0; i < r.diffraction.size(); ++i) total += r.diffraction[i];
  EXPECT_LE(total, 1 + 1e-12);
  EXPECT_GT(total, 0.98);  // at 0.13 A sampling 1.3% of the beam scatters beyond the aperture
  double s200[4] = {0, 0, 0, 0};
  for (const Spot& p : r.spots) {
    SCOPED_TRACE(std::to_string(p.h) + " " + std::to_string(p.k));
    EXPECT_EQ(p.h, std::round(p.h));
    EXPECT_EQ(p.k, std::round(p.k));
    EXPECT_EQ(p.l, 0.0);
    EXPECT_EQ(std::fmod(std::abs(p.h), 2.0), 0.0);
    EXPECT_EQ(std::fmod(std::abs(p.k), 2.0), 0.0);
    if (p.h == 2 && p.k == 0) s200[0] = p.intensity;
    if (p.h == 0 && p.k == 2) s200[1] = p.intensity;
    if (p.h == -2 && p.k == 0) s200[2] = p.intensity;
    if (p.h == 0 && p.k == -2) s200[3] = p.intensity;
  }
  ASSERT_GT(s200[0], 1e-4);
  for (int i = 1; i < 4; ++i) EXPECT_NEAR(s200[i], s200[0], 1e-12 + 1e-9 * s200[0]);
  // (100) and (110): pixels (1, 0) and (1, 1) of the 2 x 2 cell.
  EXPECT_LT(r.diffraction[1], 1e-14);
  EXPECT_LT(r.diffraction[64 + 1], 1e-14);
}

TEST(MultisliceRun, IntensityLostBeyondTheAperture) {
  // What propagation cuts at the antialiasing aperture is 1 - sum |psi_exit|^2 (the transmission
  // and the propagator are otherwise unitary). STEM: per position, the phonon mean, against the
  // exit waves by hand, on the host-detector path and the annular-only one (1e-12 in double).
  const Simulation s = stem_case();
  const SimulationResult r = run(s, Device::cpu(), Precision::double_);
  ASSERT_EQ(r.readings.size(), s.detectors.size());  // the run's own detector is not among them
  ASSERT_EQ(r.lost_beyond_aperture.shape(), (Shape{int64_t(s.positions.size())}));
  std::vector<double> lost(s.positions.size(), 0.0);
  for (int64_t k = 0; k < s.phonons; ++k) {
    const Potential pot(frozen_phonon(s.atoms, s.seed, k), s.grid, s.potential);
    Array<Complex<double>> waves = probe<double>(s.grid, s.probe, s.positions);
    multislice<double>(Device::cpu(), waves, pot, s.energy);
    for (std::size_t j = 0; j < lost.size(); ++j) {
      double kept = 0;
      for (int64_t i = 0; i < s.grid.pixels(); ++i) {
        const auto& c = waves[int64_t(j) * s.grid.pixels() + i];
        kept += c.re * c.re + c.im * c.im;
      }
      lost[j] += (1 - kept) / double(s.phonons);
    }
  }
  Simulation annular = s;
  annular.detectors.resize(2);
  const SimulationResult ra = run(annular, Device::cpu(), Precision::double_);
  for (std::size_t j = 0; j < lost.size(); ++j) {
    EXPECT_NEAR(r.lost_beyond_aperture[int64_t(j)], lost[j], kTol) << j;
    EXPECT_NEAR(ra.lost_beyond_aperture[int64_t(j)], lost[j], kTol) << j;
    EXPECT_GT(lost[j], 1e-6);  // Si at 0.11 A scatters some of the beam past 74 mrad
  }
  // Four annular detectors alone fill the fused kernels' device reading: no fifth, no measure.
  Simulation four = annular;
  four.detectors.push_back({"A", DetectorType::annular, {20, 40, 1, 1, 0}});
  four.detectors.push_back({"B", DetectorType::annular, {40, 70, 1, 1, 0}});
  const SimulationResult r4 = run(four, Device::cpu(), Precision::double_);
  EXPECT_EQ(r4.readings.size(), 4u);
  EXPECT_TRUE(r4.lost_beyond_aperture.empty());
  // Plane waves: one value, 1 - the mean exit intensity (vacuum = 1).
  Simulation h = hrtem_case();
  const SimulationResult rh = run(h, Device::cpu(), Precision::double_);
  ASSERT_EQ(rh.lost_beyond_aperture.size(), 1);
  double mean = 0;
  for (int64_t i = 0; i < rh.exit_intensity.size(); ++i) mean += rh.exit_intensity[i] / double(rh.exit_intensity.size());
  EXPECT_NEAR(rh.lost_beyond_aperture[0], 1 - mean, 1e-12);
  EXPECT_GT(rh.lost_beyond_aperture[0], 1e-4);
}
