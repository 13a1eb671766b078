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

/// Named crystals at their room-temperature lattice constants (crystal.hpp: builtin_crystal), along
/// a zone axis (parse_zone_axis text; orient with the default options), repeated nx x ny x nz in
/// the oriented cell. [001] of a cubic crystal is its conventional cell as it is; lattice_constant
/// > 0 replaces a (hexagonal crystals keep their c / a). Throws InputError for other names.
Atoms crystal(const std::string& name, int nx = 1, int ny = 1, int nz = 1, const std::string& zone_axis = "001",
              double lattice_constant = 0);

}  // namespace phasis::ms
