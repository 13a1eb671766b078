// Relative errors of a result against its reference, the one place the tests compute them. Values
// are real or complex (float, double, Complex<T>, std::complex<T>) in host memory; differences and
// sums are formed in double. The reference is always the second argument, and each name says the
// norm:
//   relative_l2            ||a - b||_2 / ||b||_2               (the error's energy: FFTs, waves, solvers)
//   relative_max_norm      max_i |a_i - b_i| / max_i |b_i|     (the worst value against the largest)
//   max_pointwise_relative max_i |a_i - b_i| / |b_i|           (every value held to the bar on its own)
// Each takes two pointers and a count, two containers of equal size (anything with data() and
// size(): Array, std::vector), or a pointer to as many values as a reference container holds.
#pragma once

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "phasis/core/complex.hpp"

namespace phasis::testing {

namespace detail {

inline std::complex<double> widen(double v) { return {v, 0.0}; }
template <class T>
std::complex<double> widen(Complex<T> v) {
  return {double(v.re), double(v.im)};
}
template <class T>
std::complex<double> widen(std::complex<T> v) {
  return {double(v.real()), double(v.imag())};
}

template <class C>
concept HostValues = requires(const C& c) {
  c.data();
  c.size();
};

template <class A, class B>
int64_t common_size(const A& a, const B& b) {
  if (int64_t(a.size()) != int64_t(b.size()))
    throw std::invalid_argument("relative error: expected two arrays of one size; found " + std::to_string(a.size()) +
                                " and " + std::to_string(b.size()) + " values");
  return int64_t(b.size());
}

}  // namespace detail

/// ||a - b||_2 / ||b||_2 over n values.
template <class A, class B>
double relative_l2(const A* a, const B* b, int64_t n) {
  double num = 0, den = 0;
  for (int64_t i = 0; i < n; ++i) {
    const std::complex<double> ref = detail::widen(b[i]);
    num += std::norm(detail::widen(a[i]) - ref);
    den += std::norm(ref);
  }
  return std::sqrt(num / den);
}

/// max_i |a_i - b_i| / max_i |b_i| over n values.
template <class A, class B>
double relative_max_norm(const A* a, const B* b, int64_t n) {
  double worst = 0, scale = 0;
  for (int64_t i = 0; i < n; ++i) {
    const std::complex<double> ref = detail::widen(b[i]);
    worst = std::max(worst, std::abs(detail::widen(a[i]) - ref));
    scale = std::max(scale, std::abs(ref));
  }
  return worst / scale;
}

/// max_i |a_i - b_i| / |b_i| over n values; a zero in b makes the error infinite (or NaN).
template <class A, class B>
double max_pointwise_relative(const A* a, const B* b, int64_t n) {
  double worst = 0;
  for (int64_t i = 0; i < n; ++i) {
    const std::complex<double> ref = detail::widen(b[i]);
    const double e = std::abs(detail::widen(a[i]) - ref) / std::abs(ref);
    if (std::isnan(e)) return e;  // 0 / 0 or a NaN value: it must fail the comparison that follows
    worst = std::max(worst, e);
  }
  return worst;
}

template <detail::HostValues A, detail::HostValues B>
double relative_l2(const A& a, const B& b) {
  return relative_l2(a.data(), b.data(), detail::common_size(a, b));
}
template <detail::HostValues A, detail::HostValues B>
double relative_max_norm(const A& a, const B& b) {
  return relative_max_norm(a.data(), b.data(), detail::common_size(a, b));
}
template <detail::HostValues A, detail::HostValues B>
double max_pointwise_relative(const A& a, const B& b) {
  return max_pointwise_relative(a.data(), b.data(), detail::common_size(a, b));
}

/// a points at b.size() values (e.g. one transform of a batch against its reference).
template <class A, detail::HostValues B>
double relative_l2(const A* a, const B& b) {
  return relative_l2(a, b.data(), int64_t(b.size()));
}
template <class A, detail::HostValues B>
double relative_max_norm(const A* a, const B& b) {
  return relative_max_norm(a, b.data(), int64_t(b.size()));
}

}  // namespace phasis::testing
