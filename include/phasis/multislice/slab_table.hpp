// An element's potential integrated along z from 0 to z, tabulated over (r, z), so that the finite
// projection over any slab [z0, z1] costs two interpolations:
//   F(r, z) = integral_0^z V(sqrt(r^2 + z'^2)) dz'   (odd in z)   ->   slab = F(r, z1) - F(r, z0)
// Radii are log-spaced on [r_min, r_cut] (below r_min the value at r_min is used, as in
// projected_table.hpp). Heights run over u = asinh(z / s) on a uniform grid, s = r_min, so that
// they are dense where F is steep (|z| ~ r near the atom's core) and sparse where it has
// converged; beyond r_cut in |z|, F is held at F(r, r_cut). Both axes interpolate linearly.
// Each F(r, z_j) accumulates Gauss-Legendre slab integrals (RadialPotential::projected_slab) over
// [z_{j-1}, z_j].
#pragma once

#include <vector>

#include "phasis/multislice/radial_potential.hpp"

namespace phasis::ms {

class SlabTable {
 public:
  SlabTable() = default;
  SlabTable(const RadialPotential& p, double r_min, double r_cut, int radii = 512, int heights = 256);

  /// integral over z in [z0, z1] of V at distance r from the atom's axis [V Angstrom]; 0 beyond r_cut.
  double operator()(double r, double z0, double z1) const;
  double r_min() const { return r_min_; }
  double r_cut() const { return r_cut_; }

 private:
  /// F(r, z) for r in [r_min, r_cut).
  double integral_to(double r, double z) const;
  /// F on row i (radius index), at height z >= 0.
  double row_value(std::size_t i, double z) const;

  double r_min_ = 0, r_cut_ = 0, log_min_ = 0, inv_log_step_ = 0, u_max_ = 0, inv_u_step_ = 0;
  int heights_ = 0;
  std::vector<double> values_;  // radii x heights
};

}  // namespace phasis::ms
