// Crystals of any cell along any zone axis (crystal.hpp): the orthogonalised hexagonal cell against
// one written out by hand, every oriented cell against its crystal (each atom keeps the
// neighbours it has in the crystal), the strain tolerance, zone-axis text and the tilt's shear.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "phasis/core/error.hpp"
#include "phasis/multislice/atoms.hpp"
#include "phasis/multislice/crystal.hpp"
#include "phasis/multislice/xyz.hpp"

using namespace phasis;
using namespace phasis::ms;

namespace {

const double kS3 = std::sqrt(3.0);

/// Graphene's primitive cell: a = 2.46 A, gamma = 120 degrees, 10 A of vacuum along c.
Crystal graphene(double a = 2.46) {
  Crystal c;
  c.lattice = lattice_from_parameters(a, a, 10, 90, 90, 120);
  c.z = {6, 6};
  c.frac = {{1.0 / 3, 2.0 / 3, 0.5}, {2.0 / 3, 1.0 / 3, 0.5}};
  return c;
}

/// True when both cells hold the same atoms (same element, position within tol modulo the cell).
::testing::AssertionResult same_cell(const Atoms& a, const Atoms& b, double tol) {
  for (int d = 0; d < 3; ++d)
    if (std::abs(a.cell[d] - b.cell[d]) > tol)
      return ::testing::AssertionFailure() << "cell " << d << ": " << a.cell[d] << " vs " << b.cell[d];
  if (a.size() != b.size()) return ::testing::AssertionFailure() << a.size() << " atoms vs " << b.size();
  std::vector<bool> used(std::size_t(b.size()), false);
  for (int64_t i = 0; i < a.size(); ++i) {
    bool found = false;
    for (int64_t j = 0; j < b.size() && !found; ++j) {
      if (used[std::size_t(j)] || a.z[i] != b.z[j]) continue;
      const double p[3] = {a.x[i] - b.x[j], a.y[i] - b.y[j], a.pos_z[i] - b.pos_z[j]};
      bool close = true;
      for (int d = 0; d < 3; ++d) close = close && std::abs(p[d] - a.cell[d] * std::round(p[d] / a.cell[d])) < tol;
      if (close) used[std::size_t(j)] = found = true;
    }
    if (!found)
      return ::testing::AssertionFailure() << "atom " << i << " (Z " << a.z[i] << " at " << a.x[i] << ", " << a.y[i] << ", "
                                           << a.pos_z[i] << ") has no partner";
  }
  return ::testing::AssertionSuccess();
}

/// Sorted distances (< r) from each atom to all others, periodic, as (Z, distances) per atom:
/// first of the crystal (its lattice), then of an orthogonal cell.
std::vector<std::pair<int, std::vector<double>>> shells(const Crystal& c, double r) {
  std::vector<std::pair<int, std::vector<double>>> out;
  const auto& l = c.lattice;
  for (int64_t i = 0; i < c.size(); ++i) {
    std::vector<double> d;
    for (int64_t j = 0; j < c.size(); ++j)
      for (int t0 = -2; t0 <= 2; ++t0)
        for (int t1 = -2; t1 <= 2; ++t1)
          for (int t2 = -2; t2 <= 2; ++t2) {
            const double f[3] = {c.frac[j][0] + t0 - c.frac[i][0], c.frac[j][1] + t1 - c.frac[i][1], c.frac[j][2] + t2 - c.frac[i][2]};
            double v[3];
            for (int k = 0; k < 3; ++k) v[k] = f[0] * l[0][k] + f[1] * l[1][k] + f[2] * l[2][k];
            const double dist = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
            if (dist > 1e-6 && dist < r) d.push_back(dist);
          }
    std::sort(d.begin(), d.end());
    out.emplace_back(c.z[i], d);
  }
  return out;
}

std::vector<std::pair<int, std::vector<double>>> shells(const Atoms& a, double r) {
  std::vector<std::pair<int, std::vector<double>>> out;
  for (int64_t i = 0; i < a.size(); ++i) {
    std::vector<double> d;
    for (int64_t j = 0; j < a.size(); ++j)
      for (int t0 = -2; t0 <= 2; ++t0)
        for (int t1 = -2; t1 <= 2; ++t1)
          for (int t2 = -2; t2 <= 2; ++t2) {
            const double v[3] = {a.x[j] + t0 * a.cell[0] - a.x[i], a.y[j] + t1 * a.cell[1] - a.y[i],
                                 a.pos_z[j] + t2 * a.cell[2] - a.pos_z[i]};
            const double dist = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
            if (dist > 1e-6 && dist < r) d.push_back(dist);
          }
    std::sort(d.begin(), d.end());
    out.emplace_back(a.z[i], d);
  }
  return out;
}

/// Every atom of the oriented cell has the neighbour shell (to 1e-9 A) of an atom of the same
/// element in the crystal: no atom missing at a face, none doubled, no strain.
void expect_same_environments(const Crystal& c, const Atoms& oriented, double r) {
  const auto ref = shells(c, r), got = shells(oriented, r);
  for (std::size_t i = 0; i < got.size(); ++i) {
    bool match = false;
    for (const auto& [z, d] : ref) {
      if (z != got[i].first || d.size() != got[i].second.size()) continue;
      bool same = true;
      for (std::size_t k = 0; k < d.size() && same; ++k) same = std::abs(d[k] - got[i].second[k]) < 1e-9;
      match = match || same;
    }
    EXPECT_TRUE(match) << "atom " << i << " (Z " << got[i].first << ") with " << got[i].second.size()
                       << " neighbours within " << r << " A";
  }
}

double volume(const Crystal& c) {
  const auto& l = c.lattice;
  return std::abs(l[0][0] * (l[1][1] * l[2][2] - l[1][2] * l[2][1]) - l[0][1] * (l[1][0] * l[2][2] - l[1][2] * l[2][0]) +
                  l[0][2] * (l[1][0] * l[2][1] - l[1][1] * l[2][0]));
}

}  // namespace

TEST(MultisliceCrystal, GrapheneBecomesTheRectangularCell) {
  // The 2-atom hexagonal cell along [001] becomes the 4-atom a x sqrt(3) a cell (x along a, y along
  // a + 2b), written out here by hand from graphene's sites (0, a/sqrt3) and (a/2, a/(2 sqrt3))
  // and the centring translation (a/2, sqrt3 a/2).
  const double a = 2.46;
  const Oriented o = orient(graphene(a), {0, 0, 1});
  Atoms hand;
  hand.cell = {a, kS3 * a, 10};
  hand.add(6, 0, kS3 * a / 3, 5);
  hand.add(6, a / 2, kS3 * a / 6, 5);
  hand.add(6, a / 2, 5 * kS3 * a / 6, 5);
  hand.add(6, 0, 2 * kS3 * a / 3, 5);
  EXPECT_TRUE(same_cell(o.atoms, hand, 1e-9));
  EXPECT_EQ(o.supercell.cells, 2);
  EXPECT_LT(o.supercell.strain, 1e-12);  // a and a + 2b are exactly perpendicular: rotated, not strained
  EXPECT_EQ(o.supercell.rows[0], (std::array<int, 3>{1, 0, 0}));
  EXPECT_EQ(o.supercell.rows[1], (std::array<int, 3>{1, 2, 0}));
  // C-C bonds of 1.42 A, three per atom, across the new faces too.
  expect_same_environments(graphene(a), o.atoms, 2.0);
}

TEST(MultisliceCrystal, ExtendedXyzWithAHexagonalLattice) {
  // Graphene as extended XYZ (Cartesian positions, the hexagonal Lattice): the same rectangular
  // cell as from fractional coordinates. parse_xyz keeps refusing the oblique cell.
  const double a = 2.46, h = kS3 * a / 2;
  std::ostringstream text;
  text.precision(17);
  text << "2\nLattice=\"" << a << " 0 0 " << -a / 2 << " " << h << " 0 0 0 10\" Properties=species:S:1:pos:R:3\n"
       << "C 0 " << kS3 * a / 3 << " 5\nC " << a / 2 << " " << kS3 * a / 6 << " 5\n";
  std::istringstream in(text.str());
  const std::optional<Crystal> c = parse_xyz_crystal(in, "g.extxyz");
  ASSERT_TRUE(c.has_value());
  EXPECT_NEAR(c->frac[0][0], 1.0 / 3, 1e-12);
  EXPECT_NEAR(c->frac[0][1], 2.0 / 3, 1e-12);
  EXPECT_NEAR(c->frac[1][2], 0.5, 1e-12);
  EXPECT_TRUE(same_cell(orient(*c, {0, 0, 1}).atoms, orient(graphene(a), {0, 0, 1}).atoms, 1e-9));
  std::istringstream again(text.str());
  EXPECT_THROW(parse_xyz(again, "g.extxyz"), InputError);
  std::istringstream plain("1\ncomment\nC 0 0 0\n");
  EXPECT_FALSE(parse_xyz_crystal(plain, "p.xyz").has_value());
}

TEST(MultisliceCrystal, OrientedCellsKeepEveryNeighbour) {
  struct Case {
    const char* name;
    std::array<int, 3> zone;
  };
  for (const Case k : {Case{"Si", {1, 1, 0}}, Case{"Si", {1, 1, 2}}, Case{"Au", {1, 2, 3}}, Case{"SrTiO3", {1, 1, 1}},
                       Case{"Au", {1, 0, 0}}, Case{"GaN", {0, 0, 1}}, Case{"GaN", {1, 0, 0}}, Case{"GaN", {1, 1, 0}},
                       Case{"MoS2", {0, 0, 1}}, Case{"MoS2", {1, 0, 0}}}) {
    SCOPED_TRACE(std::string(k.name) + " " + zone_axis_text(k.zone));
    const Crystal c = builtin_crystal(k.name);
    OrientOptions opt;
    opt.strain_tolerance = 1e-9;  // these directions all have exactly orthogonal supercells
    const Oriented o = orient(c, k.zone, opt);
    EXPECT_LT(o.supercell.strain, 1e-9);
    // Density: cells x the crystal's atoms in cells x the crystal's volume.
    EXPECT_EQ(o.atoms.size(), o.supercell.cells * c.size());
    EXPECT_NEAR(o.atoms.cell[0] * o.atoms.cell[1] * o.atoms.cell[2], double(o.supercell.cells) * volume(c), 1e-9 * volume(c) * o.supercell.cells);
    // The z vector is the zone axis itself (divided by the indices' gcd).
    EXPECT_EQ(o.supercell.rows[2], k.zone);
    expect_same_environments(c, o.atoms, 3.5);
  }
}

TEST(MultisliceCrystal, CubicCellsAlongTheirAxes) {
  // [001] of a cubic crystal is its cell as it is, in order; [100] the same atoms relabelled.
  const Atoms au = fcc_cell(79, 4.078);
  const Atoms along_c = crystal("Au");
  ASSERT_EQ(along_c.size(), au.size());
  for (int64_t i = 0; i < au.size(); ++i) {
    EXPECT_EQ(along_c.x[i], au.x[i]);
    EXPECT_EQ(along_c.pos_z[i], au.pos_z[i]);
  }
  EXPECT_TRUE(same_cell(crystal("Au", 1, 1, 1, "100"), au, 1e-9));
  // [110]: a x a sqrt2 x a sqrt2 (2 cubic cells; x along [001], the shorter), [111]: 6 cubic cells.
  const Atoms si110 = crystal("Si", 1, 1, 1, "110");
  EXPECT_NEAR(si110.cell[0], 5.431, 1e-12);
  EXPECT_NEAR(si110.cell[1], 5.431 * std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(si110.cell[2], 5.431 * std::sqrt(2.0), 1e-12);
  EXPECT_EQ(si110.size(), 16);
  EXPECT_EQ(crystal("Si", 1, 1, 1, "111").size(), 48);
  // A lattice constant scales every coordinate; hexagonal cells keep c / a.
  const Atoms au4 = crystal("Au", 1, 1, 1, "001", 4.0);
  EXPECT_DOUBLE_EQ(au4.cell[0], 4.0);
  const Oriented gan = orient(builtin_crystal("GaN", 3.0), {0, 0, 1});
  EXPECT_NEAR(gan.atoms.cell[2], 3.0 * 5.185 / 3.189, 1e-12);
  EXPECT_THROW(builtin_crystal("Au", -1), InputError);
  EXPECT_THROW(builtin_crystal("NaCl"), InputError);
}

TEST(MultisliceCrystal, StrainTolerance) {
  // Monoclinic (a = 4, c = 6.3 A, beta = 100 degrees) along b: a and c are 10 degrees off
  // perpendicular and a.c / (a^2) is irrational, so no supercell is exactly orthogonal. Within 8
  // repetitions the best is 2a - c with -4a - 3c (10 cells, strain 7.2e-4): a tolerance below it
  // fails and names it; looser tolerances take fewer cells at more strain.
  Crystal m;
  m.lattice = lattice_from_parameters(4, 5, 6.3, 90, 100, 90);
  m.z = {14};
  m.frac = {{0.1, 0.2, 0.3}};
  const auto with = [&](double tol) {
    OrientOptions o;
    o.strain_tolerance = tol;
    return orient(m, {0, 1, 0}, o);
  };
  try {
    with(1e-4);
    ADD_FAILURE() << "no InputError at strain_tolerance 1e-4";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("smallest strain 0.00071"), std::string::npos) << e.what();
  }
  int64_t last_cells = 1 << 30;
  for (double tol : {1e-3, 1e-2, 5e-2}) {
    SCOPED_TRACE(tol);
    const Oriented o = with(tol);
    EXPECT_GT(o.supercell.strain, 0.0);
    EXPECT_LE(o.supercell.strain, tol);
    EXPECT_LT(o.supercell.cells, last_cells);  // more tolerance, a smaller cell
    last_cells = o.supercell.cells;
    EXPECT_EQ(o.atoms.size(), o.supercell.cells);
    // The box keeps the supercell vectors' lengths: its volume exceeds the supercell's by the
    // shear only, 1 / sqrt(1 - sum cos^2 + ...) <= 1 + 2 strain^2 for these small strains.
    const double v = o.atoms.cell[0] * o.atoms.cell[1] * o.atoms.cell[2];
    EXPECT_GE(v / (double(o.supercell.cells) * volume(m)), 1.0 - 1e-12);
    EXPECT_LE(v / (double(o.supercell.cells) * volume(m)), 1.0 + 2 * o.supercell.strain * o.supercell.strain + 1e-12);
  }
  EXPECT_EQ(with(1e-3).supercell.cells, 10);
  // GaN along [111]: c / a is not rational, so only a strained cell (0.4%, 22 cells) exists.
  const Oriented gan = orient(builtin_crystal("GaN"), {1, 1, 1});
  EXPECT_GT(gan.supercell.strain, 1e-3);
  EXPECT_LE(gan.supercell.strain, 0.01);
}

TEST(MultisliceCrystal, ZoneAxisText) {
  EXPECT_EQ(parse_zone_axis("110"), (std::array<int, 3>{1, 1, 0}));
  EXPECT_EQ(parse_zone_axis("[1-10]"), (std::array<int, 3>{1, -1, 0}));
  EXPECT_EQ(parse_zone_axis("-2 1 10"), (std::array<int, 3>{-2, 1, 10}));
  EXPECT_EQ(parse_zone_axis("[1,1,2]"), (std::array<int, 3>{1, 1, 2}));
  // Miller-Bravais: [11-20] is a + b (3a + 3b), [10-10] is 2a + b, [0001] is c.
  EXPECT_EQ(parse_zone_axis("[11-20]"), (std::array<int, 3>{3, 3, 0}));
  EXPECT_EQ(parse_zone_axis("1 0 -1 0"), (std::array<int, 3>{2, 1, 0}));
  EXPECT_EQ(parse_zone_axis("0001"), (std::array<int, 3>{0, 0, 1}));
  EXPECT_EQ(orient(builtin_crystal("GaN"), parse_zone_axis("11-20")).supercell.rows[2], (std::array<int, 3>{1, 1, 0}));
  for (const char* bad : {"000", "[0 0 0]", "11", "1100", "1 1 1 0", "0000", "abc", "1 1", "1.5 0 0", "12345", ""}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(parse_zone_axis(bad), InputError);
  }
  EXPECT_THROW(orient(graphene(), {0, 0, 0}), InputError);
  // [220] is [110]: the z vector is divided by the gcd.
  EXPECT_EQ(orient(builtin_crystal("Si"), {2, 2, 0}).atoms.size(), 16);
}

TEST(MultisliceCrystal, TiltShearsWithDepth) {
  // The beam along (tan tx, tan ty, 1): an atom at depth z moves by -z tan t, wrapped.
  Atoms a;
  a.cell = {4, 5, 30};
  a.add(6, 1.0, 1.0, 0.0);
  a.add(6, 1.0, 1.0, 20.0);
  a.add(6, 3.9, 4.9, 10.0);
  Atoms t = a;
  tilt_specimen(t, {50, -20});
  const double tx = std::tan(0.05), ty = std::tan(-0.02);
  const auto wrap = [](double v, double l) { return v - std::floor(v / l) * l; };
  for (int64_t i = 0; i < a.size(); ++i) {
    EXPECT_NEAR(t.x[i], wrap(a.x[i] - a.pos_z[i] * tx, 4), 1e-12);
    EXPECT_NEAR(t.y[i], wrap(a.y[i] - a.pos_z[i] * ty, 5), 1e-12);
    EXPECT_EQ(t.pos_z[i], a.pos_z[i]);
    EXPECT_GE(t.x[i], 0);
    EXPECT_LT(t.x[i], 4);
  }
  EXPECT_EQ(t.x[0], 1.0);  // the entrance surface does not move
  Atoms u = a;
  EXPECT_THROW(tilt_specimen(u, {80, 80}), InputError);  // |t| = 113 mrad > 100
  EXPECT_THROW(tilt_specimen(u, {std::nan(""), 0}), InputError);
}

TEST(MultisliceCrystal, BadCells) {
  EXPECT_THROW(lattice_from_parameters(1, 1, 1, 90, 90, 0), InputError);
  EXPECT_THROW(lattice_from_parameters(1, 1, 1, 150, 150, 150), InputError);
  EXPECT_THROW(lattice_from_parameters(0, 1, 1, 90, 90, 90), InputError);
  Crystal empty;
  empty.lattice = lattice_from_parameters(1, 1, 1, 90, 90, 90);
  EXPECT_THROW(orient(empty, {0, 0, 1}), InputError);
}
