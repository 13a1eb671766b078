// Indexing of diffraction spots (spots.hpp) on synthetic patterns: the simulation cell's indices,
// a hexagonal crystal's through its rectangular supercell, the aperture and the threshold.
#include <gtest/gtest.h>

#include <cmath>

#include "phasis/core/error.hpp"
#include "phasis/multislice/energy.hpp"
#include "phasis/multislice/spots.hpp"

using namespace phasis;
using namespace phasis::ms;

namespace {

/// A pattern with `value` at signed pixel frequencies (i, j).
void put(Array<double>& p, const Grid& g, int64_t i, int64_t j, double value) {
  p[((j % g.ny + g.ny) % g.ny) * g.nx + (i % g.nx + g.nx) % g.nx] = value;
}

}  // namespace

TEST(MultisliceSpots, HexagonalIndicesThroughTheRectangularCell) {
  // GaN along [001]: the cell x = a, y = a + 2b (orient's rows), repeated 2 x 1 along x. A reflection
  // g with g.a = h, g.b = k sits at pixel (i, j) = (g.X, g.Y) = (2 h, h + 2 k).
  const double a = 3.189;
  Supercell cell{{0, 0, 1}, {{{2, 0, 0}, {1, 2, 0}, {0, 0, 1}}}, 0, 4};
  const Grid g = grid_from_gpts(2 * a, std::sqrt(3.0) * a, 64, 56);
  Array<double> p(Shape{g.ny, g.nx});
  p.zero();
  put(p, g, 0, 0, 0.9);    // (000)
  put(p, g, 2, 1, 0.02);   // (100)
  put(p, g, 0, 2, 0.019);  // (010)
  put(p, g, -2, 1, 0.018); // (-110)
  put(p, g, 1, 0, 0.01);   // h = 1/2, k = -1/4: no reflection of the lattice
  put(p, g, 4, 0, 5e-5);   // below the threshold
  const auto spots = diffraction_spots(p, g, 200e3, cell, 1e-4);
  ASSERT_EQ(spots.size(), 5u);
  const auto expect = [&](std::size_t n, double h, double k, double intensity) {
    SCOPED_TRACE(n);
    EXPECT_DOUBLE_EQ(spots[n].h, h);
    EXPECT_DOUBLE_EQ(spots[n].k, k);
    EXPECT_DOUBLE_EQ(spots[n].l, 0.0);
    EXPECT_DOUBLE_EQ(spots[n].intensity, intensity);
  };
  expect(0, 0, 0, 0.9);
  expect(1, 1, 0, 0.02);
  expect(2, 0, 1, 0.019);
  expect(3, -1, 1, 0.018);
  expect(4, 0.5, -0.25, 0.01);
  // (100): |g| = 2 / (sqrt3 a), the angle lambda |g|.
  EXPECT_NEAR(std::hypot(spots[1].kx, spots[1].ky), 2 / (std::sqrt(3.0) * a), 1e-12);
  EXPECT_NEAR(spots[1].angle, 1e3 * wavelength(200e3) * 2 / (std::sqrt(3.0) * a), 1e-9);
}

TEST(MultisliceSpots, CellIndicesApertureAndBadInput) {
  const Grid g = grid_from_gpts(10, 10, 32, 32);
  Array<double> p(Shape{g.ny, g.nx});
  p.zero();
  put(p, g, 3, -2, 0.5);
  put(p, g, 15, 0, 0.5);  // 1.5 1/A: beyond the antialiasing aperture (2/3 of 1.6), never listed
  const auto spots = diffraction_spots(p, g, 200e3, std::nullopt, 1e-4);
  ASSERT_EQ(spots.size(), 1u);
  EXPECT_EQ(spots[0].h, 3.0);
  EXPECT_EQ(spots[0].k, -2.0);
  EXPECT_NEAR(spots[0].kx, 0.3, 1e-12);
  EXPECT_THROW(diffraction_spots(p, g, 200e3, std::nullopt, 0), InputError);
  EXPECT_THROW(diffraction_spots(Array<double>(Shape{4, 4}), g, 200e3, std::nullopt, 1e-4), InputError);
}
