// M-TIP's phasing: a real, non-negative density on an n^3 grid (voxel h, layout as density_grid)
// whose Fourier amplitudes are those of the merged autocorrelation a, |F| = sqrt(max(FFT a, 0) / h^3),
// by cycles of hybrid input-output (Fienup 1982, feedback beta), error reduction and shrink-wrap
// (Marchesini et al. 2003: the support is where the density blurred by a Gaussian exceeds a
// fraction of its maximum). The density's own autocorrelation, h^3 sum_x rho(x) rho(x + k), is
// what the next generation slices: it is consistent (positive, from one density) where the merged
// one need not be.
#pragma once

#include <cstdint>
#include <vector>

#include "phasis/core/device.hpp"

namespace phasis::spi {

struct PhasingSettings {
  int cycles = 10;             // each: HIO, then ER, then shrink-wrap
  int hio_iterations = 50;
  int er_iterations = 20;
  double beta = 0.9;           // HIO feedback
  double sigma = 2.0;          // shrink-wrap blur (voxels)
  double threshold = 0.05;     // shrink-wrap: fraction of the blurred maximum (a low one keeps
                               // the tails of atoms: 0.15 cut them and left 12% amplitude error)
  double initial_threshold = 0.04;  // first support: where a exceeds this fraction of its maximum
  uint64_t seed = 1;           // random start inside the first support
  double max_frequency = 0;    // 1/A: amplitudes are imposed only within this sphere, where the
                               // data are (0: the whole grid); beyond it they float, so the
                               // support and positivity fill them in instead of forcing them to
                               // the merge's regularised guess
  Device device = Device::cpu();  // where the cycles run (setup and recentring: on the host)
};

struct PhasingResult {
  std::vector<double> density;     // n^3, centred (its centre of mass on the grid's centre)
  std::vector<uint8_t> support;    // n^3, centred
  std::vector<double> error;       // per cycle: || |F| - A || / ||A|| after its ER
};

/// Phases `autocorrelation` (n^3, centred). `start`: a density to start from (the previous
/// generation's), with its support; null: random inside the autocorrelation's support.
PhasingResult phase(const std::vector<double>& autocorrelation, int64_t n, double voxel,
                    const PhasingSettings& settings, const PhasingResult* start = nullptr);

/// h^3 sum_x rho(x) rho(x + k) on the n^3 grid (circular: rho's support must span under n / 2).
std::vector<double> autocorrelation_of(const std::vector<double>& density, int64_t n, double voxel);

/// The Fourier amplitudes |FFT rho| (FFT order, unnormalised) of a centred density.
std::vector<double> fourier_amplitudes(const std::vector<double>& density, int64_t n);

}  // namespace phasis::spi
