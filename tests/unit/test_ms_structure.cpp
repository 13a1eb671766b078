// PDB / mmCIF reading through gemmi (when built with it), reader choice by extension, and boxing.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

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

namespace {

/// True when the crystal's atoms are `sites` (element, fractional coordinates modulo 1, 1e-9),
/// each once.
::testing::AssertionResult has_sites(const Crystal& c, const std::vector<std::pair<int, Vec3>>& sites) {
  if (c.size() != int64_t(sites.size())) return ::testing::AssertionFailure() << c.size() << " atoms, expected " << sites.size();
  std::vector<bool> used(sites.size(), false);
  for (int64_t i = 0; i < c.size(); ++i) {
    bool found = false;
    for (std::size_t j = 0; j < sites.size() && !found; ++j) {
      if (used[j] || sites[j].first != c.z[std::size_t(i)]) continue;
      bool close = true;
      for (int d = 0; d < 3; ++d) {
        const double diff = c.frac[std::size_t(i)][d] - sites[j].second[d];
        close = close && std::abs(diff - std::round(diff)) < 1e-9;
      }
      if (close) used[j] = found = true;
    }
    if (!found)
      return ::testing::AssertionFailure() << "atom " << i << " (Z " << c.z[std::size_t(i)] << " at " << c.frac[std::size_t(i)][0]
                                           << ", " << c.frac[std::size_t(i)][1] << ", " << c.frac[std::size_t(i)][2]
                                           << ") is not in the hand-built cell";
  }
  return ::testing::AssertionSuccess();
}

// Rock salt by its space group: two sites, the F-centring and the 4 / m -3 2 / m operations make 8.
const char* kNaCl =
    "data_NaCl\n"
    "_cell_length_a 5.640\n_cell_length_b 5.640\n_cell_length_c 5.640\n"
    "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
    "_symmetry_space_group_name_H-M 'F m -3 m'\n"
    "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
    "_atom_site_U_iso_or_equiv\n"
    "Na1 Na+ 0.0 0.0 0.0 0.0100\n"
    "Cl1 Cl- 0.5 0.5 0.5 0.0144\n";

// Wurtzite GaN by its listed symmetry operations (P 6_3 m c, No. 186), no space-group name.
const char* kGaN =
    "data_GaN\n"
    "_cell_length_a 3.189\n_cell_length_b 3.189\n_cell_length_c 5.185\n"
    "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 120\n"
    "loop_\n_space_group_symop_operation_xyz\n"
    "'x,y,z' '-y,x-y,z' '-x+y,-x,z' '-x,-y,z+1/2' 'y,-x+y,z+1/2' 'x-y,x,z+1/2'\n"
    "'-y,-x,z' '-x+y,y,z' 'x,x-y,z' 'y,x,z+1/2' 'x-y,-y,z+1/2' '-x,-x+y,z+1/2'\n"
    "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
    "Ga1 0.333333 0.666667 0.0\n"
    "N1 0.333333 0.666667 0.377\n";

}  // namespace

TEST(MultisliceStructure, SmallMoleculeCifBySpaceGroupName) {
  phasis::testing::TempDir dir;
  write(dir.file("nacl.cif"), kNaCl);
  if (!structure_reader_available()) GTEST_SKIP() << "built without gemmi";
  const std::optional<Crystal> c = read_crystal(dir.file("nacl.cif"));
  ASSERT_TRUE(c.has_value());
  // The cell written out by hand: Na on the fcc sites, Cl on the fcc sites moved by (1/2, 1/2, 1/2).
  const double h = 0.5;
  EXPECT_TRUE(has_sites(*c, {{11, {0, 0, 0}}, {11, {h, h, 0}}, {11, {h, 0, h}}, {11, {0, h, h}},
                             {17, {h, h, h}}, {17, {0, 0, h}}, {17, {0, h, 0}}, {17, {h, 0, 0}}}));
  EXPECT_NEAR(c->lattice[0][0], 5.64, 1e-12);
  EXPECT_NEAR(c->lattice[1][1], 5.64, 1e-12);
  EXPECT_NEAR(c->lattice[1][0], 0.0, 1e-12);
  ASSERT_EQ(c->sigma.size(), 8u);  // sigma = sqrt(U_iso)
  for (int64_t i = 0; i < c->size(); ++i) EXPECT_NEAR(c->sigma[std::size_t(i)], c->z[std::size_t(i)] == 11 ? 0.1 : 0.12, 1e-12);
  // A block of publication data first: the crystal is the block with the atom sites.
  write(dir.file("two.cif"), (std::string("data_global\n_publ_section_title 'rock salt'\n") + kNaCl).c_str());
  const std::optional<Crystal> two = read_crystal(dir.file("two.cif"));
  ASSERT_TRUE(two.has_value());
  EXPECT_EQ(two->size(), 8);
  // read_atoms: the same 8 atoms in the orthogonal 5.64 A cell.
  const Atoms a = read_atoms(dir.file("nacl.cif"));
  EXPECT_EQ(a.size(), 8);
  EXPECT_NEAR(a.cell[2], 5.64, 1e-12);
}

TEST(MultisliceStructure, SmallMoleculeCifBySymmetryOperations) {
  phasis::testing::TempDir dir;
  write(dir.file("gan.cif"), kGaN);
  if (!structure_reader_available()) GTEST_SKIP() << "built without gemmi";
  const std::optional<Crystal> c = read_crystal(dir.file("gan.cif"));
  ASSERT_TRUE(c.has_value());
  // Written out by hand: Ga at (1/3, 2/3, 0) and (2/3, 1/3, 1/2), N u = 0.377 above each. The file's
  // 6-digit thirds are within 1e-6 of a third (the sites are compared to 1e-9 after snapping below).
  Crystal snapped = *c;
  for (auto& f : snapped.frac)
    for (double& v : f)
      for (double third : {1.0 / 3, 2.0 / 3})
        if (std::abs(v - third) < 2e-6) v = third;
  const double t = 1.0 / 3, u = 0.377;
  EXPECT_TRUE(has_sites(snapped, {{31, {t, 2 * t, 0}}, {31, {2 * t, t, 0.5}}, {7, {t, 2 * t, u}}, {7, {2 * t, t, 0.5 + u}}}));
  EXPECT_TRUE(c->sigma.empty());  // no U_iso given
  EXPECT_NEAR(c->lattice[1][0], -3.189 / 2, 1e-12);  // gamma = 120: b at 120 degrees from a in the xy plane
  EXPECT_NEAR(c->lattice[1][1], 3.189 * std::sqrt(3.0) / 2, 1e-12);
}

TEST(MultisliceStructure, BadSmallMoleculeCifs) {
  phasis::testing::TempDir dir;
  if (!structure_reader_available()) GTEST_SKIP() << "built without gemmi";
  const auto error_of = [&](const std::string& text) {
    write(dir.file("x.cif"), text.c_str());
    try {
      read_crystal(dir.file("x.cif"));
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    ADD_FAILURE() << "no InputError for:\n" << text;
    return std::string();
  };
  std::string nacl = kNaCl;
  std::string no_cell = nacl.substr(0, nacl.find("_cell_length_a")) + nacl.substr(nacl.find("_symmetry_space_group"));
  EXPECT_NE(error_of(no_cell).find("expected a cell"), std::string::npos) << error_of(no_cell);
  EXPECT_NE(error_of(std::string(nacl).replace(nacl.find("F m -3 m"), 8, "Q 9 z")).find("space group"), std::string::npos);
  std::string partial = std::string(nacl).replace(nacl.find("_atom_site_U_iso_or_equiv"), 25, "_atom_site_occupancy");
  partial.replace(partial.find("0.0100"), 6, "1.0");
  partial.replace(partial.find("0.0144"), 6, "0.5");
  EXPECT_NE(error_of(partial).find("occupancy 0.5"), std::string::npos) << error_of(partial);
  std::string unknown = std::string(nacl).replace(nacl.find("Na1 Na+"), 7, "Xx1 Xx");
  EXPECT_NE(error_of(unknown).find("element"), std::string::npos) << error_of(unknown);
  std::string gan = kGaN;
  EXPECT_NE(error_of(std::string(gan).replace(gan.find("'-y,x-y,z'"), 10, "'-q,x-y,z'")).find("symmetry operations"),
            std::string::npos);
  // An mmCIF file is not a small-molecule one: read_crystal leaves it to read_structure.
  write(dir.file("sto.cif"), kCif);
  EXPECT_FALSE(read_crystal(dir.file("sto.cif")).has_value());
}
