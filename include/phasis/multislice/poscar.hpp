// VASP POSCAR / CONTCAR structure files (VASP 5 and later, which name the species):
//   line 1  comment
//   line 2  scale: one number s > 0 (lengths times s), s < 0 (the cell scaled to volume |s| A^3),
//           or three numbers (each Cartesian component of the lattice vectors scaled by its own)
//   3-5     the lattice vectors a, b, c [Angstrom, before scaling]
//   6       species (element symbols; "Fe_pv" or "Fe/abc" potential names give Fe)
//   7       atoms per species, one count per species
//   [       "Selective dynamics" (a line starting with S or s), skipped ]
//   next    "Direct" (fractional coordinates) or "Cartesian" (Angstrom, scaled as the lattice;
//           a line starting with K or C), then one line per atom: x y z [flags or labels ignored]
// Velocities and other blocks after the positions are ignored. VASP 4 files (no species line) are
// refused: their species live in POTCAR, which phasis does not read.
#pragma once

#include <istream>
#include <string>

#include "phasis/multislice/crystal.hpp"

namespace phasis::ms {

/// Reads a file; throws InputError when it cannot be opened or parsed (with the line number).
Crystal read_poscar(const std::string& path);
/// Parses POSCAR text; `source` names it in error messages.
Crystal parse_poscar(std::istream& in, const std::string& source = "POSCAR");

/// True for a file name VASP uses (POSCAR, CONTCAR, with any prefix or suffix) or the extension
/// .vasp / .poscar.
bool is_poscar_name(const std::string& path);

}  // namespace phasis::ms
