// Zone-axis orientation of cubic cells (see atoms.hpp): the atoms of the cubic lattice that fall in
// the parallelepiped spanned by three orthogonal lattice vectors, in that cell's coordinates.
#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "phasis/core/error.hpp"
#include "phasis/multislice/atoms.hpp"

namespace phasis::ms {

Atoms orient_cubic(const Atoms& c, const std::string& zone) {
  const double a = c.cell[0];
  if (!(a > 0) || std::abs(c.cell[1] - a) > 1e-9 * a || std::abs(c.cell[2] - a) > 1e-9 * a)
    throw InputError("zone axis: expected a cubic cell; found " + std::to_string(c.cell[0]) + " x " +
                     std::to_string(c.cell[1]) + " x " + std::to_string(c.cell[2]) + " Angstrom");
  using V = std::array<double, 3>;
  std::array<V, 3> axes;  // x, y, z of the new cell in cubic lattice units
  if (zone == "100" || zone == "[100]") axes = {V{1, 0, 0}, V{0, 1, 0}, V{0, 0, 1}};
  else if (zone == "110" || zone == "[110]") axes = {V{-1, 1, 0}, V{0, 0, 1}, V{1, 1, 0}};
  else if (zone == "111" || zone == "[111]") axes = {V{1, -1, 0}, V{1, 1, -2}, V{1, 1, 1}};
  else throw InputError("zone axis: expected 100, 110 or 111; found '" + zone + "'");
  if (zone == "100" || zone == "[100]") return c;

  std::array<double, 3> len{};
  for (int i = 0; i < 3; ++i) len[i] = std::sqrt(axes[i][0] * axes[i][0] + axes[i][1] * axes[i][1] + axes[i][2] * axes[i][2]);
  Atoms out;
  out.cell = {len[0] * a, len[1] * a, len[2] * a};
  // Every cubic cell translate that can reach the new cell: the axes' components are at most 2.
  const int r = 3;
  const double eps = 1e-9;
  for (int i = -r; i <= r; ++i)
    for (int j = -r; j <= r; ++j)
      for (int k = -r; k <= r; ++k)
        for (int64_t n = 0; n < c.size(); ++n) {
          const V p{c.x[n] / a + i, c.y[n] / a + j, c.pos_z[n] / a + k};  // cubic lattice units
          V f{};  // fractional coordinates in the new cell (axes are orthogonal)
          for (int d = 0; d < 3; ++d)
            f[d] = (p[0] * axes[d][0] + p[1] * axes[d][1] + p[2] * axes[d][2]) / (len[d] * len[d]);
          // Half-open [0, 1) with a tolerance, so sites on a face are taken once, on the low side.
          bool inside = true;
          for (int d = 0; d < 3; ++d) {
            if (std::abs(f[d] - std::round(f[d])) < eps) f[d] = std::round(f[d]);
            inside = inside && f[d] >= 0 && f[d] < 1;
          }
          if (inside) {
            out.add(c.z[n], f[0] * out.cell[0], f[1] * out.cell[1], f[2] * out.cell[2]);
            if (!c.sigma.empty()) out.sigma.push_back(c.sigma[n]);
          }
        }
  return out;
}

}  // namespace phasis::ms
