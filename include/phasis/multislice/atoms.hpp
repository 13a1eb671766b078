// Atoms of a specimen as a struct of arrays, in an orthogonal periodic cell.
// Positions in Angstrom, with the beam along +z; the cell spans [0, cell[0]) x [0, cell[1]) in x, y
// and [0, cell[2]) in z. sigma is the rms thermal displacement per atom [Angstrom] for frozen
// phonons (empty: none given).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace phasis::ms {

struct Atoms {
  std::vector<int> z;  // atomic numbers
  std::vector<double> x, y, pos_z;
  std::vector<double> sigma;          // empty, or one per atom
  std::array<double, 3> cell{0, 0, 0};  // orthogonal cell lengths [Angstrom]

  int64_t size() const { return int64_t(z.size()); }
  void add(int atomic_number, double px, double py, double pz);
};

/// The cell repeated nx x ny x nz times (all >= 1); throws InputError otherwise.
Atoms repeat(const Atoms& atoms, int nx, int ny, int nz);

/// Throws InputError unless the cell has atoms, a positive size, and atomic numbers in 1..103.
void check_atoms(const Atoms& atoms);

// Conventional cubic unit cells, [100] along z (lattice constants in Angstrom).
/// Face-centred cubic: 4 atoms.
Atoms fcc_cell(int z, double a);
/// Diamond cubic: 8 atoms.
Atoms diamond_cell(int z, double a);
/// Cubic perovskite ABX3: A at the corner, B at the body centre, X at the face centres; 5 atoms.
Atoms perovskite_cell(int a_site, int b_site, int x_site, double a);

/// A cubic cell (cell a x a x a) seen along the zone axis "100", "110" or "111": the orthogonal
/// periodic cell of the same lattice with the zone axis along z, built from the lattice vectors
///   [100]: x [100], y [010], z [001]        (a x a x a, 1 cubic cell)
///   [110]: x [-110], y [001], z [110]       (a sqrt2 x a x a sqrt2, 2 cubic cells)
///   [111]: x [1-10], y [11-2], z [111]      (a sqrt2 x a sqrt6 x a sqrt3, 6 cubic cells)
/// (right-handed; not the smallest such cell for centred lattices, but always a periodic one).
/// Throws InputError for another zone axis or a non-cubic cell.
Atoms orient_cubic(const Atoms& cubic_cell, const std::string& zone_axis);

/// Named crystals with their room-temperature lattice constants: "Au" (fcc, 4.078), "Si" (diamond,
/// 5.431), "SrTiO3" (perovskite, 3.905), along a zone axis (orient_cubic), repeated nx x ny x nz
/// in the oriented cell. Throws InputError for other names.
Atoms crystal(const std::string& name, int nx = 1, int ny = 1, int nz = 1, const std::string& zone_axis = "100");

}  // namespace phasis::ms
