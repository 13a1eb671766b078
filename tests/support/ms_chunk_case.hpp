// The STEM ensemble that the chunking tests cut in every way (test_ms_chunks, test_ms_mpi), and
// their comparison: readings equal bit for bit.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "phasis/multislice/crystal.hpp"
#include "phasis/multislice/phonons.hpp"
#include "phasis/multislice/simulation.hpp"

namespace phasis::testing {

/// SrTiO3 [100], one cell, 64 x 64 pixels, 3 frozen-phonon configurations, a 5 x 4 raster; a
/// HAADF ring and a 4D-STEM detector cropped to 40 mrad.
inline ms::Simulation chunk_case() {
  using namespace ms;
  Simulation s;
  s.atoms = crystal("SrTiO3", 1, 1, 2);
  set_sigmas(s.atoms, {{38, 0.08}, {22, 0.07}, {8, 0.09}});
  s.grid = grid_from_gpts(s.atoms.cell[0], s.atoms.cell[1], 64, 64);
  s.potential.slice_thickness = s.atoms.cell[2] / 4;
  s.energy = 200e3;
  s.probe.semiangle_cutoff = 20;
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 5; ++x) s.positions.push_back({0.4 + 0.7 * x, 0.3 + 0.9 * y});
  s.scan_shape = {4, 5};
  s.detectors = {{"HAADF", DetectorType::annular, {60, 130, 1, 1, 0}}, {"4D", DetectorType::pixelated, {}, 40}};
  s.phonons = 3;
  s.seed = 11;
  return s;
}

/// Every detector's readings and the beam lost beyond the aperture, equal bit for bit.
inline void expect_same_readings(const ms::SimulationResult& a, const ms::SimulationResult& b, const std::string& what) {
  ASSERT_EQ(a.readings.size(), b.readings.size()) << what;
  for (std::size_t d = 0; d < a.readings.size(); ++d) {
    ASSERT_EQ(a.readings[d].size(), b.readings[d].size()) << what;
    int64_t differ = 0;
    for (int64_t i = 0; i < a.readings[d].size(); ++i) differ += a.readings[d][i] != b.readings[d][i];
    EXPECT_EQ(differ, 0) << what << ": detector " << d << " differs in " << differ << " of " << a.readings[d].size();
  }
  ASSERT_EQ(a.lost_beyond_aperture.size(), b.lost_beyond_aperture.size()) << what;
  for (int64_t i = 0; i < a.lost_beyond_aperture.size(); ++i)
    EXPECT_EQ(a.lost_beyond_aperture[i], b.lost_beyond_aperture[i]) << what << " " << i;
}

}  // namespace phasis::testing
