// Reference NUFFTs by their defining sums, in double, for checking nufft::Plan on small problems:
//   type 1: f[k] = sum_j c_j exp(sign i k . x_j);  type 2: c_j = sum_k f[k] exp(sign i k . x_j)
// with f laid out as in nufft.hpp (x index fastest, mode -N/2 first).
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "phasis/core/complex.hpp"

namespace phasis::testing {

/// Mode k of every flat position of the mode array, per dimension (x, y, z).
inline std::vector<std::vector<int64_t>> mode_table(const std::vector<int64_t>& modes) {
  int64_t total = 1;
  for (int64_t n : modes) total *= n;
  std::vector<std::vector<int64_t>> k(modes.size(), std::vector<int64_t>(static_cast<std::size_t>(total)));
  for (int64_t r = 0; r < total; ++r) {
    int64_t rest = r;
    for (std::size_t d = 0; d < modes.size(); ++d) {
      k[d][r] = rest % modes[d] - modes[d] / 2;
      rest /= modes[d];
    }
  }
  return k;
}

/// Phase k . x_j of mode r at point j; xyz holds one coordinate array per dimension.
template <class T>
double phase(const std::vector<std::vector<int64_t>>& k, const std::vector<std::vector<T>>& xyz, int64_t r, int64_t j) {
  double p = 0;
  for (std::size_t d = 0; d < k.size(); ++d) p += double(k[d][r]) * double(xyz[d][j]);
  return p;
}

template <class T>
std::vector<Complex<double>> direct_type1(const std::vector<int64_t>& modes, const std::vector<std::vector<T>>& xyz,
                                          const Complex<T>* c, int sign) {
  const auto k = mode_table(modes);
  const int64_t nk = static_cast<int64_t>(k[0].size()), m = static_cast<int64_t>(xyz[0].size());
  std::vector<Complex<double>> f(static_cast<std::size_t>(nk));
  for (int64_t r = 0; r < nk; ++r) {
    double re = 0, im = 0;
    for (int64_t j = 0; j < m; ++j) {
      const double p = sign * phase(k, xyz, r, j), cs = std::cos(p), sn = std::sin(p);
      re += double(c[j].re) * cs - double(c[j].im) * sn;
      im += double(c[j].re) * sn + double(c[j].im) * cs;
    }
    f[r] = {re, im};
  }
  return f;
}

template <class T>
std::vector<Complex<double>> direct_type2(const std::vector<int64_t>& modes, const std::vector<std::vector<T>>& xyz,
                                          const Complex<T>* f, int sign) {
  const auto k = mode_table(modes);
  const int64_t nk = static_cast<int64_t>(k[0].size()), m = static_cast<int64_t>(xyz[0].size());
  std::vector<Complex<double>> c(static_cast<std::size_t>(m));
  for (int64_t j = 0; j < m; ++j) {
    double re = 0, im = 0;
    for (int64_t r = 0; r < nk; ++r) {
      const double p = sign * phase(k, xyz, r, j), cs = std::cos(p), sn = std::sin(p);
      re += double(f[r].re) * cs - double(f[r].im) * sn;
      im += double(f[r].re) * sn + double(f[r].im) * cs;
    }
    c[j] = {re, im};
  }
  return c;
}

/// `dims` arrays of m coordinates uniform in [lo, hi).
template <class T>
std::vector<std::vector<T>> random_points(int dims, int64_t m, double lo, double hi, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<std::vector<T>> xyz(dims, std::vector<T>(static_cast<std::size_t>(m)));
  for (auto& axis : xyz)
    for (auto& v : axis) v = T(u(rng));
  return xyz;
}

template <class T>
std::vector<Complex<T>> random_values(int64_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<Complex<T>> v(static_cast<std::size_t>(n));
  for (auto& x : v) x = {T(u(rng)), T(u(rng))};
  return v;
}

}  // namespace phasis::testing
