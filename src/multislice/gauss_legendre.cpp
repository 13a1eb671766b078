// Gauss-Legendre rule by Newton iteration from the Chebyshev-like initial guess
// x_k = cos(pi (k + 3/4) / (n + 1/2)), which converges to the k-th root for every n.
#include "phasis/multislice/gauss_legendre.hpp"

#include <cmath>

#include "phasis/core/error.hpp"
#include "phasis/multislice/energy.hpp"  // for kPi

namespace phasis::ms {

GaussLegendre gauss_legendre(int n) {
  if (n < 1) throw InternalError("gauss_legendre: expected n >= 1; found " + std::to_string(n));
  GaussLegendre g;
  g.nodes.resize(n);
  g.weights.resize(n);
  for (int k = 0; k < n; ++k) {
    double x = std::cos(kPi * (k + 0.75) / (n + 0.5));
    double dp = 1;
    for (int it = 0; it < 100; ++it) {
      double p0 = 1, p1 = x;  // P_0, P_1
      for (int j = 2; j <= n; ++j) {
        const double p2 = ((2 * j - 1) * x * p1 - (j - 1) * p0) / j;
        p0 = p1;
        p1 = p2;
      }
      dp = n * (x * p1 - p0) / (x * x - 1);  // P_n'(x) from P_n and P_{n-1}
      const double dx = p1 / dp;
      x -= dx;
      if (std::abs(dx) < 1e-16) break;
    }
    g.nodes[n - 1 - k] = x;
    g.weights[n - 1 - k] = 2 / ((1 - x * x) * dp * dp);
  }
  return g;
}

}  // namespace phasis::ms
