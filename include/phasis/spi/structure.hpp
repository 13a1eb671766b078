// Molecules for single-particle imaging: atoms with X-ray form factors as sums of Gaussians
// (IT92: f(s) = sum_i a_i exp(-b_i s^2 / 4) + c, with s = |s| = 2 sin(theta) / lambda in 1/A),
// a density grid sampled from them, and their analytic molecular transform.
//
// Units: positions in angstrom, reciprocal coordinates s in 1/A (cycles, no 2 pi):
//   F(s) = sum_j f_j(|s|) exp(-B |s|^2 / 4) exp(2 pi i s . r_j)
// The isotropic B (A^2) widens every atom so that its density is resolved by a grid of voxel h:
// the transform falls as exp(-B s^2 / 4), so B of a few times h^2 keeps the grid's aliasing small.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "phasis/core/complex.hpp"

namespace phasis::spi {

struct Atom {
  std::array<double, 3> position{};  // angstrom
  std::array<double, 4> a{}, b{};     // Gaussian coefficients (electrons, A^2)
  double c = 0;                       // constant term (electrons)
};

struct Molecule {
  std::vector<Atom> atoms;
  double b_factor = 0;  // isotropic B (A^2) added to every atom, > 0 for a density grid
};

/// An atom of `element` (symbol, as "C", "Fe") with IT92 coefficients from gemmi. InputError for an
/// unknown element or a build without gemmi.
Atom it92_atom(const std::string& element, std::array<double, 3> position);

/// Form factor of `atom` at |s| (1/A), with the molecule's B.
double form_factor(const Atom& atom, double s, double b_factor);

/// F(s) at m points by the defining sum over atoms (the reference for small cases).
std::vector<Complex<double>> molecular_transform_direct(const Molecule& molecule, int64_t m, const double* sx,
                                                        const double* sy, const double* sz);

/// Electron density (electrons / A^3) on an n^3 grid of voxel `voxel` (A) centred on the origin:
/// voxel (i, j, k), each in [-n/2, (n-1)/2], lies at (i, j, k) * voxel; layout (z, y, x), x fastest
/// (as nufft.hpp's modes). InputError on no atoms, n < 2, voxel <= 0 or b_factor <= 0.
std::vector<double> density_grid(const Molecule& molecule, int64_t n, double voxel);

}  // namespace phasis::spi
