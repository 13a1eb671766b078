// Periodic crystals of any cell shape (triclinic to cubic), and the orthogonal multislice cell of a
// crystal seen along a zone axis [uvw], with a small specimen tilt.
//
// Orientation (orient): the zone axis is the lattice direction u a + v b + w c; the new cell's z
// vector is that lattice vector divided by gcd(u, v, w), so the new cell is exactly periodic along
// the beam. Its x and y vectors are lattice vectors (components |n_i| <= max_repetitions in a, b,
// c; the 1000 shortest of those within the tolerance of the plane normal to the beam) nearly
// perpendicular to the beam and to each other, chosen for (in that order) the
// fewest original cells in the supercell, the smallest strain, the shortest x, the shortest y, x
// nearest to the Cartesian x axis (projected on the plane normal to the beam). The three vectors
// span a supercell that is orthogonal up to the strain
//   strain = max |cos(angle)| over the three pairs of supercell vectors
// (to first order the engineering shear strain of making those angles right); it must be at most
// strain_tolerance. The atoms keep their fractional coordinates in the supercell, and the box takes
// the lengths of its three vectors: an exactly orthogonal supercell (a hexagonal cell along [001]
// or [100], a cubic one along any [uvw]) is only rotated. abTEM's orthogonalize_cell does the same
// job (a near-orthogonal supercell within a tolerance, then strained to a box); this is phasis' own
// search.
//
// Tilt ([structure] tilt; PotentialOptions::tilt): the incident beam travels along
// (tan tx, tan ty, 1) in the specimen's frame, abTEM's convention, applied as abTEM applies it: in
// the Fresnel (small-angle) propagator a tilted wave through the specimen equals an untilted one
// through the specimen sheared by x -= z tan tx, y -= z tan ty (z = 0 the entrance surface), and the
// shear is taken slice by slice: the multislice engine moves slice k's band-limited transmission
// function by -z_k tan t (z_k its start) with a phase on its spectrum, exact for any sub-pixel shift
// and the same on every path (CPU, CUDA, the fused 512 kernels), for probes and plane waves.
// (abTEM moves the wave by dz tan t in each slice's propagator instead: the same thing, up to the
// exit wave's overall shift.) tilt_specimen below shears the atoms themselves, each at its own
// depth: the same physics with the atoms moved off the grid's points (tests use it).
// Validity: the shear is the small-angle form of a rotation (it keeps the depths and tan t ~ t);
// at kMaxTiltMrad (100 mrad) the projected lengths of a true rotation differ by 1 - cos t = 0.5%,
// so larger tilts are refused.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "phasis/multislice/atoms.hpp"

namespace phasis::ms {

using Vec3 = std::array<double, 3>;

struct Crystal {
  std::array<Vec3, 3> lattice{};  // the cell vectors a, b, c (rows), Cartesian [Angstrom]
  std::vector<int> z;              // atomic numbers
  std::vector<Vec3> frac;          // fractional coordinates of each atom in (a, b, c)
  std::vector<double> sigma;       // empty, or rms thermal displacement per atom [Angstrom]

  int64_t size() const { return int64_t(z.size()); }
};

/// Lattice vectors from a, b, c [Angstrom] and alpha, beta, gamma [degrees], a along x and b in the
/// xy plane (the crystallographic convention). InputError for lengths <= 0 or angles that make no cell.
std::array<Vec3, 3> lattice_from_parameters(double a, double b, double c, double alpha, double beta, double gamma);

/// Throws InputError unless the cell has atoms, lattice vectors of positive finite volume, finite
/// coordinates and atomic numbers 1..103.
void check_crystal(const Crystal& crystal);

/// An orthogonal Atoms cell as a Crystal (fractional coordinates position / cell length).
Crystal crystal_from_atoms(const Atoms& atoms);

/// "[110]", "110", "1-10", "1 1 0", "[1,1,0]", "-2 1 10" (with separators, any integers) -> {u, v, w};
/// four indices are hexagonal Miller-Bravais [UVTW] (T = -(U + V)): "[11-20]" -> {3, 3, 0} (the
/// lattice direction 2U + V, U + 2V, W; orient divides by the gcd). Throws InputError for other
/// text and for [000].
std::array<int, 3> parse_zone_axis(const std::string& text);
std::string zone_axis_text(const std::array<int, 3>& uvw);

struct OrientOptions {
  double strain_tolerance = 0.01;  // largest |cos| between supercell vectors (see above)
  int max_repetitions = 8;         // largest |component| of the in-plane vectors in a, b, c
};

/// How an orthogonal cell was cut from a crystal.
struct Supercell {
  std::array<int, 3> zone_axis{0, 0, 1};
  std::array<std::array<int, 3>, 3> rows{};  // the x, y, z vectors in units of a, b, c
  double strain = 0;                         // as defined above
  int64_t cells = 1;                         // crystal cells in the supercell (|det rows|)
};

struct Oriented {
  Atoms atoms;  // the orthogonal cell, the zone axis along +z
  Supercell supercell;
};

/// The crystal along `zone_axis` as an orthogonal periodic cell (see above). A cell whose lattice is
/// already diagonal, along [001], comes back as it is (same atoms, same order). InputError for
/// [000], a bad crystal, or no supercell within the tolerance and repetitions (the message gives
/// the smallest strain found).
Oriented orient(const Crystal& crystal, const std::array<int, 3>& zone_axis, const OrientOptions& options = {});

/// The built-in crystals as cells: "Au" (fcc, a = 4.078), "Si" (diamond, 5.431), "SrTiO3" (cubic
/// perovskite, 3.905), "GaN" (wurtzite, a = 3.189, c = 5.185, u = 0.377), "MoS2" (2H, P6_3/mmc,
/// a = 3.160, c = 12.294, S at z = 0.621); hexagonal cells with gamma = 120 degrees.
/// lattice_constant > 0 replaces a (and scales c with it). InputError for other names or a
/// lattice constant that is not a positive finite length.
Crystal builtin_crystal(const std::string& name, double lattice_constant = 0);

/// Largest specimen tilt phasis applies [mrad] (see the validity note above).
constexpr double kMaxTiltMrad = 100;

/// Shears the atoms for a specimen tilt (tx, ty) in mrad, x -= z tan tx, y -= z tan ty, wrapped
/// (see above; runs take the tilt through PotentialOptions::tilt). InputError for a non-finite
/// tilt or one beyond kMaxTiltMrad (its magnitude).
void tilt_specimen(Atoms& atoms, const std::array<double, 2>& tilt_mrad);

}  // namespace phasis::ms
