// STEM with annular detectors: Z-contrast on SrTiO3 [100] columns, agreement with the multislice
// and detector functions called by hand, batching, and the frozen phonon mean.
#include <gtest/gtest.h>

#include <cstdio>
#include <vector>

#include "phasis/core/error.hpp"
#include "phasis/multislice/atoms.hpp"
#include "phasis/multislice/detectors.hpp"
#include "phasis/multislice/multislice.hpp"
#include "phasis/multislice/phonons.hpp"
#include "phasis/multislice/potential.hpp"
#include "phasis/multislice/stem.hpp"
#include "phasis/multislice/waves.hpp"

using namespace phasis;
using namespace phasis::ms;

namespace {

constexpr double kA = 3.905;  // SrTiO3 lattice constant

struct StoSetup {
  Atoms atoms = crystal("SrTiO3", 3, 3, 4);
  Grid grid = grid_from_sampling(atoms.cell[0], atoms.cell[1], 0.05);  // 167 mrad antialiased at 200 keV
  PotentialOptions potential{Parametrization::lobato, kA / 2};
  StemOptions options;
  StoSetup() {
    options.probe.energy = 200e3;
    options.probe.semiangle_cutoff = 25;
    options.detectors = {{0, 25}, {70, 160}};  // BF, HAADF
    options.batch = 3;
  }
};

}  // namespace

TEST(MultisliceStem, HaadfShowsZContrastOnSrTiO3Columns) {
  StoSetup s;
  // Sr column, Ti-O column, O column, and the empty channel between them, in the middle cell.
  const std::vector<Position> at = {{kA, kA}, {1.5 * kA, 1.5 * kA}, {1.5 * kA, kA}, {1.25 * kA, 1.25 * kA}};
  const Array<double> r = stem_annular(Device::cpu(), Precision::single, s.atoms, s.grid, s.potential, at, s.options);
  const double* haadf = r.data() + 4;
  std::printf("HAADF: Sr %.4f, TiO %.4f, O %.4f, empty %.4f; BF: Sr %.4f, empty %.4f\n", haadf[0], haadf[1], haadf[2],
              haadf[3], r[0], r[3]);
  EXPECT_GT(haadf[0], haadf[1]);  // Z^1.7: 38 against 22 + 8 per repeat
  EXPECT_GT(haadf[1], haadf[2]);
  EXPECT_GT(haadf[2], haadf[3]);
  for (int j = 0; j < 4; ++j) {
    EXPECT_GT(r[j], 0.0);
    EXPECT_LT(r[j] + haadf[j], 1.0);  // the detectors do not overlap and intensity is conserved at most
  }
}

TEST(MultisliceStem, MatchesMultisliceAndDetectorByHand) {
  StoSetup s;
  const std::vector<Position> at = {{1.0, 2.0}, {3.0, 4.5}, {5.5, 1.0}, {7.0, 7.0}};  // batches of 3 and 1
  const Potential pot(s.atoms, s.grid, s.potential);
  const Array<double> r = stem_annular<double>(Device::cpu(), pot, at, s.options);
  auto waves = probe<double>(s.grid, s.options.probe, at);
  multislice<double>(Device::cpu(), waves, pot, s.options.probe.energy);
  for (std::size_t d = 0; d < 2; ++d) {
    const auto ref = annular_detect<double>(Device::cpu(), waves, s.grid, s.options.probe.energy, s.options.detectors[d]);
    for (int64_t j = 0; j < 4; ++j) EXPECT_NEAR(r[int64_t(d) * 4 + j], ref[std::size_t(j)], 1e-12) << d << " " << j;
  }
  const Array<double> rf = stem_annular(Device::cpu(), Precision::single, s.atoms, s.grid, s.potential, at, s.options);
  for (int64_t i = 0; i < r.size(); ++i) EXPECT_NEAR(rf[i], r[i], 1e-5 * r[i] + 1e-7) << i;
}

TEST(MultisliceStem, PhononEnsembleIsTheMeanOfItsConfigurations) {
  StoSetup s;
  s.atoms = crystal("SrTiO3", 3, 3, 1);
  set_sigmas(s.atoms, {{38, 0.1}, {22, 0.08}, {8, 0.09}});
  s.options.phonons = 3;
  s.options.seed = 11;
  const std::vector<Position> at = {{kA, kA}, {1.5 * kA, 1.5 * kA}};
  const Array<double> mean = stem_annular(Device::cpu(), Precision::double_, s.atoms, s.grid, s.potential, at, s.options);
  std::vector<double> ref(std::size_t(mean.size()), 0.0);
  for (int64_t c = 0; c < 3; ++c) {
    const Potential pot(frozen_phonon(s.atoms, 11, c), s.grid, s.potential);
    const Array<double> r = stem_annular<double>(Device::cpu(), pot, at, s.options);
    for (int64_t i = 0; i < r.size(); ++i) ref[std::size_t(i)] += r[i] / 3;
  }
  for (int64_t i = 0; i < mean.size(); ++i) EXPECT_NEAR(mean[i], ref[std::size_t(i)], 1e-12);
}

TEST(MultisliceStem, BadOptionsThrow) {
  StoSetup s;
  const std::vector<Position> at = {{1, 1}};
  auto bad = s.options;
  bad.detectors = {{70, 250}};  // beyond 167 mrad
  EXPECT_THROW(stem_annular(Device::cpu(), Precision::single, s.atoms, s.grid, s.potential, at, bad), InputError);
  bad = s.options;
  bad.detectors.clear();
  EXPECT_THROW(stem_annular(Device::cpu(), Precision::single, s.atoms, s.grid, s.potential, at, bad), InputError);
  bad = s.options;
  bad.batch = 0;
  EXPECT_THROW(stem_annular(Device::cpu(), Precision::single, s.atoms, s.grid, s.potential, at, bad), InputError);
  bad = s.options;
  bad.phonons = 2;  // atoms have no sigma
  EXPECT_THROW(stem_annular(Device::cpu(), Precision::single, s.atoms, s.grid, s.potential, at, bad), InputError);
  EXPECT_THROW(stem_annular(parse_device("tpu"), Precision::single, s.atoms, s.grid, s.potential, at, s.options), InputError);
  EXPECT_THROW(stem_annular(Device::cpu(), parse_precision("half"), s.atoms, s.grid, s.potential, at, s.options), InputError);
  EXPECT_THROW(stem_annular(Device::cpu(), Precision::single, s.atoms, s.grid, s.potential, {}, s.options), InputError);
  bad = s.options;
  bad.probe.energy = -5;
  EXPECT_THROW(stem_annular(Device::cpu(), Precision::single, s.atoms, s.grid, s.potential, at, bad), InputError);
}
