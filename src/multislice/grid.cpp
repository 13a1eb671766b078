// Grid construction and the antialiasing limits; see grid.hpp.
#include "phasis/multislice/grid.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "phasis/core/error.hpp"
#include "phasis/multislice/energy.hpp"

namespace phasis::ms {
namespace {

void check_extent(double lx, double ly) {
  if (!(lx > 0) || !(ly > 0))
    throw InputError("grid extent: expected positive lengths in Angstrom; found " + std::to_string(lx) + " x " +
                     std::to_string(ly));
}

}  // namespace

Grid grid_from_gpts(double lx, double ly, int64_t nx, int64_t ny) {
  check_extent(lx, ly);
  Grid g{ny, nx, ly / double(ny), lx / double(nx)};
  check_grid(g);
  return g;
}

Grid grid_from_sampling(double lx, double ly, double sampling) {
  check_extent(lx, ly);
  if (!(sampling > 0)) throw InputError("sampling: expected a positive length in Angstrom; found " + std::to_string(sampling));
  // The 1e-9 keeps an extent that is an exact multiple of the sampling from gaining a pixel.
  const auto n = [&](double l) { return std::max<int64_t>(2, int64_t(std::ceil(l / sampling - 1e-9))); };
  return grid_from_gpts(lx, ly, n(lx), n(ly));
}

void check_grid(const Grid& g) {
  if (g.nx < 2 || g.ny < 2)
    throw InputError("gpts: expected at least 2 x 2 pixels; found " + std::to_string(g.nx) + " x " + std::to_string(g.ny));
  if (!(g.dx > 0) || !(g.dy > 0)) throw InputError("sampling: expected positive pixel sizes");
}

double antialias_cutoff(const Grid& g) {
  check_grid(g);
  return 2.0 / 3.0 * std::min(0.5 / g.dx, 0.5 / g.dy);
}

double antialias_angle(const Grid& g, double energy_ev) { return wavelength(energy_ev) * antialias_cutoff(g); }

}  // namespace phasis::ms
