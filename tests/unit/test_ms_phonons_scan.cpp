// Frozen phonon configurations (reproducible, with the requested rms displacement) and scan
// position generators.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "phasis/core/error.hpp"
#include "phasis/multislice/atoms.hpp"
#include "phasis/multislice/phonons.hpp"
#include "phasis/multislice/scan.hpp"

using namespace phasis;
using namespace phasis::ms;

TEST(MultislicePhonons, DisplacementsHaveTheRequestedRms) {
  Atoms sto = crystal("SrTiO3", 10, 10, 10);  // 5000 atoms
  set_sigmas(sto, {{38, 0.1}, {22, 0.05}, {8, 0.08}});
  const Atoms c = frozen_phonon(sto, 42, 0);
  std::map<int, double> sum2, sum;
  std::map<int, int> count;
  for (int64_t i = 0; i < sto.size(); ++i) {
    for (double d : {c.x[i] - sto.x[i], c.y[i] - sto.y[i], c.pos_z[i] - sto.pos_z[i]}) {
      sum2[sto.z[i]] += d * d;
      sum[sto.z[i]] += d;
      count[sto.z[i]] += 1;
    }
  }
  // With n samples the sample rms has a relative standard error 1/sqrt(2n): 3000 samples for Sr
  // and Ti (1.3%), 9000 for O (0.7%); 5% is beyond 3.5 standard errors.
  for (auto [z, sigma] : std::map<int, double>{{38, 0.1}, {22, 0.05}, {8, 0.08}}) {
    EXPECT_NEAR(std::sqrt(sum2[z] / count[z]), sigma, 0.05 * sigma) << z;
    EXPECT_NEAR(sum[z] / count[z], 0.0, 4 * sigma / std::sqrt(double(count[z]))) << z;
  }
}

TEST(MultislicePhonons, ConfigurationsAreReproducibleAndDistinct) {
  Atoms au = crystal("Au", 2, 2, 2);
  set_sigmas(au, {{79, 0.087}});
  const Atoms a = frozen_phonon(au, 7, 3), b = frozen_phonon(au, 7, 3), c = frozen_phonon(au, 7, 4),
              d = frozen_phonon(au, 8, 3);
  EXPECT_EQ(a.x, b.x);
  EXPECT_EQ(a.pos_z, b.pos_z);
  EXPECT_NE(a.x, c.x);
  EXPECT_NE(a.x, d.x);
  EXPECT_EQ(a.z, au.z);
  EXPECT_EQ(a.cell, au.cell);
}

TEST(MultislicePhonons, BadInputsThrow) {
  Atoms au = crystal("Au");
  EXPECT_THROW(frozen_phonon(au, 1, 0), InputError);  // no sigma
  EXPECT_THROW(set_sigmas(au, {{14, 0.1}}), InputError);
  EXPECT_THROW(set_sigmas(au, {{79, -0.1}}), InputError);
  set_sigmas(au, {{79, 0.1}});
  EXPECT_THROW(frozen_phonon(au, 1, -1), InputError);
}

TEST(MultisliceScan, GridAndLineScans) {
  const auto g = grid_scan({0, 0}, {4, 2}, 4, 2);
  ASSERT_EQ(g.size(), 8u);
  EXPECT_DOUBLE_EQ(g[1].first, 1.0);
  EXPECT_DOUBLE_EQ(g[3].first, 3.0);
  EXPECT_DOUBLE_EQ(g[4].second, 1.0);
  const auto ge = grid_scan({0, 0}, {4, 2}, 5, 3, true);
  EXPECT_DOUBLE_EQ(ge.back().first, 4.0);
  EXPECT_DOUBLE_EQ(ge.back().second, 2.0);
  const auto l = line_scan({1, 1}, {3, 5}, 3);
  ASSERT_EQ(l.size(), 3u);
  EXPECT_DOUBLE_EQ(l[1].first, 2.0);
  EXPECT_DOUBLE_EQ(l[2].second, 5.0);
  EXPECT_EQ(line_scan({1, 1}, {3, 5}, 1).size(), 1u);
  EXPECT_THROW(grid_scan({0, 0}, {1, 1}, 0, 3), InputError);
  EXPECT_THROW(line_scan({0, 0}, {1, 1}, 0), InputError);
}
