// Zone-axis orientation of the built-in crystals: the oriented cell must be a periodic cell of the
// same crystal (same density, every atom with the right neighbours across the cell's faces) and
// show the textbook projections.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "phasis/core/error.hpp"
#include "phasis/multislice/atoms.hpp"

using namespace phasis;
using namespace phasis::ms;

namespace {

/// Number of neighbours of atom i within [r - tol, r + tol] under periodic boundaries, and the
/// shortest distance to any other atom.
std::pair<int, double> neighbours(const Atoms& a, int64_t i, double r, double tol) {
  int n = 0;
  double closest = 1e9;
  for (int64_t j = 0; j < a.size(); ++j)
    for (int sx = -1; sx <= 1; ++sx)
      for (int sy = -1; sy <= 1; ++sy)
        for (int sz = -1; sz <= 1; ++sz) {
          if (j == i && !sx && !sy && !sz) continue;
          const double dx = a.x[j] + sx * a.cell[0] - a.x[i], dy = a.y[j] + sy * a.cell[1] - a.y[i];
          const double dz = a.pos_z[j] + sz * a.cell[2] - a.pos_z[i], d = std::sqrt(dx * dx + dy * dy + dz * dz);
          closest = std::min(closest, d);
          if (std::abs(d - r) < tol) ++n;
        }
  return {n, closest};
}

}  // namespace

TEST(MultisliceZoneAxis, OrientedCellsArePeriodicCrystals) {
  struct Case { const char* name; const char* zone; double a; int per_cubic; double nn; int coordination; double cubic_cells; };
  const double s2 = std::sqrt(2.0), s3 = std::sqrt(3.0);
  for (const Case c : {Case{"Si", "110", 5.431, 8, 5.431 * s3 / 4, 4, 2}, Case{"Si", "111", 5.431, 8, 5.431 * s3 / 4, 4, 6},
                       Case{"Au", "110", 4.078, 4, 4.078 / s2, 12, 2}, Case{"Au", "111", 4.078, 4, 4.078 / s2, 12, 6},
                       Case{"SrTiO3", "110", 3.905, 5, 3.905 / 2, 0, 2}}) {
    const Atoms at = crystal(c.name, 1, 1, 1, c.zone);
    SCOPED_TRACE(std::string(c.name) + " [" + c.zone + "]");
    EXPECT_NEAR(at.cell[0] * at.cell[1] * at.cell[2], c.cubic_cells * std::pow(c.a, 3), 1e-9);
    EXPECT_EQ(at.size(), int64_t(std::lround(c.cubic_cells * c.per_cubic)));
    for (int64_t i = 0; i < at.size(); ++i) {
      const auto [n, closest] = neighbours(at, i, c.nn, 1e-6);
      // No duplicates, no gaps at the faces. (SrTiO3: Ti-O is the shortest, a / 2; Sr sees O at a / sqrt2.)
      if (c.coordination) {
        EXPECT_NEAR(closest, c.nn, 1e-6) << "atom " << i;
        EXPECT_EQ(n, c.coordination) << "atom " << i;
      } else {
        EXPECT_GT(closest, c.nn - 1e-6) << "atom " << i;
        EXPECT_LT(closest, c.nn * std::sqrt(2.0) + 1e-6) << "atom " << i;
      }
    }
  }
  EXPECT_THROW(crystal("Si", 1, 1, 1, "000"), InputError);  // any other [uvw] is a zone axis (test_ms_crystal)
}

TEST(MultisliceZoneAxis, SiliconDumbbellsAlong110) {
  // Si [110]: columns in pairs 1.36 A (a/4) apart along [001], the "dumbbells"; every column holds
  // the same number of atoms.
  const Atoms si = crystal("Si", 1, 1, 1, "110");
  std::vector<std::pair<double, double>> cols;
  std::vector<int> count;
  for (int64_t i = 0; i < si.size(); ++i) {
    std::size_t k = 0;
    while (k < cols.size() && std::hypot(cols[k].first - si.x[i], cols[k].second - si.y[i]) > 1e-6) ++k;
    if (k == cols.size()) cols.emplace_back(si.x[i], si.y[i]), count.push_back(0);
    ++count[k];
  }
  ASSERT_EQ(cols.size(), 8u);  // 4 dumbbells in the a sqrt2 x a projected cell
  for (int n : count) EXPECT_EQ(n, 2);
  double closest = 1e9;  // shortest projected column separation, periodic
  for (std::size_t i = 0; i < cols.size(); ++i)
    for (std::size_t j = 0; j < cols.size(); ++j)
      for (int sx = -1; sx <= 1; ++sx)
        for (int sy = -1; sy <= 1; ++sy) {
          if (i == j && !sx && !sy) continue;
          closest = std::min(closest, std::hypot(cols[j].first + sx * si.cell[0] - cols[i].first,
                                                 cols[j].second + sy * si.cell[1] - cols[i].second));
        }
  EXPECT_NEAR(closest, 5.431 / 4, 1e-9);
}
