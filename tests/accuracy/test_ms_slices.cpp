// Multislice physics, part 2: one atom's projected potential sampled on a grid integrates to the
// analytic value, crystal builders, the XYZ reader, and the assignment of atoms to slices.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "errors.hpp"
#include "phasis/core/error.hpp"
#include "phasis/multislice/atoms.hpp"
#include "phasis/multislice/energy.hpp"
#include "phasis/multislice/parametrization.hpp"
#include "phasis/multislice/potential.hpp"
#include "phasis/multislice/xyz.hpp"
#include "backend/cpu.hpp"
#include "multislice/multislice_impl.hpp"
#include "testing.hpp"

using namespace phasis;
using namespace phasis::ms;

namespace {

Atoms single_atom(int z, double x, double y, double extent) {
  Atoms a;
  a.cell = {extent, extent, 2.0};
  a.add(z, x, y, 1.0);
  return a;
}

double grid_integral(const Potential& pot) {
  const auto v = pot.all_slices();
  double s = 0;
  for (float f : v) s += f;
  return s * pot.grid().dx * pot.grid().dy;
}

}  // namespace

TEST(MultisliceSlices, OneAtomIntegratesToForwardScatteringFactor) {
  // The plane integral of the infinite projected potential is 2 pi a0 e f_e(0). On the grid it is
  // the pixel sum times the pixel area. Error budget at 0.02 Angstrom sampling:
  //  - the cutoff radius leaves out 1e-5 of the integral (cutoff_fraction);
  //  - the pixel sum of the smooth part converges like h^2 (midpoint rule);
  //  - the core (the logarithmic peak and Lobato's narrowest terms) is averaged over 8 x 8
  //    sub-samples per pixel (potential.cpp), leaving an O((h/8)^2 ln h) error;
  //  - the table interpolates to 2e-5 (TableMatchesClosedForm).
  // Measured: -1.3e-4 (H) to -4.0e-4 (Au), both parametrizations; the tolerance is 1e-3.
  // The atom sits off the pixel grid, and near a corner so that its disc wraps around two edges.
  for (auto p : {Parametrization::lobato, Parametrization::kirkland})
    for (int z : {1, 6, 7, 8, 14, 22, 38, 79}) {
      const double extent = 12.0;
      const Atoms atoms = single_atom(z, 0.3137, 11.8711, extent);
      PotentialOptions opt;
      opt.parametrization = p;
      opt.cutoff_fraction = 1e-5;
      opt.slice_thickness = 2.0;
      opt.form = PotentialForm::pixel_average;
      const Potential pot(atoms, grid_from_gpts(extent, extent, 600, 600), opt);
      const double expected = 2 * kPi * kBohrE * scattering_factor(z, 0, p);
      const double got = grid_integral(pot);
      EXPECT_NEAR(got, expected, 1e-3 * expected) << to_string(p) << " Z=" << z;
      std::printf("%s Z=%d: relative error %.2e\n", to_string(p), z, (got - expected) / expected);
    }
}

TEST(MultisliceSlices, SampledAtomIntegratesToForwardScatteringFactorExactly) {
  // The sampled form has no cutoff and its spectrum at q = 0 is F(0) / (dx dy), the plane integral
  // over the pixel area, so the pixel sum times the pixel area is the integral up to the float
  // rounding of each pixel (6e-8 relative, in sums of either sign) and the FFTs' double rounding.
  // Measured: at most 1.4e-9 for every element and both parametrizations on a coarse 0.1 A grid;
  // the tolerance is 1e-6.
  for (auto p : {Parametrization::lobato, Parametrization::kirkland})
    for (int z : {1, 6, 7, 8, 14, 22, 38, 79}) {
      const double extent = 12.0;
      const Atoms atoms = single_atom(z, 0.3137, 11.8711, extent);
      PotentialOptions opt;
      opt.parametrization = p;
      opt.slice_thickness = 2.0;
      const Potential pot(atoms, grid_from_gpts(extent, extent, 120, 120), opt);
      const double expected = 2 * kPi * kBohrE * scattering_factor(z, 0, p);
      const double got = grid_integral(pot);
      EXPECT_NEAR(got, expected, 1e-6 * expected) << to_string(p) << " Z=" << z;
      std::printf("sampled %s Z=%d: relative error %.2e\n", to_string(p), z, (got - expected) / expected);
    }
}

TEST(MultisliceSlices, TableMatchesClosedForm) {
  const RadialPotential v = atomic_potential(38, Parametrization::lobato);
  const Potential pot(single_atom(38, 1, 1, 8), grid_from_gpts(8, 8, 256, 256));
  const ProjectedTable& t = pot.table(38);
  for (double r = 2 * t.r_min(); r < t.r_cut(); r *= 1.37) EXPECT_NEAR(t(r), v.projected(r), 2e-5 * v.projected(r)) << r;
  EXPECT_EQ(t(t.r_cut() * 1.01), 0.0);
  EXPECT_EQ(t(0.0), t(t.r_min()));
}

TEST(MultisliceSlices, AtomsGoToTheSliceOfTheirCentre) {
  const Atoms au = crystal("Au", 2, 2, 1);  // z = 0 and a/2 = 2.039
  for (auto form : {PotentialForm::sampled, PotentialForm::pixel_average}) {
    // Equal slicing (the default): 4.078 / 1.5 = 2.72, so 3 slices of 1.3593 A.
    PotentialOptions opt{Parametrization::lobato, 1.5};
    opt.form = form;
    const Potential pot(au, grid_from_sampling(au.cell[0], au.cell[1], 0.1), opt);
    ASSERT_EQ(pot.num_slices(), 3);
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(pot.thickness(k), 4.078 / 3, 1e-12);
    EXPECT_EQ(pot.atoms_in_slice(0).size(), 8u);
    EXPECT_EQ(pot.atoms_in_slice(1).size(), 8u);  // 2.039 in [1.359, 2.719)
    EXPECT_EQ(pot.atoms_in_slice(2).size(), 0u);
    // Fixed slicing: 1.5, 1.5 and what remains.
    opt.slicing = SliceMode::fixed;
    const Potential fixed(au, grid_from_sampling(au.cell[0], au.cell[1], 0.1), opt);
    ASSERT_EQ(fixed.num_slices(), 3);
    EXPECT_DOUBLE_EQ(fixed.thickness(0), 1.5);
    EXPECT_NEAR(fixed.thickness(2), 4.078 - 3.0, 1e-12);
    EXPECT_EQ(fixed.atoms_in_slice(1).size(), 8u);  // 2.039 in [1.5, 3)
    // Every slice that holds atoms carries the sum of their integrals: to 1% for the pixel average
    // (its cutoff and core average), to float rounding for the sampled form (its pixel sum is the
    // integral, SampledAtomIntegratesToForwardScatteringFactorExactly).
    const double tol = form == PotentialForm::sampled ? 1e-6 : 0.01;
    const auto v = pot.all_slices();
    const double px = pot.grid().dx * pot.grid().dy, per_atom = atomic_potential(79, Parametrization::lobato).projected_integral();
    for (int k = 0; k < 3; ++k) {
      double s = 0;
      for (int64_t i = 0; i < pot.grid().pixels(); ++i) s += v[k * pot.grid().pixels() + i];
      EXPECT_NEAR(s * px, pot.atoms_in_slice(k).size() * per_atom, tol * per_atom * 8) << k;
    }
  }
}

TEST(MultisliceSlices, BadInputsThrow) {
  Atoms empty;
  empty.cell = {4, 4, 4};
  EXPECT_THROW(Potential(empty, grid_from_gpts(4, 4, 32, 32)), InputError);
  Atoms no_cell;
  no_cell.add(79, 0, 0, 0);
  EXPECT_THROW(Potential(no_cell, grid_from_gpts(4, 4, 32, 32)), InputError);
  const Atoms au = crystal("Au");
  EXPECT_THROW(Potential(au, grid_from_gpts(5, 5, 32, 32)), InputError);  // grid does not span the cell
  EXPECT_THROW(Potential(au, grid_from_gpts(4.078, 4.078, 32, 32), {Parametrization::lobato, 0.0}), InputError);
  EXPECT_THROW(parse_potential_form("smooth"), InputError);
  Atoms unknown = au;
  unknown.z[0] = 120;
  EXPECT_THROW(Potential(unknown, grid_from_gpts(4.078, 4.078, 32, 32)), InputError);
  EXPECT_THROW(crystal("NaCl"), InputError);
  EXPECT_THROW(repeat(au, 0, 1, 1), InputError);
  EXPECT_THROW(grid_from_gpts(4, 4, 1, 32), InputError);
  EXPECT_THROW(grid_from_sampling(4, 4, 0), InputError);
}

TEST(MultisliceAtoms, CrystalBuilders) {
  const Atoms au = crystal("Au", 3, 2, 2);
  EXPECT_EQ(au.size(), 4 * 12);
  EXPECT_NEAR(au.cell[0], 3 * 4.078, 1e-12);
  EXPECT_NEAR(au.cell[1], 2 * 4.078, 1e-12);
  const Atoms si = crystal("Si");
  EXPECT_EQ(si.size(), 8);
  EXPECT_NEAR(si.x[4], 5.431 / 4, 1e-12);
  const Atoms sto = crystal("SrTiO3", 2, 2, 2);
  EXPECT_EQ(sto.size(), 40);
  int sr = 0, ti = 0, o = 0;
  for (int z : sto.z) (z == 38 ? sr : z == 22 ? ti : o) += 1;
  EXPECT_EQ(sr, 8);
  EXPECT_EQ(ti, 8);
  EXPECT_EQ(o, 24);
  for (int64_t i = 0; i < sto.size(); ++i) {
    EXPECT_GE(sto.x[i], 0.0);
    EXPECT_LT(sto.x[i], sto.cell[0]);
  }
}

TEST(MultisliceAtoms, ReadsPlainAndExtendedXyz) {
  std::istringstream plain("3\nwater\nO 0 0 0.1\nH 0.76 0.59 0\n1 -0.76 0.59 0\n");
  const Atoms w = parse_xyz(plain);
  ASSERT_EQ(w.size(), 3);
  EXPECT_EQ(w.z[0], 8);
  EXPECT_EQ(w.z[2], 1);
  EXPECT_DOUBLE_EQ(w.pos_z[0], 0.1);
  EXPECT_EQ(w.cell[0], 0.0);

  std::istringstream ext(
      "2\nLattice=\"4.0 0 0 0 5.0 0 0 0 6.0\" Properties=species:S:1:id:I:1:pos:R:3 pbc=\"T T T\"\n"
      "Au 7 0.5 1.5 2.5\nSi 8 1 2 3\n");
  const Atoms e = parse_xyz(ext);
  ASSERT_EQ(e.size(), 2);
  EXPECT_EQ(e.z[1], 14);
  EXPECT_DOUBLE_EQ(e.x[0], 0.5);
  EXPECT_DOUBLE_EQ(e.pos_z[1], 3.0);
  EXPECT_DOUBLE_EQ(e.cell[1], 5.0);

  phasis::testing::TempDir dir;
  {
    std::ofstream f(dir.file("au.xyz"));
    f << "1\nLattice=\"4 0 0 0 4 0 0 0 4\"\nAu 0 0 0\n";
  }
  EXPECT_EQ(read_xyz(dir.file("au.xyz")).z[0], 79);

  std::istringstream bad_symbol("1\n\nQq 0 0 0\n");
  EXPECT_THROW(parse_xyz(bad_symbol), InputError);
  std::istringstream short_file("2\n\nAu 0 0 0\n");
  EXPECT_THROW(parse_xyz(short_file), InputError);
  std::istringstream oblique("1\nLattice=\"4 0 0 1 4 0 0 0 4\"\nAu 0 0 0\n");
  EXPECT_THROW(parse_xyz(oblique), InputError);
  std::istringstream bad_number("1\n\nAu 0 x 0\n");
  EXPECT_THROW(parse_xyz(bad_number), InputError);
  EXPECT_THROW(read_xyz(dir.file("missing.xyz")), InputError);
}

TEST(MultisliceSlices, SlabTableMatchesQuadrature) {
  // Linear interpolation on 512 log-spaced radii and 256 asinh-spaced heights; measured worst error
  // 2.0e-4 of the infinite projection at the same radius, held to 1e-3.
  const RadialPotential v = atomic_potential(79, Parametrization::lobato);
  const SlabTable t(v, 0.002, v.cutoff(1e-4));
  double worst = 0;
  for (double r : {0.005, 0.03, 0.2, 0.7, 1.6})
    for (auto [z0, z1] : {std::pair{-0.5, 0.5}, {0.1, 1.1}, {-2.0, -0.3}, {-0.05, 0.02}, {0.3, 6.0}}) {
      const double ref = v.projected_slab(r, z0, z1), got = t(r, z0, z1);
      worst = std::max(worst, std::abs(got - ref) / v.projected(r));
      EXPECT_NEAR(got, ref, 1e-3 * v.projected(r)) << "r=" << r << " z0=" << z0 << " z1=" << z1;
    }
  std::printf("slab table: worst error %.2e of the infinite projection\n", worst);
}

TEST(MultisliceSlices, FiniteSlicesSumToTheInfiniteProjection) {
  // Atoms well inside the cell (3 Angstrom of vacuum above and below): the finite slices of the
  // whole cell add up to the infinite projection, whose atoms all sit in one slice. Measured
  // 2.3e-4 (the slab table's interpolation), held to 1e-3.
  Atoms atoms;
  atoms.cell = {8, 8, 10};
  atoms.add(79, 2.1, 3.3, 4.2);
  atoms.add(8, 5.0, 5.5, 5.6);
  atoms.add(38, 6.3, 1.2, 3.7);
  const Grid g = grid_from_gpts(8, 8, 160, 160);
  PotentialOptions fin{Parametrization::lobato, 0.5, 1e-4, Projection::finite};
  PotentialOptions inf{Parametrization::lobato, 10.0, 1e-4, Projection::infinite};
  fin.form = inf.form = PotentialForm::pixel_average;
  const Potential pf(atoms, g, fin), pi(atoms, g, inf);
  ASSERT_EQ(pf.num_slices(), 20);
  ASSERT_EQ(pi.num_slices(), 1);
  const auto vf = pf.all_slices(), vi = pi.all_slices();
  std::vector<double> sum(g.pixels(), 0.0);
  for (int64_t p = 0; p < g.pixels(); ++p)
    for (int64_t k = 0; k < 20; ++k) sum[p] += vf[k * g.pixels() + p];
  const double err = phasis::testing::relative_l2(sum.data(), vi.data(), g.pixels());
  std::printf("finite slices against infinite projection: relative l2 %.2e\n", err);
  EXPECT_LT(err, 1e-3);
  // Each slice lists the atoms whose cutoff sphere reaches into it, and only those.
  for (int64_t k = 0; k < pf.num_slices(); ++k)
    for (int64_t a = 0; a < atoms.size(); ++a) {
      const double rc = pf.table(atoms.z[a]).r_cut(), z0 = 0.5 * double(k), z1 = z0 + 0.5;
      const bool reaches = atoms.pos_z[a] + rc >= z0 && atoms.pos_z[a] - rc < z1;
      const auto& m = pf.atoms_in_slice(k);
      EXPECT_EQ(std::count(m.begin(), m.end(), a) == 1, reaches) << "slice " << k << " atom " << a;
    }
}

// Multislice runs sample infinite-projection slices on the backend, pixel by pixel over atoms binned
// on tiles (Potential::bins, ProjectAtoms); Potential::slice loops over atoms row by row on the
// host. Both sum each pixel's atoms in double in the same order with the same table and core
// average, and compute offsets alike (so the same pixels take the core average),
// so they give the same floats (measured: 0); the bar allows one float rounding for a compiler that
// contracts the two loops differently. The cases: atoms on the pixel grid and off it, on the
// cell's edges, a grid that is not a multiple of the tile, and (SrTiO3 1 x 1) cutoff discs wider
// than the cell, which wrap onto themselves.
TEST(MultisliceSlices, BackendSlicesMatchHostSlices) {
  for (auto form : {PotentialForm::pixel_average, PotentialForm::sampled})
  for (const char* name : {"Au", "SrTiO3"})
    for (bool on_grid : {true, false}) {
      Atoms atoms = crystal(name, name[0] == 'A' ? 2 : 1, 1, 2);
      const Grid g = grid_from_gpts(atoms.cell[0], atoms.cell[1], 150, 70);
      if (!on_grid)
        for (int64_t a = 0; a < atoms.size(); ++a) atoms.x[a] += 0.01234, atoms.y[a] += 0.03711;
      atoms.x[0] = -0.01, atoms.y[1] = atoms.cell[1] - 1e-3;
      PotentialOptions opt{Parametrization::lobato, 1.3};
      opt.form = form;  // sampled: the backend copies the host's slices (backend_sampled() false)
      const Potential pot(atoms, g, opt);
      ASSERT_EQ(pot.backend_sampled(), form == PotentialForm::pixel_average);
      std::vector<double> thickness;
      const Array<float> dev = backend_slices<CpuBackend>(CpuBackend(), pot, thickness);
      const std::vector<float> host = pot.all_slices();
      const double worst = phasis::testing::relative_max_norm(dev, host);
      std::printf("%s %s %s: %lld slices, backend against host slices: max difference %.2e of the peak\n",
                  to_string(form), name, on_grid ? "on grid" : "off grid", (long long)pot.num_slices(), worst);
      EXPECT_LE(worst, 1.2e-7) << name;
      ASSERT_EQ(thickness.size(), std::size_t(pot.num_slices()));
    }
}

// The core average is a jump at r^2 = kNearPixels2 pixels^2, so no pixel may sit there when atoms
// lie on whole, half, third or quarter pixels (crystals on grids made from their cell): there the
// last bit of r^2, which a GPU's fused multiply-add changes, would choose between two values that
// differ by percents (a radius of 2 pixels made gold's CPU and GPU exit waves differ by 2.6e-4).
TEST(MultisliceSlices, CoreAverageRadiusIsNotWherePixelsSit) {
  for (int den : {1, 2, 3, 4})
    for (int m = -4 * den; m <= 4 * den; ++m)
      for (int n = -4 * den; n <= 4 * den; ++n) {
        const double r2 = double(m * m + n * n) / double(den * den);  // (r / pixel)^2
        EXPECT_GT(std::abs(r2 - kNearPixels2), 1e-3) << m << "/" << den << ", " << n << "/" << den;
      }
}
