// Reference DFT by the defining sum, for checking FFT plans: X[k] = sum_n x[n] exp(sign 2 pi i k.n / N)
// over each of `batch` contiguous row-major arrays of shape `dims` (any rank). The sum runs in
// long double and each phase k_d n_d / N_d is reduced modulo 1 in exact integer arithmetic, so the
// reference is accurate to well below double precision at test sizes.
#pragma once

#include <cmath>
#include <complex>
#include <cstdint>
#include <numbers>
#include <vector>

#include "phasis/core/complex.hpp"

namespace phasis::testing {

/// sign -1: forward transform; +1: inverse (unnormalised).
template <class T>
std::vector<Complex<T>> direct_dft(const Complex<T>* x, const std::vector<int>& dims, int64_t batch, int sign) {
  const int rank = static_cast<int>(dims.size());
  int64_t n_total = 1;
  for (int d : dims) n_total *= d;
  auto unravel = [&](int64_t flat, std::vector<int64_t>& idx) {
    for (int d = rank - 1; d >= 0; --d) {
      idx[d] = flat % dims[d];
      flat /= dims[d];
    }
  };
  const int64_t denom = n_total;  // common denominator of the phase fractions: reduction is exact
  const long double two_pi = 2 * std::numbers::pi_v<long double>;

  std::vector<Complex<T>> out(static_cast<std::size_t>(n_total * batch));
  std::vector<int64_t> k(rank), n(rank);
  for (int64_t b = 0; b < batch; ++b) {
    const Complex<T>* in = x + b * n_total;
    for (int64_t kf = 0; kf < n_total; ++kf) {
      unravel(kf, k);
      long double re = 0, im = 0;
      for (int64_t nf = 0; nf < n_total; ++nf) {
        unravel(nf, n);
        int64_t numer = 0;  // sum_d k_d n_d (denom / N_d), reduced modulo denom
        for (int d = 0; d < rank; ++d) numer = (numer + (k[d] * n[d] % dims[d]) * (denom / dims[d])) % denom;
        const long double phase = sign * two_pi * static_cast<long double>(numer) / denom;
        const long double c = std::cos(phase), s = std::sin(phase);
        const long double xr = in[nf].re, xi = in[nf].im;
        re += xr * c - xi * s;
        im += xr * s + xi * c;
      }
      out[b * n_total + kf] = {static_cast<T>(re), static_cast<T>(im)};
    }
  }
  return out;
}

/// Direct 1D DFTs (the defining sum, in double) along the rows (stride 1) or the columns (stride n)
/// of one n x n row-major image, in place; unnormalised. Separable, so O(n^3): the reference for 2D
/// FFTs too large for direct_dft's full sum (256 x 256, 512 x 512).
inline void direct_dft_axis(std::vector<std::complex<double>>& a, int n, bool columns, bool inverse) {
  std::vector<std::complex<double>> w(static_cast<std::size_t>(n)), line(static_cast<std::size_t>(n));
  for (int m = 0; m < n; ++m) w[m] = std::polar(1.0, (inverse ? 2 : -2) * std::numbers::pi * m / n);
  for (int l = 0; l < n; ++l) {
    auto at = [&](int i) -> std::complex<double>& {
      return columns ? a[std::size_t(i) * n + l] : a[std::size_t(l) * n + i];
    };
    for (int k = 0; k < n; ++k) {
      std::complex<double> s = 0;
      for (int j = 0; j < n; ++j) s += at(j) * w[(int64_t(j) * k) % n];
      line[k] = s;
    }
    for (int k = 0; k < n; ++k) at(k) = line[k];
  }
}

}  // namespace phasis::testing
