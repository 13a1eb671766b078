// Table of an element's potential integrated along z; see slab_table.hpp.
#include "phasis/multislice/slab_table.hpp"

#include <algorithm>
#include <cmath>

#include "phasis/core/error.hpp"

namespace phasis::ms {

SlabTable::SlabTable(const RadialPotential& p, double r_min, double r_cut, int radii, int heights)
    : r_min_(r_min), r_cut_(r_cut), log_min_(std::log(r_min)), heights_(heights) {
  if (!(r_min > 0) || !(r_cut > r_min) || radii < 2 || heights < 2)
    throw InternalError("SlabTable: expected 0 < r_min < r_cut and at least 2 radii and heights");
  inv_log_step_ = (radii - 1) / (std::log(r_cut) - log_min_);
  u_max_ = std::asinh(r_cut / r_min);
  inv_u_step_ = (heights - 1) / u_max_;
  values_.assign(std::size_t(radii) * std::size_t(heights), 0.0);
#pragma omp parallel for schedule(dynamic, 8)
  for (int i = 0; i < radii; ++i) {
    const double r = std::exp(log_min_ + i / inv_log_step_);
    double acc = 0, z_prev = 0;
    double* row = values_.data() + std::size_t(i) * std::size_t(heights);
    for (int j = 1; j < heights; ++j) {
      const double z = r_min * std::sinh(j / inv_u_step_);
      acc += p.projected_slab(r, z_prev, z);
      row[j] = acc;
      z_prev = z;
    }
  }
}

double SlabTable::row_value(std::size_t i, double z) const {
  const double* row = values_.data() + i * std::size_t(heights_);
  const double u = std::asinh(z / r_min_) * inv_u_step_;
  const auto j = std::size_t(u);
  if (j + 1 >= std::size_t(heights_)) return row[heights_ - 1];
  const double f = u - double(j);
  return row[j] + f * (row[j + 1] - row[j]);
}

double SlabTable::integral_to(double r, double z) const {
  const double sign = z < 0 ? -1.0 : 1.0;
  const double az = std::abs(z);
  const std::size_t radii = values_.size() / std::size_t(heights_);
  const double s = (std::log(std::max(r, r_min_)) - log_min_) * inv_log_step_;
  const auto i = std::min(std::size_t(s), radii - 2);
  const double f = std::clamp(s - double(i), 0.0, 1.0);
  return sign * ((1 - f) * row_value(i, az) + f * row_value(i + 1, az));
}

double SlabTable::operator()(double r, double z0, double z1) const {
  if (r >= r_cut_) return 0;
  return integral_to(r, z1) - integral_to(r, z0);
}

}  // namespace phasis::ms
