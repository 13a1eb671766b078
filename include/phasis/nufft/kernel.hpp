// The NUFFT spreading kernel: "exponential of semicircle" (Barnett, Magland, af Klinteberg 2019),
//   phi(z) = exp(beta (sqrt(1 - (2z/w)^2) - 1)) for |z| < w/2 fine-grid cells, 0 elsewhere.
// Width and shape from the tolerance eps and the upsampling sigma:
//   sigma = 2:    w = ceil(log10(1/eps)) + 1,                      beta = 2.30 w
//   sigma = 1.25: w = ceil(ln(1/eps) / (pi sqrt(1 - 1/sigma))),     beta = 0.97 pi (1 - 1/(2 sigma)) w
// both clamped to 2 <= w <= 16. The error of the spread-FFT-deconvolve pipeline falls as
// exp(-pi w sqrt(1 - 1/sigma)), which the width formulas invert.
// Deconvolution divides by the kernel's Fourier transform at the mode frequencies,
//   phihat(xi) = int phi(z) cos(xi z) dz,  xi = 2 pi k / n_fine,
// computed by Gauss-Legendre quadrature (no closed form exists for this kernel).
#pragma once

#include <math.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "phasis/core/hd.hpp"  // for PHASIS_HD

namespace phasis::nufft {

constexpr int kMaxWidth = 16;

struct KernelShape {
  int width = 0;        // w, in fine-grid cells
  double beta = 0;
  double upsampling = 2;
  double tolerance = 0;  // the requested one
};

/// Throws InputError unless upsampling is 2 or 1.25 and eps is finite and positive.
KernelShape kernel_shape(double eps, double upsampling);

// Math in the working precision on host and device (the C library's float names exist on both;
// unqualified calls on the host would widen float to double).
PHASIS_HD float hd_exp(float x) { return expf(x); }
PHASIS_HD double hd_exp(double x) { return exp(x); }
PHASIS_HD float hd_sqrt(float x) { return sqrtf(x); }
PHASIS_HD double hd_sqrt(double x) { return sqrt(x); }

/// phi at offset z (fine-grid cells) from the point; inv_half_width = 2 / w.
template <class T>
PHASIS_HD T es_kernel(T z, T inv_half_width, T beta) {
  const T x = z * inv_half_width;
  const T a = T(1) - x * x;
  return a > T(0) ? hd_exp(beta * (hd_sqrt(a) - T(1))) : T(0);
}

/// The kernel in piecewise polynomial form: piece a < w gives phi(t + a - w/2) for a point's
/// fractional offset t in [0, 1) as sum_j coeffs[j w + a] x^j, x = 2t - 1, fitted by interpolation
/// at degree + 1 Chebyshev nodes. Horner's rule over all w pieces at once costs degree x w
/// multiply-adds in straight vectorisable lines, several times cheaper than w exponentials.
struct KernelFit {
  int degree = 0;
  std::vector<double> coeffs;  // (degree + 1) x w, row j holds every piece's x^j coefficient
};
KernelFit fit_kernel(const KernelShape& k, int degree);

/// The w kernel values of a point at fine coordinate s: k[a] = phi(i0 + a - s) for a < W, where
/// i0 = ceil(s - W/2) is the first cell of its support (not wrapped). Returns i0. From the
/// polynomial when `coeffs` is set (in the working precision), else from phi itself.
template <class T>
struct KernelEval {
  const T* coeffs = nullptr;
  int degree = 0;
  T inv_half_width = 0;  // 2 / w
  T beta = 0;

  template <int W>
  PHASIS_HD int64_t values(double s, T* k) const {
    const double first = ceil(s - W / 2.0);
    if (coeffs) {
      const T x = T(2 * (first - s + W / 2.0) - 1);
      for (int a = 0; a < W; ++a) k[a] = coeffs[degree * W + a];
      for (int j = degree - 1; j >= 0; --j)
        for (int a = 0; a < W; ++a) k[a] = k[a] * x + coeffs[j * W + a];
    } else {
      const T z0 = T(first - s);
      for (int a = 0; a < W; ++a) k[a] = es_kernel<T>(z0 + T(a), inv_half_width, beta);
    }
    return static_cast<int64_t>(first);
  }
};

/// n nodes and weights of Gauss-Legendre quadrature on [-1, 1].
void gauss_legendre(int n, std::vector<double>& nodes, std::vector<double>& weights);

/// 1 / phihat(2 pi k / n_fine) for k = -n_modes/2 ... (n_modes - 1)/2, in that order.
std::vector<double> deconvolution_factors(const KernelShape& k, int64_t n_modes, int64_t n_fine);

/// The fine grid size of one dimension: the smallest even 2^a 3^b 5^c at least sigma * n_modes
/// and 2 w (FFTs are fastest on such sizes; 2 w keeps a point's support from overlapping itself).
int64_t fine_size(int64_t n_modes, const KernelShape& k);

}  // namespace phasis::nufft
