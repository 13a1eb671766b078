// An element's infinite projected potential v_z(r) [V Angstrom] tabulated on logarithmically
// spaced radii, so that sampling it on a grid costs one interpolation per pixel instead of ten
// Bessel functions. Linear interpolation in log r is exact for the logarithmic singularity of
// K0 near r = 0 and keeps the error elsewhere below 2e-5 relative with 4096 radii.
// Below r_min the value is held at v_z(r_min): a sample over the atom's centre represents the
// average of the singularity over its area. For -ln r averaged over a disc of radius
// rho = sqrt(dx dy / pi) (a dx x dy sample's area), that average equals the value at
// rho e^(-1/2), which is r_min. Beyond the cutoff radius the table is zero.
#pragma once

#include <vector>

#include "phasis/multislice/potential_kernels.hpp"
#include "phasis/multislice/radial_potential.hpp"

namespace phasis::ms {

class ProjectedTable {
 public:
  ProjectedTable() = default;
  /// Tabulates p.projected(r) on [r_min, r_cut].
  ProjectedTable(const RadialPotential& p, double r_min, double r_cut, int points = 4096);

  double operator()(double r) const;
  double r_min() const { return r_min_; }
  double r_cut() const { return r_cut_; }
  /// The table's data for PHASIS_HD code (TableView::values points into this table).
  TableView view() const { return {values_.data(), int64_t(values_.size()), r_min_, r_cut_, log_min_, inv_step_}; }
  const std::vector<double>& values() const { return values_; }

 private:
  double r_min_ = 0, r_cut_ = 0, log_min_ = 0, inv_step_ = 0;
  std::vector<double> values_;
};

/// r_min for a sample area of dx x dy, as argued above.
double singularity_radius(double dx, double dy);

}  // namespace phasis::ms
