// The modified Bessel functions of the second kind K0 and K1 for x > 0, from the polynomial
// approximations of Abramowitz & Stegun, Handbook of Mathematical Functions (1964), 9.8.1-9.8.8:
// relative error below 2.5e-7 (9.8.6 and 9.8.8 for x >= 2 bound the error of x^(1/2) e^x K by
// 1.9e-7 and 2.2e-7; 9.8.5 and 9.8.7 below 2 bound absolute errors of 1e-8 and 8e-9 on values
// above 0.11). The projected potentials of the Lobato and Kirkland parametrizations are sums of
// these; their tables (projected_table.hpp) need 2e-5, and std::cyl_bessel_k, exact to double but
// about 1 us a call, made the tables the largest fixed cost of a GPU simulation.
#pragma once

#include <cmath>

#include "phasis/core/hd.hpp"

namespace phasis::ms {

/// I0(x) for |x| <= 3.75 (A&S 9.8.1), t = x / 3.75.
PHASIS_HD double bessel_i0_small(double x) {
  const double t = (x / 3.75) * (x / 3.75);
  return 1 + t * (3.5156229 + t * (3.0899424 + t * (1.2067492 + t * (0.2659732 + t * (0.0360768 + t * 0.0045813)))));
}

/// I1(x) for |x| <= 3.75 (A&S 9.8.3).
PHASIS_HD double bessel_i1_small(double x) {
  const double t = (x / 3.75) * (x / 3.75);
  return x * (0.5 + t * (0.87890594 + t * (0.51498869 + t * (0.15084934 + t * (0.02658733 + t * (0.00301532 + t * 0.00032411))))));
}

/// K0(x), x > 0 (A&S 9.8.5 and 9.8.6).
PHASIS_HD double bessel_k0(double x) {
  if (x <= 2) {
    const double h = 0.25 * x * x;  // (x / 2)^2
    return -std::log(0.5 * x) * bessel_i0_small(x) - 0.57721566 +
           h * (0.42278420 + h * (0.23069756 + h * (0.03488590 + h * (0.00262698 + h * (0.00010750 + h * 0.00000740)))));
  }
  const double u = 2 / x;
  return std::exp(-x) / std::sqrt(x) *
         (1.25331414 + u * (-0.07832358 + u * (0.02189568 + u * (-0.01062446 + u * (0.00587872 + u * (-0.00251540 + u * 0.00053208))))));
}

/// K1(x), x > 0 (A&S 9.8.7 and 9.8.8).
PHASIS_HD double bessel_k1(double x) {
  if (x <= 2) {
    const double h = 0.25 * x * x;
    return (x * std::log(0.5 * x) * bessel_i1_small(x) + 1 +
            h * (0.15443144 + h * (-0.67278579 + h * (-0.18156897 + h * (-0.01919402 + h * (-0.00110404 + h * -0.00004686)))))) /
           x;
  }
  const double u = 2 / x;
  return std::exp(-x) / std::sqrt(x) *
         (1.25331414 + u * (0.23498619 + u * (-0.03655620 + u * (0.01504268 + u * (-0.00780353 + u * (0.00325614 + u * -0.00068245))))));
}

/// K2(x) = K0(x) + (2 / x) K1(x), x > 0 (the recurrence, A&S 9.6.26).
PHASIS_HD double bessel_k2(double x) { return bessel_k0(x) + 2 / x * bessel_k1(x); }

}  // namespace phasis::ms
