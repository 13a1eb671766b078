// A small SPI case shared by the gpu and mpi tests: 40 light atoms in a flattened box (no symmetry)
// and its noise-free snapshots on a small detector.
#pragma once

#include <cmath>
#include <random>
#include <vector>

#include "phasis/spi/simulate.hpp"

namespace phasis::testing {

inline spi::Molecule spi_molecule() {
  std::mt19937_64 rng(4);
  std::uniform_real_distribution<double> u(-8.0, 8.0);
  spi::Molecule m;
  m.b_factor = 10;
  const char* el[] = {"C", "N", "O"};
  for (int i = 0; i < 40; ++i) m.atoms.push_back(spi::it92_atom(el[i % 3], {u(rng), 0.7 * u(rng), 0.5 * u(rng)}));
  return m;
}

/// `images` snapshots on `pixels` x `pixels` of `pixel_size` m at 0.1 m and 2 A.
inline spi::SpiDataset spi_data(int64_t images, int64_t pixels, double pixel_size, double beamstop = 0) {
  spi::SimulateSettings s;
  s.pixels = pixels, s.pixel_size = pixel_size, s.distance = 0.1, s.photon_energy = 6199.2, s.images = images;
  s.beamstop = beamstop;
  return spi::simulate(spi_molecule(), s);
}

/// || a - b || / || b ||.
inline double relative_l2(const std::vector<double>& a, const std::vector<double>& b) {
  double e = 0, r = 0;
  for (size_t i = 0; i < a.size(); ++i) e += (a[i] - b[i]) * (a[i] - b[i]), r += b[i] * b[i];
  return std::sqrt(e / r);
}

}  // namespace phasis::testing
