// Gauss-Legendre quadrature nodes and weights on [-1, 1], computed by Newton's method on the
// Legendre polynomial P_n (three-term recurrence); exact for polynomials of degree 2n - 1.
#pragma once

#include <vector>

namespace phasis::ms {

struct GaussLegendre {
  std::vector<double> nodes;    // ascending, in (-1, 1)
  std::vector<double> weights;  // sum to 2
};

/// The n-point rule (n >= 1). Throws InternalError for n < 1.
GaussLegendre gauss_legendre(int n);

}  // namespace phasis::ms
