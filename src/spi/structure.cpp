#include "phasis/spi/structure.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "phasis/core/error.hpp"

#if PHASIS_HAVE_GEMMI
#include <gemmi/elem.hpp>
#include <gemmi/it92.hpp>
#endif

namespace phasis::spi {

Atom it92_atom(const std::string& element, std::array<double, 3> position) {
#if PHASIS_HAVE_GEMMI
  const gemmi::El el = gemmi::find_element(element.c_str());
  const auto* coef = gemmi::IT92<double>::get_ptr(el);
  if (el == gemmi::El::X || coef == nullptr)
    throw InputError("spi structure: expected a chemical element with IT92 form factors; found '" + element + "'");
  Atom atom;
  atom.position = position;
  for (int i = 0; i < 4; ++i) {
    atom.a[i] = coef->a(i);
    atom.b[i] = coef->b(i);
  }
  atom.c = coef->c();
  return atom;
#else
  (void)position;
  throw InputError("spi structure: IT92 form factors need gemmi, which this build lacks (element '" + element + "')");
#endif
}

double form_factor(const Atom& atom, double s, double b_factor) {
  const double stol2 = s * s / 4;  // (sin(theta) / lambda)^2
  double f = atom.c;
  for (int i = 0; i < 4; ++i) f += atom.a[i] * std::exp(-atom.b[i] * stol2);
  return f * std::exp(-b_factor * stol2);
}

std::vector<Complex<double>> molecular_transform_direct(const Molecule& molecule, int64_t m, const double* sx,
                                                        const double* sy, const double* sz) {
  std::vector<Complex<double>> out(static_cast<size_t>(m));
  const double two_pi = 2 * std::numbers::pi;
#pragma omp parallel for schedule(static)
  for (int64_t j = 0; j < m; ++j) {
    const double s = std::sqrt(sx[j] * sx[j] + sy[j] * sy[j] + sz[j] * sz[j]);
    double re = 0, im = 0;
    for (const Atom& atom : molecule.atoms) {
      const double f = form_factor(atom, s, molecule.b_factor);
      const double p = two_pi * (sx[j] * atom.position[0] + sy[j] * atom.position[1] + sz[j] * atom.position[2]);
      re += f * std::cos(p);
      im += f * std::sin(p);
    }
    out[j] = {re, im};
  }
  return out;
}

std::vector<double> density_grid(const Molecule& molecule, int64_t n, double voxel) {
  if (molecule.atoms.empty()) throw InputError("spi structure: expected at least one atom; found none");
  if (n < 2) throw InputError("spi density grid: expected n >= 2; found " + std::to_string(n));
  if (!(voxel > 0)) throw InputError("spi density grid: expected a positive voxel size");
  if (!(molecule.b_factor > 0))
    throw InputError("spi density grid: expected a positive B factor (the grid must resolve the atoms)");
  // The real-space form of a_i exp(-(b_i + B) s^2 / 4): a_i (4 pi / (b_i + B))^1.5 exp(-4 pi^2 r^2 / (b_i + B)).
  const double pi = std::numbers::pi;
  std::vector<double> rho(static_cast<size_t>(n * n * n), 0.0);
  const int64_t lo = -n / 2;
  // Each atom is summed within the radius where its widest Gaussian has fallen to 1e-9 of its peak
  // (r^2 = ln(1e9) / width): the neglected tail is below 1e-9 of the atom's peak density, and the
  // cost is per atom, not per atom and voxel of the whole grid.
  const double tail = std::log(1e9);
#pragma omp parallel for schedule(dynamic)
  for (int64_t iz = 0; iz < n; ++iz) {
    for (const Atom& atom : molecule.atoms) {
      double amp[5], width[5];
      for (int i = 0; i < 4; ++i) {
        const double bb = atom.b[i] + molecule.b_factor;
        amp[i] = atom.a[i] * std::pow(4 * pi / bb, 1.5);
        width[i] = 4 * pi * pi / bb;
      }
      amp[4] = atom.c * std::pow(4 * pi / molecule.b_factor, 1.5);
      width[4] = 4 * pi * pi / molecule.b_factor;
      double narrowest = width[4];
      for (int i = 0; i < 4; ++i)
        if (amp[i] != 0) narrowest = std::min(narrowest, width[i]);
      const double cut2 = tail / narrowest, cut = std::sqrt(cut2);
      const double dz = (lo + iz) * voxel - atom.position[2];
      if (dz * dz > cut2) continue;
      auto first = [&](double centre) { return std::max<int64_t>(0, int64_t(std::floor((centre - cut) / voxel)) - lo); };
      auto last = [&](double centre) { return std::min<int64_t>(n - 1, int64_t(std::ceil((centre + cut) / voxel)) - lo); };
      const int64_t y0 = first(atom.position[1]), y1 = last(atom.position[1]);
      const int64_t x0 = first(atom.position[0]), x1 = last(atom.position[0]);
      for (int64_t iy = y0; iy <= y1; ++iy) {
        const double dy = (lo + iy) * voxel - atom.position[1];
        double* row = rho.data() + (iz * n + iy) * n;
        for (int64_t ix = x0; ix <= x1; ++ix) {
          const double dx = (lo + ix) * voxel - atom.position[0];
          const double r2 = dx * dx + dy * dy + dz * dz;
          if (r2 > cut2) continue;
          double v = 0;
          for (int i = 0; i < 5; ++i) v += amp[i] * std::exp(-width[i] * r2);
          row[ix] += v;
        }
      }
    }
  }
  return rho;
}

}  // namespace phasis::spi
