// Kernel width and shape from the tolerance, Gauss-Legendre quadrature, the kernel's Fourier
// transform, and fine grid sizes (formulas in kernel.hpp).
#include "phasis/nufft/kernel.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "phasis/core/error.hpp"

namespace phasis::nufft {

KernelShape kernel_shape(double eps, double upsampling) {
  if (!(eps > 0) || !std::isfinite(eps))
    throw InputError("nufft tolerance: expected a positive finite value; found " + std::to_string(eps));
  KernelShape k;
  k.upsampling = upsampling;
  k.tolerance = eps;
  // The small slack keeps exact powers of ten (log10 of 1e-6 is not exactly -6) from gaining a cell.
  const double slack = 1e-9;
  if (upsampling == 2.0) {
    k.width = static_cast<int>(std::ceil(std::log10(1 / eps) - slack)) + 1;
  } else if (upsampling == 1.25) {
    k.width = static_cast<int>(std::ceil(std::log(1 / eps) / (std::numbers::pi * std::sqrt(1 - 1 / upsampling)) - slack));
  } else {
    throw InputError("nufft upsampling: expected 2 or 1.25; found " + std::to_string(upsampling));
  }
  k.width = std::clamp(k.width, 2, kMaxWidth);
  k.beta = upsampling == 2.0 ? 2.30 * k.width
                             : 0.97 * std::numbers::pi * (1 - 1 / (2 * upsampling)) * k.width;
  return k;
}

void gauss_legendre(int n, std::vector<double>& nodes, std::vector<double>& weights) {
  nodes.assign(n, 0);
  weights.assign(n, 0);
  // Newton's method on P_n from the asymptotic guess of each root; roots come in +- pairs.
  for (int i = 0; i < (n + 1) / 2; ++i) {
    double x = std::cos(std::numbers::pi * (i + 0.75) / (n + 0.5));
    double dp = 1;
    for (int iter = 0; iter < 100; ++iter) {
      double p0 = 1, p1 = x;  // P_0, P_1, then the three-term recurrence up to P_n
      for (int k = 2; k <= n; ++k) {
        const double p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = n * (x * p1 - p0) / (x * x - 1);
      const double dx = p1 / dp;
      x -= dx;
      if (std::abs(dx) < 1e-16) break;
    }
    // Recompute P_n' at the converged root for the weight.
    double p0 = 1, p1 = x;
    for (int k = 2; k <= n; ++k) {
      const double p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
      p0 = p1;
      p1 = p2;
    }
    dp = n * (x * p1 - p0) / (x * x - 1);
    const double w = 2 / ((1 - x * x) * dp * dp);
    nodes[i] = -x;
    nodes[n - 1 - i] = x;
    weights[i] = weights[n - 1 - i] = w;
  }
}

std::vector<double> deconvolution_factors(const KernelShape& k, int64_t n_modes, int64_t n_fine) {
  // The integrand covers at most (pi / sigma) (w / 2) < 21 radians of cos plus the kernel's bump;
  // 4 w + 24 nodes resolve both to double precision with room to spare.
  const int q = 4 * k.width + 24;
  std::vector<double> t, wt;
  gauss_legendre(q, t, wt);
  const double half = k.width / 2.0;
  std::vector<double> phi(q);
  for (int i = 0; i < q; ++i) phi[i] = es_kernel<double>(t[i] * half, 1 / half, k.beta) * wt[i] * half;

  std::vector<double> out(static_cast<std::size_t>(n_modes));
  const int64_t k0 = -(n_modes / 2);
  for (int64_t i = 0; i < n_modes; ++i) {
    const double xi = 2 * std::numbers::pi * double(k0 + i) / double(n_fine);
    double s = 0;
    for (int j = 0; j < q; ++j) s += phi[j] * std::cos(xi * t[j] * half);
    out[i] = 1 / s;
  }
  return out;
}

KernelFit fit_kernel(const KernelShape& k, int degree) {
  const int w = k.width, n = degree + 1;
  KernelFit fit;
  fit.degree = degree;
  fit.coeffs.assign(static_cast<std::size_t>(n * w), 0);
  std::vector<long double> node(n);
  for (int i = 0; i < n; ++i) node[i] = std::cos(std::numbers::pi_v<long double> * (i + 0.5L) / n);
  for (int a = 0; a < w; ++a) {
    // Vandermonde system at the Chebyshev nodes, solved in long double with partial pivoting;
    // interpolation there is near-best, so the fit's error is close to the best polynomial's.
    std::vector<long double> m(static_cast<std::size_t>(n * (n + 1)));
    for (int i = 0; i < n; ++i) {
      long double p = 1;
      for (int j = 0; j < n; ++j, p *= node[i]) m[i * (n + 1) + j] = p;
      const double z = double((node[i] + 1) / 2) + a - w / 2.0;
      m[i * (n + 1) + n] = es_kernel<double>(z, 2.0 / w, k.beta);
    }
    for (int col = 0; col < n; ++col) {
      int piv = col;
      for (int r = col + 1; r < n; ++r)
        if (std::abs(m[r * (n + 1) + col]) > std::abs(m[piv * (n + 1) + col])) piv = r;
      for (int j = 0; j <= n; ++j) std::swap(m[col * (n + 1) + j], m[piv * (n + 1) + j]);
      for (int r = col + 1; r < n; ++r) {
        const long double f = m[r * (n + 1) + col] / m[col * (n + 1) + col];
        for (int j = col; j <= n; ++j) m[r * (n + 1) + j] -= f * m[col * (n + 1) + j];
      }
    }
    for (int j = n - 1; j >= 0; --j) {
      long double v = m[j * (n + 1) + n];
      for (int l = j + 1; l < n; ++l) v -= m[j * (n + 1) + l] * fit.coeffs[l * w + a];
      fit.coeffs[j * w + a] = double(v / m[j * (n + 1) + j]);
    }
  }
  return fit;
}

int64_t fine_size(int64_t n_modes, const KernelShape& k) {
  int64_t n = static_cast<int64_t>(std::ceil(k.upsampling * double(n_modes)));
  n = std::max<int64_t>(n, 2 * k.width);
  for (;; ++n) {
    if (n % 2) continue;
    int64_t r = n;
    for (int p : {2, 3, 5})
      while (r % p == 0) r /= p;
    if (r == 1) return n;
  }
}

}  // namespace phasis::nufft
