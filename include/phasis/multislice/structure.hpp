// Structure files for multislice: PDB and mmCIF through gemmi (optional at build time), XYZ and
// extended XYZ through xyz.hpp, chosen by file extension.
// From PDB/mmCIF: the first model; of atoms with alternative locations, those without one or with
// 'A'; sigma from the isotropic B factor, B = 8 pi^2 sigma^2, when every atom has B > 0; the cell
// from CRYST1 / _cell when it is orthogonal with all lengths above 1 Angstrom (PDB writes 1 1 1 for
// "no cell"), otherwise zero, to be set with center_in_box or by hand.
#pragma once

#include <string>

#include "phasis/multislice/atoms.hpp"

namespace phasis::ms {

/// True when this build reads PDB and mmCIF (gemmi was found at configure time).
bool structure_reader_available();

/// PDB or mmCIF. Throws InputError for unreadable files or unknown elements, and when the build
/// has no gemmi.
Atoms read_structure(const std::string& path);

/// .xyz / .extxyz: read_xyz; .pdb / .ent / .cif / .mmcif: read_structure. Throws InputError for
/// other extensions.
Atoms read_atoms(const std::string& path);

/// Moves the atoms so their bounding box starts at `vacuum` [Angstrom] on each axis, and sets the
/// cell to the box plus `vacuum` on each side. Throws InputError for no atoms or vacuum < 0.
void center_in_box(Atoms& atoms, double vacuum);

}  // namespace phasis::ms
