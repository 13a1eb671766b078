// bessel.hpp's K0, K1, K2 against the standard library's std::cyl_bessel_k (exact to double) from
// 1e-6 to 60, across both sides of the approximations' joint at x = 2. The bound is the published
// one (2.5e-7 relative, bessel.hpp); K2's recurrence adds at most the two errors. A wrong
// coefficient in the fifth place errs by 1e-5 or more.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "errors.hpp"
#include "multislice/bessel.hpp"

using namespace phasis::ms;

TEST(MultisliceBessel, K0K1K2MatchTheStandardLibrary) {
  std::vector<double> got[3], ref[3];
  for (double lx = -6; lx <= std::log10(60.0); lx += 0.001) {
    const double x = std::pow(10.0, lx);
    got[0].push_back(bessel_k0(x)), got[1].push_back(bessel_k1(x)), got[2].push_back(bessel_k2(x));
    for (int n = 0; n < 3; ++n) ref[n].push_back(std::cyl_bessel_k(double(n), x));
  }
  double worst[3];
  for (int n = 0; n < 3; ++n) worst[n] = phasis::testing::max_pointwise_relative(got[n], ref[n]);
  for (double x : {1.999999, 2.0, 2.000001}) EXPECT_NEAR(bessel_k0(x) / std::cyl_bessel_k(0.0, x), 1, 2.5e-7) << x;
  std::printf("largest relative errors: K0 %.2e, K1 %.2e, K2 %.2e\n", worst[0], worst[1], worst[2]);
  EXPECT_LT(worst[0], 2.5e-7);
  EXPECT_LT(worst[1], 2.5e-7);
  EXPECT_LT(worst[2], 5e-7);
}
