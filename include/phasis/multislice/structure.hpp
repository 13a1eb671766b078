// Structure files for multislice: PDB, mmCIF and small-molecule CIF through gemmi (optional at
// build time), XYZ and extended XYZ through xyz.hpp, VASP POSCAR through poscar.hpp, chosen by
// file name.
// Small-molecule CIF (the first block with _atom_site_fract_x; without one a .cif is mmCIF): the
// cell (_cell_length_*, _cell_angle_*), the symmetry operations it lists
// (_space_group_symop_operation_xyz or _symmetry_equiv_pos_as_xyz), else those of its
// Hermann-Mauguin name (_space_group_name_H-M_alt, _symmetry_space_group_name_H-M; gemmi's default
// setting), else none (P 1); every site expanded by them (gemmi's get_all_unit_cell_sites, images
// within 0.4 A of each other taken once) and wrapped into the cell; sigma = sqrt(U_iso) when every
// site has U_iso or B_iso > 0. Partly occupied sites are refused (multislice places whole atoms).
// From PDB/mmCIF: the first model; of atoms with alternative locations, those without one or with
// 'A'; sigma from the isotropic B factor, B = 8 pi^2 sigma^2, when every atom has B > 0; the cell
// from CRYST1 / _cell when it is orthogonal with all lengths above 1 Angstrom (PDB writes 1 1 1 for
// "no cell"), otherwise zero, to be set with center_in_box or by hand.
#pragma once

#include <optional>
#include <string>

#include "phasis/multislice/atoms.hpp"
#include "phasis/multislice/crystal.hpp"

namespace phasis::ms {

/// True when this build reads PDB and mmCIF (gemmi was found at configure time).
bool structure_reader_available();

/// PDB or mmCIF. Throws InputError for unreadable files or unknown elements, and when the build
/// has no gemmi.
Atoms read_structure(const std::string& path);

/// A small-molecule CIF as a crystal (above); nullopt when no block of the file has
/// _atom_site_fract_x (an mmCIF file). InputError for a file without a cell, unknown elements or
/// space groups, bad symmetry operations, partial occupancies, and when the build has no gemmi.
std::optional<Crystal> read_small_cif(const std::string& path);

/// A structure file as a crystal when its format carries a periodic cell of any shape: POSCAR /
/// CONTCAR / .vasp / .poscar, small-molecule CIF, extended XYZ with an oblique Lattice. nullopt for
/// the other files (PDB, mmCIF, plain XYZ, extended XYZ with an orthogonal cell), which
/// read_atoms reads as they are.
std::optional<Crystal> read_crystal(const std::string& path);

/// .xyz / .extxyz: read_xyz; .pdb / .ent / .mmcif and mmCIF .cif: read_structure; the crystals of
/// read_crystal: their orthogonal cell along [001] (orient with the default options). Throws
/// InputError for other file names.
Atoms read_atoms(const std::string& path);

/// Moves the atoms so their bounding box starts at `vacuum` [Angstrom] on each axis, and sets the
/// cell to the box plus `vacuum` on each side. Throws InputError for no atoms or vacuum < 0.
void center_in_box(Atoms& atoms, double vacuum);

}  // namespace phasis::ms
