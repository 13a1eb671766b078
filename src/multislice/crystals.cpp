// Cells of common test specimens. Fractional coordinates are the textbook ones (International
// Tables; cubic cells with the origin at an atom); lattice constants at room temperature.
#include <array>
#include <cmath>
#include <initializer_list>
#include <sstream>
#include <string>

#include "phasis/core/error.hpp"
#include "phasis/multislice/atoms.hpp"
#include "phasis/multislice/crystal.hpp"
#include "phasis/multislice/elements.hpp"

namespace phasis::ms {
namespace {

Atoms from_fractional(int z, double a, std::initializer_list<std::array<double, 3>> sites) {
  Atoms atoms;
  atoms.cell = {a, a, a};
  for (const auto& s : sites) atoms.add(z, s[0] * a, s[1] * a, s[2] * a);
  return atoms;
}

void check_lattice(double a) {
  if (!(a > 0) || !std::isfinite(a)) {
    std::ostringstream o;
    o << a;
    throw InputError("lattice constant: expected a positive length in Angstrom; found " + o.str());
  }
}

struct Site {
  int z;
  double x, y, w;
};

Crystal hexagonal(double a, double c, std::initializer_list<Site> sites) {
  Crystal cr;
  cr.lattice = lattice_from_parameters(a, a, c, 90, 90, 120);
  for (const Site& s : sites) cr.z.push_back(s.z), cr.frac.push_back({s.x, s.y, s.w});
  return cr;
}

}  // namespace

Atoms fcc_cell(int z, double a) {
  check_lattice(a);
  element_symbol(z);
  return from_fractional(z, a, {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}});
}

Atoms diamond_cell(int z, double a) {
  check_lattice(a);
  element_symbol(z);
  return from_fractional(z, a, {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5},
                                {0.25, 0.25, 0.25}, {0.75, 0.75, 0.25}, {0.75, 0.25, 0.75}, {0.25, 0.75, 0.75}});
}

Atoms perovskite_cell(int a_site, int b_site, int x_site, double a) {
  check_lattice(a);
  element_symbol(a_site);
  element_symbol(b_site);
  element_symbol(x_site);
  Atoms atoms;
  atoms.cell = {a, a, a};
  atoms.add(a_site, 0, 0, 0);
  atoms.add(b_site, 0.5 * a, 0.5 * a, 0.5 * a);
  atoms.add(x_site, 0.5 * a, 0.5 * a, 0);
  atoms.add(x_site, 0.5 * a, 0, 0.5 * a);
  atoms.add(x_site, 0, 0.5 * a, 0.5 * a);
  return atoms;
}

Crystal builtin_crystal(const std::string& name, double lattice_constant) {
  if (lattice_constant != 0) check_lattice(lattice_constant);
  const auto a_or = [&](double a) { return lattice_constant != 0 ? lattice_constant : a; };
  if (name == "Au") return crystal_from_atoms(fcc_cell(79, a_or(4.078)));
  if (name == "Si") return crystal_from_atoms(diamond_cell(14, a_or(5.431)));
  if (name == "SrTiO3") return crystal_from_atoms(perovskite_cell(38, 22, 8, a_or(3.905)));
  if (name == "GaN") {
    // Wurtzite, P6_3mc: Ga at 2b (1/3, 2/3, 0), N above it at u c.
    const double a = a_or(3.189), c = a * (5.185 / 3.189), u = 0.377;
    return hexagonal(a, c, {{31, 1.0 / 3, 2.0 / 3, 0}, {31, 2.0 / 3, 1.0 / 3, 0.5},
                            {7, 1.0 / 3, 2.0 / 3, u}, {7, 2.0 / 3, 1.0 / 3, 0.5 + u}});
  }
  if (name == "MoS2") {
    // 2H-MoS2, P6_3/mmc: Mo at 2c, S at 4f with z = 0.621 (trigonal prisms, Mo-S 2.41 A).
    const double a = a_or(3.160), c = a * (12.294 / 3.160), zs = 0.621;
    return hexagonal(a, c, {{42, 1.0 / 3, 2.0 / 3, 0.25}, {42, 2.0 / 3, 1.0 / 3, 0.75},
                            {16, 2.0 / 3, 1.0 / 3, zs - 0.5}, {16, 2.0 / 3, 1.0 / 3, 1 - zs},
                            {16, 1.0 / 3, 2.0 / 3, zs}, {16, 1.0 / 3, 2.0 / 3, 1.5 - zs}});
  }
  throw InputError("crystal: expected Au, Si, SrTiO3, GaN or MoS2; found '" + name + "'");
}

Atoms crystal(const std::string& name, int nx, int ny, int nz, const std::string& zone_axis, double lattice_constant) {
  const Crystal cell = builtin_crystal(name, lattice_constant);
  return repeat(orient(cell, parse_zone_axis(zone_axis)).atoms, nx, ny, nz);
}

}  // namespace phasis::ms
