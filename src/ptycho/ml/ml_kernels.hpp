// The element-wise math of the maximum-likelihood solver (include/phasis/ptycho/ml.hpp gives the
// formulas), as PHASIS_HD functors for the backends' for_each and sum_into: the likelihood's
// gradient in detector space, the exit waves and intensity coefficients along the search line, the
// cost and its derivatives along it, the smoothness regulariser, and the conjugate-gradient vector
// steps. Layouts as in model/forward.hpp; FFTs are unnormalised, so a unitary amplitude is the
// buffer value over M and an intensity the squared value over M^2 (inv_pix).
// "Vectors" (gradient, preconditioned gradient, direction) hold the object's L planes followed by
// the probe's K modes: V = L H W + K M M complex values, split at L H W.
#pragma once

#include <cstdint>

#include "phasis/core/complex.hpp"
#include "phasis/core/hd.hpp"
#include "ptycho/ml/likelihood.hpp"
#include "ptycho/model/forward.hpp"

namespace phasis::ml {

using model::ExitIndex;
using model::Geometry;

/// In the batch's forward FFTs: every mode X at detector pixel i = b pix + p of frame b becomes
/// h X / M^2 (h = dl/dI; 0 on masked pixels), so that the unnormalised inverse FFT gives
/// chi = F^-1 (h Psi) in unitary terms. Returns the pixel's cost l.
template <class T>
struct DetectorGradient {
  Complex<T>* buf;
  const float* amp;  // sqrt(n) of the batch's first frame
  const uint8_t* valid;
  Geometry g;
  T inv_pix;
  bool poisson;
  PHASIS_HD T operator()(int64_t i) const {
    const int64_t b = i / g.pix, p = i - b * g.pix;
    Complex<T>* x = buf + b * g.modes() * g.pix + p;
    if (!valid[p]) {
      for (int64_t q = 0; q < g.modes(); ++q) x[q * g.pix] = Complex<T>(0, 0);
      return T(0);
    }
    T s = 0;
    for (int64_t q = 0; q < g.modes(); ++q) s += norm2(x[q * g.pix]);
    const T n = T(amp[i]) * T(amp[i]);
    const PixelCost<T> c = pixel_cost(poisson, s * inv_pix, n);
    const T scale = c.slope * inv_pix;
    for (int64_t q = 0; q < g.modes(); ++q) x[q * g.pix] = x[q * g.pix] * scale;
    return c.value;
  }
};

/// The three exit-wave terms along the line, for every element i of the batch's exit waves:
/// buf[i] = P O_j, buf[stride + i] = dP O_j + P dO_j, buf[2 stride + i] = dP dO_j.
template <class T>
struct LineWaves {
  Complex<T>* buf;
  int64_t stride;  // elements per term: the batch's exit waves
  const Complex<T>* probe;
  const Complex<T>* dprobe;
  const Complex<T>* object;
  const Complex<T>* dobject;
  const int32_t* offsets;  // of the batch's first frame
  Geometry g;
  PHASIS_HD void operator()(int64_t i) const {
    const ExitIndex e(i, g, 0);
    const int64_t pi = e.k * g.pix + e.p, oi = e.l * g.plane() + model::object_index(offsets, g, e.j, e.p);
    const Complex<T> p = probe[pi], dp = dprobe[pi], o = object[oi], d = dobject[oi];
    buf[i] = p * o;
    buf[stride + i] = dp * o + p * d;
    buf[2 * stride + i] = dp * d;
  }
};

/// From the FFTs of LineWaves' terms (A, B, C per mode), the intensity along the line at detector
/// pixel i = b pix + p: I(gamma) = sum_modes |A + gamma B + gamma^2 C|^2 / M^2 = c0 + ... + c4
/// gamma^4, stored as five planes of the frame's coefficient block (frame_reals apart).
template <class T>
struct LineCoefficients {
  T* coeff;  // the batch's first frame's block
  int64_t frame_reals;
  const Complex<T>* buf;
  int64_t stride;
  Geometry g;
  T inv_pix;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t b = i / g.pix, p = i - b * g.pix;
    T c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0;
    for (int64_t q = 0; q < g.modes(); ++q) {
      const int64_t at = (b * g.modes() + q) * g.pix + p;
      const Complex<T> a = buf[at], bb = buf[stride + at], c = buf[2 * stride + at];
      c0 += norm2(a);
      c1 += T(2) * conj_mul(a, bb).re;
      c2 += norm2(bb) + T(2) * conj_mul(a, c).re;
      c3 += T(2) * conj_mul(bb, c).re;
      c4 += norm2(c);
    }
    T* out = coeff + b * frame_reals + p;
    out[0] = c0 * inv_pix;
    out[g.pix] = c1 * inv_pix;
    out[2 * g.pix] = c2 * inv_pix;
    out[3 * g.pix] = c3 * inv_pix;
    out[4 * g.pix] = c4 * inv_pix;
  }
};

/// What LineCost returns per pixel: the cost, or its first or second derivative in gamma.
enum class LineTerm : int { value = 0, slope = 1, curvature = 2 };

/// The data cost along the line at gamma, per detector pixel i = b pix + p of the batch (0 on
/// masked pixels): l(I(gamma)), dl/dgamma = h I', or d2l/dgamma2 = hh I'^2 + h I''.
template <class T>
struct LineCost {
  const T* coeff;
  int64_t frame_reals;
  const float* amp;
  const uint8_t* valid;
  int64_t pix;
  T gamma;
  bool poisson;
  LineTerm term;
  PHASIS_HD T operator()(int64_t i) const {
    const int64_t b = i / pix, p = i - b * pix;
    if (!valid[p]) return T(0);
    const T* c = coeff + b * frame_reals + p;
    const T c0 = c[0], c1 = c[pix], c2 = c[2 * pix], c3 = c[3 * pix], c4 = c[4 * pix], x = gamma;
    const T intensity = c0 + x * (c1 + x * (c2 + x * (c3 + x * c4)));
    const PixelCost<T> l = pixel_cost(poisson, intensity, T(amp[i]) * T(amp[i]));
    if (term == LineTerm::value) return l.value;
    const T d1 = c1 + x * (T(2) * c2 + x * (T(3) * c3 + x * T(4) * c4));
    if (term == LineTerm::slope) return l.slope * d1;
    const T d2 = T(2) * c2 + x * (T(6) * c3 + x * T(12) * c4);
    return l.curvature * d1 * d1 + l.slope * d2;
  }
};

/// grad[i] += mu sum over the in-plane neighbours r' of r of (O(r) - O(r')): the smoothness
/// regulariser's gradient at object element i (< L H W).
template <class T>
struct SmoothnessGradient {
  Complex<T>* grad;
  const Complex<T>* object;
  Geometry g;
  T mu;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t r = i % g.plane(), y = r / g.w, x = r - y * g.w;
    const Complex<T> o = object[i];
    Complex<T> acc{};
    if (y > 0) acc += o - object[i - g.w];
    if (y + 1 < g.h) acc += o - object[i + g.w];
    if (x > 0) acc += o - object[i - 1];
    if (x + 1 < g.w) acc += o - object[i + 1];
    grad[i] += mu * acc;
  }
};

/// The regulariser along the line, R(gamma) / mu = r0 + r1 gamma + r2 gamma^2, as sums over the
/// neighbour pairs (r, r + x) and (r, r + y) of element i: with a = O(r') - O(r) and b = dO(r') -
/// dO(r), |a|^2 (value), 2 Re conj(a) b (slope), |b|^2 (curvature).
template <class T>
struct SmoothnessLine {
  const Complex<T>* object;
  const Complex<T>* dobject;
  Geometry g;
  LineTerm term;
  PHASIS_HD T pair(int64_t i, int64_t j) const {
    const Complex<T> a = object[j] - object[i], b = dobject[j] - dobject[i];
    return term == LineTerm::value ? norm2(a) : term == LineTerm::slope ? T(2) * conj_mul(a, b).re : norm2(b);
  }
  PHASIS_HD T operator()(int64_t i) const {
    const int64_t r = i % g.plane(), y = r / g.w, x = r - y * g.w;
    T s = 0;
    if (y + 1 < g.h) s += pair(i, i + g.w);
    if (x + 1 < g.w) s += pair(i, i + 1);
    return s;
  }
};

/// The diagonal preconditioner: s = g / (D + c) (0 where D + c vanishes: the probe before it is
/// refined), c = c_object below `split`, c_probe above. Returns Re conj(g) s.
template <class T>
struct Precondition {
  Complex<T>* s;
  const Complex<T>* grad;
  const T* weight;  // D
  int64_t split;
  T c_object, c_probe;
  PHASIS_HD T operator()(int64_t i) const {
    const T d = weight[i] + (i < split ? c_object : c_probe);
    const T inv = d > T(0) ? T(1) / d : T(0);
    s[i] = grad[i] * inv;
    return norm2(grad[i]) * inv;
  }
};

/// d = -s + beta d: the conjugate direction.
template <class T>
struct ConjugateDirection {
  Complex<T>* d;
  const Complex<T>* s;
  T beta;
  PHASIS_HD void operator()(int64_t i) const { d[i] = beta * d[i] - s[i]; }
};

/// value += gamma d: the step along the line (object or probe).
template <class T>
struct StepAlong {
  Complex<T>* value;
  const Complex<T>* d;
  T gamma;
  PHASIS_HD void operator()(int64_t i) const { value[i] += gamma * d[i]; }
};

}  // namespace phasis::ml
