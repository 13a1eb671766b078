// VASP POSCAR reading (poscar.hpp): direct and Cartesian coordinates, the three kinds of scale
// factor, selective dynamics, and the bad files (mismatched counts, missing lines, VASP 4).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "phasis/core/error.hpp"
#include "phasis/multislice/poscar.hpp"
#include "phasis/multislice/structure.hpp"
#include "testing.hpp"

using namespace phasis;
using namespace phasis::ms;

namespace {

Crystal parse(const std::string& text) {
  std::istringstream in(text);
  return parse_poscar(in, "t/POSCAR");
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError for:\n" << text;
  return "";
}

// Wurtzite GaN (a = 3.189, c = 5.185, u = 0.377) with the hexagonal lattice written out.
const char* kDirect =
    "GaN wurtzite\n"
    "1.0\n"
    "  3.189 0.0 0.0\n"
    " -1.5945 2.76175 0.0\n"
    "  0.0 0.0 5.185\n"
    "Ga N\n"
    "2 2\n"
    "Direct\n"
    "0.333333333333 0.666666666667 0.0\n"
    "0.666666666667 0.333333333333 0.5\n"
    "0.333333333333 0.666666666667 0.377\n"
    "0.666666666667 0.333333333333 0.877\n";

}  // namespace

TEST(MultislicePoscar, DirectCoordinates) {
  const Crystal c = parse(kDirect);
  ASSERT_EQ(c.size(), 4);
  EXPECT_EQ(c.z[0], 31);
  EXPECT_EQ(c.z[3], 7);
  EXPECT_DOUBLE_EQ(c.lattice[1][0], -1.5945);
  EXPECT_DOUBLE_EQ(c.lattice[2][2], 5.185);
  EXPECT_DOUBLE_EQ(c.frac[2][2], 0.377);
}

TEST(MultislicePoscar, CartesianCoordinatesAndScaleFactors) {
  // The same crystal with every length halved and a scale factor of 2, in Cartesian coordinates
  // (which VASP scales as the lattice), with selective dynamics flags and potential names.
  const double a = 3.189, c = 5.185, h = 2.76175;
  std::ostringstream cart;
  cart.precision(17);
  cart << "GaN, Cartesian\n2.0\n" << a / 2 << " 0 0\n" << -a / 4 << " " << h / 2 << " 0\n0 0 " << c / 2 << "\n"
       << "Ga_d N_s\n2 2\nSelective dynamics\nCartesian\n";
  const double f[4][3] = {{1.0 / 3, 2.0 / 3, 0}, {2.0 / 3, 1.0 / 3, 0.5}, {1.0 / 3, 2.0 / 3, 0.377}, {2.0 / 3, 1.0 / 3, 0.877}};
  for (const auto& p : f) {
    const double x = p[0] * a - p[1] * a / 2, y = p[1] * h, z = p[2] * c;
    cart << x / 2 << " " << y / 2 << " " << z / 2 << " T T F\n";
  }
  const Crystal cc = parse(cart.str());
  const Crystal d = parse(kDirect);
  ASSERT_EQ(cc.size(), 4);
  for (int r = 0; r < 3; ++r)
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(cc.lattice[r][k], d.lattice[r][k], 1e-12);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(cc.z[i], d.z[i]);
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(cc.frac[i][k], f[i][k], 1e-12) << "atom " << i << " axis " << k;
  }

  // A negative scale is the cell's volume: here twice the written cell's, so lengths x 2^(1/3).
  std::string text = kDirect;
  const double v = a * h * c;
  std::ostringstream vol;
  vol.precision(17);
  vol << -2 * v;
  text.replace(text.find("\n1.0\n"), 5, "\n" + vol.str() + "\n");
  const Crystal vc = parse(text);
  EXPECT_NEAR(vc.lattice[0][0], a * std::cbrt(2.0), 1e-12);
  EXPECT_NEAR(vc.lattice[2][2], c * std::cbrt(2.0), 1e-12);
  EXPECT_DOUBLE_EQ(vc.frac[2][2], 0.377);  // direct coordinates are not scaled

  // Three factors scale the Cartesian x, y and z components.
  text = kDirect;
  text.replace(text.find("\n1.0\n"), 5, "\n1 1 2\n");
  const Crystal tc = parse(text);
  EXPECT_DOUBLE_EQ(tc.lattice[2][2], 2 * c);
  EXPECT_DOUBLE_EQ(tc.lattice[1][0], -1.5945);
}

TEST(MultislicePoscar, ReadByFileName) {
  phasis::testing::TempDir dir;
  for (const char* name : {"POSCAR", "CONTCAR", "GaN.vasp", "POSCAR_GaN"}) {
    std::ofstream(dir.file(name)) << kDirect;
    const std::optional<Crystal> c = read_crystal(dir.file(name));
    ASSERT_TRUE(c.has_value()) << name;
    EXPECT_EQ(c->size(), 4) << name;
    // read_atoms gives the orthogonal cell along [001]: a x sqrt3 a x c, 8 atoms.
    const Atoms at = read_atoms(dir.file(name));
    EXPECT_EQ(at.size(), 8) << name;
    EXPECT_NEAR(at.cell[1], std::sqrt(3.0) * 3.189, 1e-4) << name;
  }
  EXPECT_FALSE(is_poscar_name("a.xyz"));
  EXPECT_THROW(read_poscar(dir.file("missing/POSCAR")), InputError);
}

TEST(MultislicePoscar, BadFiles) {
  std::string t = kDirect;
  // Two species, one count: the line and both numbers named.
  const std::string counts = error_of(std::string(t).replace(t.find("2 2\n"), 4, "4\n"));
  EXPECT_NE(counts.find("POSCAR:7: expected 2 counts, one per species on line 6; found 1"), std::string::npos) << counts;
  // Counts promise more atoms than the file has.
  const std::string few = error_of(std::string(t).replace(t.find("2 2\n"), 4, "2 3\n"));
  EXPECT_NE(few.find("expected 5 atom positions"), std::string::npos) << few;
  // VASP 4: counts where the species belong.
  const std::string v4 = error_of(std::string(t).replace(t.find("Ga N\n"), 5, ""));
  EXPECT_NE(v4.find("element symbols"), std::string::npos) << v4;
  EXPECT_NE(error_of(std::string(t).replace(t.find("Ga N"), 4, "Ga Qq")).find("Qq"), std::string::npos);
  EXPECT_NE(error_of(std::string(t).replace(t.find("Direct"), 6, "Fractional")).find("Direct or Cartesian"), std::string::npos);
  EXPECT_NE(error_of(std::string(t).replace(t.find("\n1.0\n"), 5, "\n0\n")).find("scale"), std::string::npos);
  EXPECT_NE(error_of(std::string(t).replace(t.find("0.0 0.0 5.185"), 13, "0.0 0.0 0.0")).find("volume"), std::string::npos);
  EXPECT_NE(error_of(std::string(t).replace(t.find("0.333333333333 0.666666666667 0.0\n"), 35, "0.3 x 0\n")).find("position"),
            std::string::npos);
  EXPECT_NE(error_of("GaN\n1.0\n").find("lattice vector 1"), std::string::npos);
  EXPECT_NE(error_of(std::string(t).replace(t.find("2 2\n"), 4, "0 0\n")).find("at least one atom"), std::string::npos);
  EXPECT_NE(error_of(std::string(t).replace(t.find("2 2\n"), 4, "2 -1\n")).find("counts"), std::string::npos);
}
