// Complex<T>: a plain {re, im} pair usable on host and device.
// Layout-compatible with fftw(f)_complex and cufft(Double)Complex, so FFT plans run on our buffers
// without copies. std::complex is avoided because its members are not callable from device code.
#pragma once

#include <cmath>

#include "phasis/core/hd.hpp"  // for PHASIS_HD

namespace phasis {

template <class T>
struct Complex {
  T re{};
  T im{};

  Complex() = default;
  PHASIS_HD constexpr Complex(T r, T i = T(0)) : re(r), im(i) {}

  PHASIS_HD Complex& operator+=(Complex b) { re += b.re; im += b.im; return *this; }
  PHASIS_HD Complex& operator-=(Complex b) { re -= b.re; im -= b.im; return *this; }
  PHASIS_HD Complex& operator*=(T s) { re *= s; im *= s; return *this; }
};

template <class T> PHASIS_HD Complex<T> operator+(Complex<T> a, Complex<T> b) { return {a.re + b.re, a.im + b.im}; }
template <class T> PHASIS_HD Complex<T> operator-(Complex<T> a, Complex<T> b) { return {a.re - b.re, a.im - b.im}; }
template <class T> PHASIS_HD Complex<T> operator-(Complex<T> a) { return {-a.re, -a.im}; }
template <class T> PHASIS_HD Complex<T> operator*(Complex<T> a, Complex<T> b) {
  return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
}
template <class T> PHASIS_HD Complex<T> operator*(Complex<T> a, T s) { return {a.re * s, a.im * s}; }
template <class T> PHASIS_HD Complex<T> operator*(T s, Complex<T> a) { return {a.re * s, a.im * s}; }
template <class T> PHASIS_HD Complex<T> conj(Complex<T> a) { return {a.re, -a.im}; }
template <class T> PHASIS_HD T norm2(Complex<T> a) { return a.re * a.re + a.im * a.im; }
template <class T> PHASIS_HD T abs(Complex<T> a) { return sqrt(norm2(a)); }
template <class T> PHASIS_HD T arg(Complex<T> a) { return atan2(a.im, a.re); }
/// conj(a) * b, the product every overlap update needs.
template <class T> PHASIS_HD Complex<T> conj_mul(Complex<T> a, Complex<T> b) {
  return {a.re * b.re + a.im * b.im, a.re * b.im - a.im * b.re};
}
template <class T> PHASIS_HD Complex<T> polar(T r, T phase) { return {r * cos(phase), r * sin(phase)}; }

template <class T> bool operator==(Complex<T> a, Complex<T> b) { return a.re == b.re && a.im == b.im; }

}  // namespace phasis
