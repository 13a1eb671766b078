// Cutting a cell into slices (slicing.hpp): equal slices that divide the cell, fixed slices, and
// atoms on slice boundaries, which go to the slice that starts there.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "phasis/core/error.hpp"
#include "phasis/multislice/atoms.hpp"
#include "phasis/multislice/grid.hpp"
#include "phasis/multislice/potential.hpp"
#include "phasis/multislice/slicing.hpp"

using namespace phasis;
using namespace phasis::ms;

TEST(MsSlicing, EqualSlicesDivideTheCell) {
  // Si's 5.431 A cell with 2 A requested: ceil(2.7155) = 3 slices of 1.810333 A, as abTEM cuts it.
  const Slicing s = make_slicing(5.431, 2.0, SliceMode::equal);
  ASSERT_EQ(s.count(), 3);
  for (int64_t k = 0; k < 3; ++k) {
    EXPECT_DOUBLE_EQ(s.thickness[std::size_t(k)], 5.431 / 3);
    EXPECT_DOUBLE_EQ(s.start[std::size_t(k)], double(k) * 5.431 / 3);
  }
  // A thickness that divides the cell to float rounding gives exactly that many slices, not one
  // more: 4.078 / (4.078 / 2 (1 + 1e-9)) = 1.999999998.
  EXPECT_EQ(make_slicing(4.078, 2.039 * (1 + 1e-9), SliceMode::equal).count(), 2);
  EXPECT_EQ(make_slicing(4.078, 2.039 * (1 - 1e-9), SliceMode::equal).count(), 2);
  // A thickness above the cell gives one slice of the cell.
  const Slicing one = make_slicing(3.905, 10, SliceMode::equal);
  ASSERT_EQ(one.count(), 1);
  EXPECT_DOUBLE_EQ(one.thickness[0], 3.905);
}

TEST(MsSlicing, FixedSlicesLeaveAShortLastSlice) {
  const Slicing s = make_slicing(5.431, 2.0, SliceMode::fixed);
  ASSERT_EQ(s.count(), 3);
  EXPECT_DOUBLE_EQ(s.thickness[0], 2.0);
  EXPECT_DOUBLE_EQ(s.thickness[1], 2.0);
  EXPECT_NEAR(s.thickness[2], 1.431, 1e-12);
  EXPECT_DOUBLE_EQ(s.start[2], 4.0);
}

TEST(MsSlicing, BoundaryHeightsGoToTheSliceThatStartsThere) {
  const Slicing s = make_slicing(4.078, 4.078 / 2, SliceMode::equal);
  const double b = 4.078 / 2, tol = s.tolerance;
  EXPECT_NEAR(tol, 1e-6 * b, 1e-18);
  EXPECT_EQ(s.index(0.0), 0);
  EXPECT_EQ(s.index(b), 1);
  EXPECT_EQ(s.index(b - 0.5 * tol), 1);    // within the tolerance below: the slice above
  EXPECT_EQ(s.index(b - 2 * tol), 0);      // beyond it: the slice below
  EXPECT_EQ(s.index(std::nextafter(b, 0.0)), 1);
  EXPECT_EQ(s.index(-1.0), 0);             // below the cell: the first slice
  EXPECT_EQ(s.index(4.078), 1);            // the cell's top, where no slice starts: the last
  EXPECT_EQ(s.index_exact(b - 0.5 * tol), 0);
  EXPECT_EQ(atoms_per_slice(s, {0.0, b - 0.5 * tol, b, 3.0, 9.0}), (std::vector<int32_t>{1, 4}));
}

TEST(MsSlicing, BadThicknessesThrow) {
  EXPECT_THROW(make_slicing(4.0, 0.0, SliceMode::equal), InputError);
  EXPECT_THROW(make_slicing(4.0, -1.0, SliceMode::fixed), InputError);
  EXPECT_THROW(make_slicing(0.0, 1.0, SliceMode::equal), InputError);
  EXPECT_THROW(parse_slice_mode("even"), InputError);
  EXPECT_EQ(parse_slice_mode("fixed"), SliceMode::fixed);
}

// Au [100], 3 cells deep: atomic layers every a/2 = 2.039 A, so with dz = a/2 every layer sits on a
// slice boundary. Each of the 6 slices must hold one layer (2 atoms per 1 x 1 cell), also when the
// layer heights carry float noise of either sign (made by a sum of steps here, and by +-1e-12).
TEST(MsSlicing, GoldLayersOnBoundariesGiveOneLayerPerSlice) {
  const double a = 4.078;
  for (double noise : {0.0, 1e-12, -1e-12, 3e-10, -3e-10}) {
    Atoms au = crystal("Au", 1, 1, 3);
    for (double& z : au.pos_z) z += z > 0 ? noise : 0.0;
    const Potential pot(au, grid_from_sampling(au.cell[0], au.cell[1], 0.2), {Parametrization::lobato, a / 2});
    ASSERT_EQ(pot.num_slices(), 6) << noise;
    for (int64_t k = 0; k < 6; ++k) {
      EXPECT_EQ(pot.atoms_in_slice(k).size(), 2u) << "slice " << k << " noise " << noise;
      for (int64_t i : pot.atoms_in_slice(k)) EXPECT_NEAR(au.pos_z[std::size_t(i)], double(k) * a / 2, 1e-9);
      EXPECT_NEAR(pot.thickness(k), a / 2, 1e-12);
    }
  }
  // The layers built by stepping (z += a/2, whose rounding drifts below the boundaries) as well.
  Atoms steps;
  steps.cell = {a, a, 3 * a};
  double z = 0;
  for (int layer = 0; layer < 6; ++layer, z += a / 2) steps.add(79, layer % 2 ? a / 2 : 0, 0, z);
  const Potential pot(steps, grid_from_sampling(a, a, 0.2), {Parametrization::lobato, a / 2});
  for (int64_t k = 0; k < 6; ++k) EXPECT_EQ(pot.atoms_in_slice(k), std::vector<int64_t>{k});
}
