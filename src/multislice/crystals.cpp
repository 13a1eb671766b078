// Conventional cubic cells of common test specimens. Fractional coordinates are the textbook ones
// (International Tables, origin choice at an atom); lattice constants at room temperature.
#include <array>
#include <initializer_list>
#include <string>

#include "phasis/core/error.hpp"
#include "phasis/multislice/atoms.hpp"
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
  if (!(a > 0)) throw InputError("lattice constant: expected a positive length in Angstrom; found " + std::to_string(a));
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

Atoms crystal(const std::string& name, int nx, int ny, int nz, const std::string& zone_axis) {
  Atoms cell;
  if (name == "Au") cell = fcc_cell(79, 4.078);
  else if (name == "Si") cell = diamond_cell(14, 5.431);
  else if (name == "SrTiO3") cell = perovskite_cell(38, 22, 8, 3.905);
  else throw InputError("crystal: expected Au, Si or SrTiO3; found '" + name + "'");
  return repeat(orient_cubic(cell, zone_axis), nx, ny, nz);
}

}  // namespace phasis::ms
