// XYZ and extended XYZ structure files.
//   line 1: number of atoms;  line 2: comment;  then one line per atom: species x y z [...]
// Extended XYZ puts key=value pairs on the comment line; two are read here:
//   Lattice="ax ay az bx by bz cx cy cz"   the cell vectors [Angstrom]: parse_xyz takes orthogonal
//                                          (diagonal) ones, parse_xyz_crystal any cell
//   Properties=species:S:1:pos:R:3:...     which columns hold the species and the positions
// Species are chemical symbols or atomic numbers. Plain XYZ has no cell: Atoms::cell stays zero
// and must be set before a potential is built.
#pragma once

#include <istream>
#include <optional>
#include <string>

#include "phasis/multislice/atoms.hpp"
#include "phasis/multislice/crystal.hpp"

namespace phasis::ms {

/// Reads a file; throws InputError when it cannot be opened or parsed (with the line number).
Atoms read_xyz(const std::string& path);
/// Parses XYZ text from a stream; `source` names it in error messages.
Atoms parse_xyz(std::istream& in, const std::string& source = "xyz");
/// The file as a crystal of any cell when it has a Lattice (fractional coordinates from the
/// Cartesian positions), nullopt when it has none. The same errors as parse_xyz, except that an
/// oblique cell is accepted.
std::optional<Crystal> parse_xyz_crystal(std::istream& in, const std::string& source = "xyz");

}  // namespace phasis::ms
