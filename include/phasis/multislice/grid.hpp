// Real-space sampling of a periodic cell and its reciprocal space.
// Pixel (iy, ix) sits at (y, x) = (iy dy, ix dx) [Angstrom]; x runs along the last (fastest) axis.
// Spatial frequencies follow the unshifted FFT order: k_i = i / (n d) for i < (n + 1) / 2, else
// (i - n) / (n d) [1/Angstrom].
// Antialiasing: products of two band-limited functions (transmission times wave) fold back into
// the band unless frequencies are kept below 2/3 of the Nyquist frequency 1 / (2 d), so every
// propagation keeps |k| < k_max = (2/3) min(1 / (2 dx), 1 / (2 dy)); the largest usable scattering
// angle is lambda k_max.
#pragma once

#include <cstdint>

#include "phasis/core/hd.hpp"

namespace phasis::ms {

struct Grid {
  int64_t ny = 0, nx = 0;  // pixels
  double dy = 0, dx = 0;   // sampling [Angstrom / pixel]

  double extent_y() const { return double(ny) * dy; }
  double extent_x() const { return double(nx) * dx; }
  int64_t pixels() const { return ny * nx; }
};

/// nx x ny pixels over an extent lx x ly [Angstrom].
Grid grid_from_gpts(double lx, double ly, int64_t nx, int64_t ny);
/// The fewest pixels whose sampling is at most `sampling` [Angstrom] along each axis.
Grid grid_from_sampling(double lx, double ly, double sampling);
/// Throws InputError unless the grid has at least 2 x 2 pixels and positive sampling.
void check_grid(const Grid& g);

/// k_max [1/Angstrom], the antialiasing aperture's radius.
double antialias_cutoff(const Grid& g);
/// lambda k_max [rad] at this energy [eV].
double antialias_angle(const Grid& g, double energy_ev);

/// Spatial frequency of FFT index i on an axis of n pixels sampled at d [1/Angstrom].
PHASIS_HD double fft_frequency(int64_t i, int64_t n, double d) {
  return double(i < (n + 1) / 2 ? i : i - n) / (double(n) * d);
}

}  // namespace phasis::ms
