// Indexed diffraction spots of a plane-wave pattern (see spots.hpp).
#include "phasis/multislice/spots.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "phasis/core/error.hpp"
#include "phasis/multislice/energy.hpp"

namespace phasis::ms {

std::vector<Spot> diffraction_spots(const Array<double>& pattern, const Grid& g, double energy_ev,
                                    const std::optional<Supercell>& cell, double threshold) {
  const auto& s = pattern.shape();
  if (s.rank != 2 || s[0] != g.ny || s[1] != g.nx)
    throw InputError("diffraction spots: expected a pattern (" + std::to_string(g.ny) + ", " + std::to_string(g.nx) +
                     "); found " + s.str());
  if (!(threshold > 0)) throw InputError("diffraction spots: expected a threshold > 0; found " + std::to_string(threshold));
  // rows^-1 = adj(rows) / det for the crystal's indices.
  std::array<std::array<double, 3>, 3> inv{};
  bool crystal = false;
  if (cell) {
    const auto& m = cell->rows;
    const double d = double(m[0][0]) * (double(m[1][1]) * m[2][2] - double(m[1][2]) * m[2][1]) -
                     double(m[0][1]) * (double(m[1][0]) * m[2][2] - double(m[1][2]) * m[2][0]) +
                     double(m[0][2]) * (double(m[1][0]) * m[2][1] - double(m[1][1]) * m[2][0]);
    crystal = d != 0;
    for (int i = 0; i < 3 && crystal; ++i)
      for (int j = 0; j < 3; ++j) {
        const int i1 = (j + 1) % 3, i2 = (j + 2) % 3, j1 = (i + 1) % 3, j2 = (i + 2) % 3;
        inv[i][j] = (double(m[i1][j1]) * m[i2][j2] - double(m[i1][j2]) * m[i2][j1]) / d;
      }
  }
  const double lambda = wavelength(energy_ev), kmax = antialias_cutoff(g);
  std::vector<Spot> out;
  for (int64_t iy = 0; iy < g.ny; ++iy)
    for (int64_t ix = 0; ix < g.nx; ++ix) {
      const double v = pattern[iy * g.nx + ix];
      if (!(v >= threshold)) continue;
      const double kx = fft_frequency(ix, g.nx, g.dx), ky = fft_frequency(iy, g.ny, g.dy);
      if (kx * kx + ky * ky >= kmax * kmax) continue;  // beyond the aperture: nothing propagated there
      // Signed indices of the simulation cell: k = i / L.
      const double i = std::round(kx * g.extent_x()), j = std::round(ky * g.extent_y());
      Spot sp;
      if (crystal) {
        sp.h = inv[0][0] * i + inv[0][1] * j;
        sp.k = inv[1][0] * i + inv[1][1] * j;
        sp.l = inv[2][0] * i + inv[2][1] * j;
      } else {
        sp.h = i, sp.k = j;
      }
      for (double* x : {&sp.h, &sp.k, &sp.l})
        if (std::abs(*x - std::round(*x)) < 1e-9) *x = std::round(*x) + 0.0;  // whole, and no -0
      sp.kx = kx, sp.ky = ky;
      sp.angle = 1e3 * lambda * std::hypot(kx, ky);
      sp.intensity = v;
      out.push_back(sp);
    }
  std::sort(out.begin(), out.end(), [](const Spot& a, const Spot& b) {
    if (a.intensity != b.intensity) return a.intensity > b.intensity;
    if (a.angle != b.angle) return a.angle < b.angle;
    if (a.kx != b.kx) return a.kx < b.kx;
    return a.ky < b.ky;
  });
  return out;
}

}  // namespace phasis::ms
