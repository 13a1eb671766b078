// Log-spaced table of an element's projected potential; see projected_table.hpp.
#include "phasis/multislice/projected_table.hpp"

#include <cmath>

#include "phasis/core/error.hpp"
#include "phasis/multislice/energy.hpp"  // for kPi

namespace phasis::ms {

ProjectedTable::ProjectedTable(const RadialPotential& p, double r_min, double r_cut, int points)
    : r_min_(r_min), r_cut_(r_cut), log_min_(std::log(r_min)) {
  if (!(r_min > 0) || !(r_cut > r_min) || points < 2)
    throw InternalError("ProjectedTable: expected 0 < r_min < r_cut and at least 2 points");
  inv_step_ = (points - 1) / (std::log(r_cut) - log_min_);
  values_.resize(points);
  // Each point is independent, and each costs a few Bessel functions (bessel.hpp).
#pragma omp parallel for schedule(static)
  for (int i = 0; i < points; ++i) values_[i] = p.projected(std::exp(log_min_ + i / inv_step_));
}

double ProjectedTable::operator()(double r) const { return view()(r); }

double singularity_radius(double dx, double dy) { return std::sqrt(dx * dy / kPi) * std::exp(-0.5); }

}  // namespace phasis::ms
