// Peng, Ren, Dudarev & Whelan (1996) scattering factors: the table against the independent
// Lobato & Van Dyck fit, and the potential derived from it against its own analytic integrals.
#include <gtest/gtest.h>

#include <cmath>

#include "phasis/core/error.hpp"
#include "phasis/multislice/energy.hpp"
#include "phasis/multislice/parametrization.hpp"

using namespace phasis;
using namespace phasis::ms;

TEST(MultisliceParametrization, PengAgreesWithLobato) {
  // Two fits to different atomic structure calculations: within 4% for 0.5 <= g <= 2 1/A for every
  // element up to Cf (measured worst: 3.1%, F at 2 1/A), 7% at 3 1/A (5.6%, Rb), near the end of
  // Peng's fitted range s = g / 2 <= 2; at g = 0 the outer-shell <r^2> differs most (10.8%, Ir),
  // as between Lobato and Kirkland. A mistyped or misplaced coefficient would show as far more.
  for (int z = 1; z <= 98; ++z)
    for (double g : {0.0, 0.5, 1.0, 2.0, 3.0}) {
      const double fp = scattering_factor(z, g, Parametrization::peng);
      const double fl = scattering_factor(z, g, Parametrization::lobato);
      const double tol = g == 0 ? 0.12 : g <= 2 ? 0.04 : 0.07;
      EXPECT_NEAR(fp, fl, tol * fl) << "Z=" << z << " g=" << g;
    }
  // Hydrogen: f_e(0) = a0 exactly (Kirkland 2010, eq. 5.17).
  EXPECT_NEAR(scattering_factor(1, 0, Parametrization::peng), kBohr, 0.005 * kBohr);
  EXPECT_EQ(parse_parametrization("peng"), Parametrization::peng);
  EXPECT_STREQ(to_string(Parametrization::peng), "peng");
  EXPECT_THROW(scattering_factor(99, 1, Parametrization::peng), InputError);  // Es: beyond the table
}

TEST(MultisliceParametrization, PengPotentialIntegralsAreAnalytic) {
  for (int z = 1; z <= 98; ++z) {
    const RadialPotential v = atomic_potential(z, Parametrization::peng);
    const double expected = 2 * kPi * kBohrE * scattering_factor(z, 0, Parametrization::peng);
    EXPECT_NEAR(v.projected_integral(), expected, 1e-10 * expected) << "Z=" << z;
  }
  // Closed-form projection against quadrature of the 3D potential along z.
  for (int z : {1, 8, 14, 38, 79}) {
    const RadialPotential v = atomic_potential(z, Parametrization::peng);
    for (double r : {0.01, 0.1, 0.5, 1.0, 2.5}) {
      const double closed = v.projected(r), quad = v.projected_slab(r, -60, 60);
      EXPECT_NEAR(quad, closed, 1e-9 * std::abs(closed)) << "Z=" << z << " r=" << r;
    }
  }
}
