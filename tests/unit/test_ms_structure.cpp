// PDB / mmCIF reading through gemmi (when built with it), reader choice by extension, and boxing.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>

#include "phasis/core/error.hpp"
#include "phasis/multislice/energy.hpp"
#include "phasis/multislice/structure.hpp"
#include "testing.hpp"

using namespace phasis;
using namespace phasis::ms;

namespace {

const char* kPdb =
    "CRYST1   10.000   12.000   14.000  90.00  90.00  90.00 P 1           1\n"
    "ATOM      1  N   ALA A   1       1.000   2.000   3.000  1.00 10.00           N\n"
    "ATOM      2  CA AALA A   1       1.500   2.500   3.500  0.50 12.00           C\n"
    "ATOM      3  CA BALA A   1       1.600   2.600   3.600  0.50 12.00           C\n"
    "HETATM    4 AU   AU  B   2       4.000   5.000   6.000  1.00 20.00          AU\n"
    "END\n";

const char* kCif =
    "data_sto\n"
    "_cell.length_a 3.905\n_cell.length_b 3.905\n_cell.length_c 3.905\n"
    "_cell.angle_alpha 90\n_cell.angle_beta 90\n_cell.angle_gamma 100\n"
    "loop_\n"
    "_atom_site.group_PDB\n_atom_site.id\n_atom_site.type_symbol\n_atom_site.label_atom_id\n"
    "_atom_site.label_alt_id\n_atom_site.label_comp_id\n_atom_site.label_asym_id\n_atom_site.label_seq_id\n"
    "_atom_site.Cartn_x\n_atom_site.Cartn_y\n_atom_site.Cartn_z\n_atom_site.occupancy\n"
    "_atom_site.B_iso_or_equiv\n_atom_site.auth_seq_id\n"
    "HETATM 1 Sr SR . SR A . 0.0 0.0 0.0 1.0 0.0 1\n"
    "HETATM 2 Ti TI . TI B . 1.95 1.95 1.95 1.0 0.0 2\n";

void write(const std::string& path, const char* text) { std::ofstream(path) << text; }

}  // namespace

TEST(MultisliceStructure, ReadsPdb) {
  phasis::testing::TempDir dir;
  write(dir.file("a.pdb"), kPdb);
  if (!structure_reader_available()) {
    EXPECT_THROW(read_atoms(dir.file("a.pdb")), InputError);
    GTEST_SKIP() << "built without gemmi";
  }
  const Atoms a = read_atoms(dir.file("a.pdb"));
  ASSERT_EQ(a.size(), 3);  // the B conformer of CA is left out
  EXPECT_EQ(a.z[0], 7);
  EXPECT_EQ(a.z[1], 6);
  EXPECT_EQ(a.z[2], 79);
  EXPECT_DOUBLE_EQ(a.x[1], 1.5);
  EXPECT_DOUBLE_EQ(a.pos_z[2], 6.0);
  EXPECT_DOUBLE_EQ(a.cell[1], 12.0);
  ASSERT_EQ(a.sigma.size(), 3u);
  EXPECT_NEAR(a.sigma[2], std::sqrt(20.0 / (8 * kPi * kPi)), 1e-12);
}

TEST(MultisliceStructure, ReadsMmcif) {
  phasis::testing::TempDir dir;
  write(dir.file("sto.cif"), kCif);
  if (!structure_reader_available()) GTEST_SKIP() << "built without gemmi";
  const Atoms a = read_atoms(dir.file("sto.cif"));
  ASSERT_EQ(a.size(), 2);
  EXPECT_EQ(a.z[0], 38);
  EXPECT_EQ(a.z[1], 22);
  EXPECT_DOUBLE_EQ(a.y[1], 1.95);
  EXPECT_TRUE(a.sigma.empty());  // B = 0: no thermal parameters given
  EXPECT_EQ(a.cell[0], 0.0);     // gamma = 100 degrees: not an orthogonal cell
}

TEST(MultisliceStructure, BadFilesThrow) {
  phasis::testing::TempDir dir;
  write(dir.file("a.mol2"), "x");
  EXPECT_THROW(read_atoms(dir.file("a.mol2")), InputError);
  EXPECT_THROW(read_atoms(dir.file("missing.pdb")), InputError);
  write(dir.file("empty.pdb"), "END\n");
  EXPECT_THROW(read_atoms(dir.file("empty.pdb")), InputError);
}

TEST(MultisliceStructure, CenterInBox) {
  Atoms a;
  a.add(6, -1, 2, 5);
  a.add(8, 3, 2, 6);
  center_in_box(a, 2.0);
  EXPECT_DOUBLE_EQ(a.x[0], 2.0);
  EXPECT_DOUBLE_EQ(a.x[1], 6.0);
  EXPECT_DOUBLE_EQ(a.cell[0], 8.0);
  EXPECT_DOUBLE_EQ(a.cell[1], 4.0);
  EXPECT_DOUBLE_EQ(a.pos_z[0], 2.0);
  EXPECT_DOUBLE_EQ(a.cell[2], 5.0);
  Atoms none;
  EXPECT_THROW(center_in_box(none, 1.0), InputError);
  EXPECT_THROW(center_in_box(a, -1.0), InputError);
}
