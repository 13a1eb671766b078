// The element-wise math of LSQML's own steps (phasis/ptycho/lsqml.hpp gives the equations), as
// PHASIS_HD functors that the CPU loop and the CUDA kernel both call. A batch's frames are
// consecutive in the iteration's frame order: `offsets` point at the batch's first frame there and
// j counts within the batch. Exit-wave layouts are forward.hpp's, for the batch: buf[j][k][l][y][x];
// the FFTs are unnormalised, so a unitary intensity is sum over modes |X|^2 / M^2 (inv_pix).
// The object's and probe's sums (P* chi, |P|^2; O* chi, |O|^2) are PIE's (pie_kernels.hpp) with
// gamma = 0, and the batch's box is PIE's too (ZeroRectangle, rectangle_index).
#pragma once

#include <cstdint>

#include "phasis/core/complex.hpp"
#include "phasis/core/hd.hpp"
#include "ptycho/ml/likelihood.hpp"  // poisson_floor: the same floor of the model intensity as ML's
#include "ptycho/model/forward.hpp"
#include "ptycho/pie/pie_kernels.hpp"

namespace phasis::lsqml {

using model::ExitIndex;
using model::Geometry;
using pie::rectangle_index;

/// The Poisson model's detector-space weight at pixel p of frame-block b (X: the batch's FFTs):
/// w = 1 - n / I, the factor of the likelihood's gradient (1 - n / I) Psi; 0 on masked pixels.
/// I is floored at ML's Poisson floor and at n / G^2 (inv_gain2 = 1 / G^2, G the modulus gain
/// limit; 0: no such floor): where the model nearly vanishes under counts, the gradient step would
/// lift a phase that rounding decides by a factor up to 1 + alpha n / 0.01 (measured: float and
/// double runs at 10^6 photons per frame parted to 7e-3 in 30 iterations; 1e-7 with G = 2), as
/// the exact modulus projection would (model::modulus_gain_denominator). The floor bounds the
/// factor 1 - alpha w by 1 + alpha (G^2 - 1); pixels near the fit (I ~ n) are untouched.
/// Also returns the floored I and n.
template <class T>
struct PoissonWeight {
  T w, intensity, n;
};

template <class T>
PHASIS_HD PoissonWeight<T> poisson_weight(const Complex<T>* buf, const float* amp, const uint8_t* valid, const Geometry& g,
                                          int64_t b, int64_t p, T inv_pix, T inv_gain2) {
  if (!valid[p]) return {T(0), T(0), T(0)};
  T s = 0;
  const Complex<T>* x = buf + b * g.modes() * g.pix + p;
  for (int64_t q = 0; q < g.modes(); ++q) s += norm2(x[q * g.pix]);
  const T n = T(amp[b * g.pix + p]) * T(amp[b * g.pix + p]);
  const T f = ml::poisson_floor<T>(), fg = n * inv_gain2, lo = fg > f ? fg : f;
  const T intensity = s * inv_pix < lo ? lo : s * inv_pix;
  return {T(1) - n / intensity, intensity, n};
}

/// The Poisson cost of frame j along the far-field step Psi (1 - alpha w), f(alpha) = sum_q
/// I u^2 - n log(I u^2), u = 1 - alpha w: its first (segment 2 j) and second (2 j + 1) derivative
/// in alpha, per pixel, for sum_segments(2 nb, pix):
///   f' = sum 2 w (n / u - I u),   f'' = sum 2 w^2 (I + n / u^2).
/// f is convex for alpha in [0, 1) (w <= 1, so u > 0 there): Newton steps on the host find its
/// minimum.
template <class T>
struct PoissonStepTerms {
  const Complex<T>* buf;
  const float* amp;
  const uint8_t* valid;
  Geometry g;
  T inv_pix, inv_gain2;
  const T* alpha;  // per batch frame, the current estimate
  PHASIS_HD T operator()(int64_t i) const {
    const int64_t seg = i / g.pix, p = i - seg * g.pix, j = seg / 2;
    const PoissonWeight<T> c = poisson_weight(buf, amp, valid, g, j, p, inv_pix, inv_gain2);
    if (c.w == T(0)) return T(0);
    const T u = T(1) - alpha[j] * c.w;
    if (seg - 2 * j == 0) return T(2) * c.w * (c.n / u - c.intensity * u);
    return T(2) * c.w * c.w * (c.intensity + c.n / (u * u));
  }
};

/// In the batch's forward FFTs, every mode X at detector pixel i = b pix + p becomes
/// -alpha_b w X / M^2: the change of the far field Psi' - Psi = -alpha_b w Psi scaled so that the
/// unnormalised inverse FFT gives the unitary exit-wave change chi = F^-1 (Psi' - Psi) directly.
template <class T>
struct PoissonChange {
  Complex<T>* buf;
  const float* amp;
  const uint8_t* valid;
  Geometry g;
  T inv_pix, inv_gain2;
  const T* alpha;  // per batch frame
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t b = i / g.pix, p = i - b * g.pix;
    const T scale = -alpha[b] * poisson_weight(buf, amp, valid, g, b, p, inv_pix, inv_gain2).w * inv_pix;
    Complex<T>* x = buf + b * g.modes() * g.pix + p;
    for (int64_t q = 0; q < g.modes(); ++q) x[q * g.pix] = x[q * g.pix] * scale;
  }
};

/// Row maxima of a strided array: rows[r] = max of values[i stride] over i in [r row, (r + 1)
/// row) below n (the values are denominators, >= 0). With pie::MaxOfRows, the maximum of a batch's
/// summed illumination in two parallel passes, on the backend, without a wait.
template <class T>
struct StridedRowMax {
  T* rows;
  const T* values;
  int64_t stride, n, row;
  PHASIS_HD void operator()(int64_t r) const {
    T mx = 0;
    const int64_t end = (r + 1) * row < n ? (r + 1) * row : n;
    for (int64_t i = r * row; i < end; ++i) mx = values[i * stride] > mx ? values[i * stride] : mx;
    rows[r] = mx;
  }
};

/// The object's update direction over the batch's box from its packed, reduced sums
/// (model::PackRegion's layout: re, im, den per pixel):
///   dO = sum_j P* chi_j / (sum_j |P|^2 + delta max(sum_j |P|^2)),
/// written into the object's numerator planes (`dir`) at the box's pixels; 0 where no frame of the
/// batch reached (den = 0).
template <class T>
struct ObjectDirection {
  Complex<T>* dir;
  const T* packed;
  Geometry g;
  int64_t y0, x0, rh, rw;
  T delta;
  const T* den_max;  // max over the box of den, on the backend
  PHASIS_HD void operator()(int64_t i) const {
    const T den = packed[3 * i + 2];
    dir[rectangle_index(g, y0, x0, rh, rw, i)] =
        den > T(0) ? Complex<T>(packed[3 * i], packed[3 * i + 1]) * (T(1) / (den + delta * den_max[0])) : Complex<T>(0, 0);
  }
};

/// The probe's update direction dP = sum_j O_j* chi_j / (sum_j |O_j|^2 + delta max(sum_j |O_j|^2)),
/// 0 where the denominator vanishes (a part without frames before the reduction never reads it).
template <class T>
struct ProbeDirection {
  Complex<T>* dir;
  const Complex<T>* num;
  const T* den;
  T delta;
  const T* den_max;
  PHASIS_HD void operator()(int64_t i) const {
    dir[i] = den[i] > T(0) ? num[i] * (T(1) / (den[i] + delta * den_max[0])) : Complex<T>(0, 0);
  }
};

/// The five sums of frame j's 2 x 2 least-squares system for its step lengths (segment 5 j + t of
/// sum_segments(5 nb, pix)), over pixels and modes, with a = P^k dO^l_j, b = dP^k O^l_j and
/// c = chi^{kl}_j:  t = 0: |a|^2,  1: Re conj(a) b,  2: |b|^2,  3: Re conj(a) c,  4: Re conj(b) c.
/// Without the probe's step (`probe` false, before probe_start) b is 0.
template <class T>
struct StepSystemTerms {
  const Complex<T>* chi;
  const Complex<T>* probe;
  const Complex<T>* dprobe;
  const Complex<T>* object;
  const Complex<T>* dobject;
  const int32_t* offsets;  // of the batch's first frame
  Geometry g;
  bool with_probe;
  PHASIS_HD T operator()(int64_t i) const {
    const int64_t seg = i / g.pix, p = i - seg * g.pix, j = seg / 5, t = seg - 5 * j;
    if (!with_probe && (t == 1 || t == 2 || t == 4)) return T(0);
    const int64_t idx = model::object_index(offsets, g, j, p);
    T s = 0;
    for (int64_t k = 0; k < g.k; ++k) {
      const Complex<T> pk = probe[k * g.pix + p], dpk = with_probe ? dprobe[k * g.pix + p] : Complex<T>(0, 0);
      for (int64_t l = 0; l < g.l; ++l) {
        const Complex<T> o = object[l * g.plane() + idx], d = dobject[l * g.plane() + idx];
        const Complex<T> a = pk * d, b = dpk * o;
        switch (t) {
          case 0: s += norm2(a); break;
          case 1: s += conj_mul(a, b).re; break;
          case 2: s += norm2(b); break;
          case 3: s += conj_mul(a, chi[((j * g.k + k) * g.l + l) * g.pix + p]).re; break;
          default: s += conj_mul(b, chi[((j * g.k + k) * g.l + l) * g.pix + p]).re; break;
        }
      }
    }
    return s;
  }
};

/// object += step dO over the batch's box (dO in the numerator planes: ObjectDirection).
template <class T>
struct ObjectStep {
  Complex<T>* object;
  const Complex<T>* dir;
  Geometry g;
  int64_t y0, x0, rh, rw;
  T step;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t o = rectangle_index(g, y0, x0, rh, rw, i);
    object[o] += step * dir[o];
  }
};

/// value += step d (the probe's step).
template <class T>
struct StepAlong {
  Complex<T>* value;
  const Complex<T>* d;
  T step;
  PHASIS_HD void operator()(int64_t i) const { value[i] += step * d[i]; }
};

}  // namespace phasis::lsqml
