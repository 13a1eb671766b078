// Sub-pixel scan positions in the forward model, as PHASIS_HD functors the CPU loop and the CUDA
// kernel both call. A frame's corner p_j = o_j + delta_j in object pixels: o_j the integer offset
// (forward.hpp's offsets), delta_j in [-1/2, 1/2] the rest. The object stays on its grid and the
// probe moves by the rest, by a Fourier phase ramp (exact for a band-limited probe, no
// interpolation blur):
//   psi_j(r) = P_j(r) O(r + o_j),   P_j(r) = P(r - delta_j),
//   F[P_j](q) = F[P](q) exp(-2 pi i q . delta_j / M)   (q the signed frequency, unitary pair)
// which is the exit wave of P(r) O(r + p_j) sampled on a grid shifted by delta_j: the shift is a
// phase ramp in the far field, so |F psi_j| is that of the true position.
// The probe's update is the adjoint: each frame's term conj(O_j) Delta_j shifted back by
// -delta_j (the conjugate ramp) before the sum over frames.
// Position gradient (Odstrcil, Menzel & Guizar-Sicairos, Opt. Express 26, 3108 (2018), sec. 4.4;
// Dwivedi et al., Ultramicroscopy 192, 29 (2018)): d psi_j / d delta_j = -(grad P_j) O_j, whose
// least-squares step against the Fourier constraint's change Delta_j is, per axis a,
//   s_a = sum Re[conj(G_a) Delta_j] / sum |G_a|^2,   G_a = -(d_a P_j) O_j,
// with d_a P_j = F^-1[(2 pi i q_a / M) F[P_j]] (spectral, exact for the probe; the Nyquist term,
// whose derivative has no real-valued sign, is dropped).
// Layouts: as forward.hpp; per-frame probes fp[j][k][y][x] for the batch's frames; the probe's
// spectrum spec[k][u][v] (unnormalised forward FFT of the probe); shifts[j] = (dy, dx) in the
// batch's order.
#pragma once

#include <cmath>
#include <cstdint>

#include "phasis/core/complex.hpp"
#include "phasis/core/hd.hpp"
#include "ptycho/model/forward.hpp"

namespace phasis::model {

/// out[i] = in[i] (on the backend's stream).
template <class T>
struct CopyComplex {
  Complex<T>* out;
  const Complex<T>* in;
  PHASIS_HD void operator()(int64_t i) const { out[i] = in[i]; }
};

/// Signed frequency of FFT index u of m: u for u < m/2, u - m above (the Nyquist index of an even
/// m counts as -m/2).
PHASIS_HD int64_t signed_frequency(int64_t u, int64_t m) { return 2 * u < m ? u : u - m; }

/// exp(-2 pi i (qy dy + qx dx) / m) at spectrum pixel p; `sign` +1 shifts by +delta, -1 back.
template <class T>
PHASIS_HD Complex<T> shift_ramp(int64_t p, int64_t m, T dy, T dx, T sign) {
  const int64_t u = p / m, v = p - u * m;
  // In double: the phase reaches pi, and float's cos there would differ between backends' libraries.
  const double phase = -2 * 3.14159265358979323846 * double(sign) *
                       (double(signed_frequency(u, m)) * double(dy) + double(signed_frequency(v, m)) * double(dx)) / double(m);
  return Complex<T>(T(cos(phase)), T(sin(phase)));
}

/// The spectra of the batch's shifted probes, or of their derivative along one axis:
/// out[j][k][p] = spec[k][p] ramp_j(p) (2 pi i q_axis / m if axis >= 0) / pix (so that the
/// unnormalised inverse FFT gives P_j itself). axis: -1 none, 0 y, 1 x.
template <class T>
struct ShiftedProbeSpectra {
  Complex<T>* out;
  const Complex<T>* spec;
  const T* shifts;  // the batch's first frame's (dy, dx)
  int64_t m, pix, k;
  int axis;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t jk = i / pix, p = i - jk * pix, j = jk / k, kk = jk - j * k;
    Complex<T> v = spec[kk * pix + p] * shift_ramp<T>(p, m, shifts[2 * j], shifts[2 * j + 1], T(1)) * (T(1) / T(pix));
    if (axis >= 0) {
      const int64_t u = p / m, q = signed_frequency(axis == 0 ? u : p - u * m, m);
      const T f = 2 * q == -m ? T(0) : T(2 * 3.14159265358979323846) * T(q) / T(m);
      v = Complex<T>(-v.im * f, v.re * f);  // times i f
    }
    out[i] = v;
  }
};

/// Spectra of the batch's probe terms shifted back by -delta_j, in place: t[j][k][p] *=
/// conj(ramp_j(p)) / pix.
template <class T>
struct ShiftBack {
  Complex<T>* t;
  const T* shifts;
  int64_t m, pix, k;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t jk = i / pix, p = i - jk * pix, j = jk / k;
    t[i] = t[i] * shift_ramp<T>(p, m, shifts[2 * j], shifts[2 * j + 1], T(-1)) * (T(1) / T(pix));
  }
};

/// Each batch frame's probe term before the shift back: t[j][k][p] = sum_l conj(O^l_j) Delta^{kl}_j.
template <class T>
struct FrameProbeTerms {
  Complex<T>* t;
  const Complex<T>* delta;
  const Complex<T>* object;
  const int32_t* offsets;  // of the batch's first frame
  Geometry g;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t jk = i / g.pix, p = i - jk * g.pix, j = jk / g.k, k = jk - j * g.k;
    const int64_t idx = object_index(offsets, g, j, p);
    Complex<T> acc{};
    for (int64_t l = 0; l < g.l; ++l) acc += conj_mul(object[l * g.plane() + idx], delta[((j * g.k + k) * g.l + l) * g.pix + p]);
    t[i] = acc;
  }
};

/// The probe's numerator from the shifted-back terms and its denominator (as pie's
/// ProbeStepTerms: the object power unshifted, a smooth weight moved by under half a pixel):
/// num[k][p] = sum_j t[j][k][p]; den[k][p] = sum_j [(1 - gamma) sum_l |O^l_j|^2 + gamma max|O_j|^2].
template <class T>
struct SumShiftedProbeTerms {
  Complex<T>* num;
  T* den;
  const Complex<T>* t;
  const Complex<T>* object;
  const int32_t* offsets;
  Geometry g;
  int64_t frames;
  T gamma;
  const T* frame_max;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t k = i / g.pix, p = i - k * g.pix;
    Complex<T> acc{};
    T d = 0;
    for (int64_t j = 0; j < frames; ++j) {
      acc += t[(j * g.k + k) * g.pix + p];
      const int64_t idx = object_index(offsets, g, j, p);
      T power = 0;
      for (int64_t l = 0; l < g.l; ++l) power += norm2(object[l * g.plane() + idx]);
      d += (T(1) - gamma) * power + gamma * frame_max[j];
    }
    num[i] = acc;
    den[i] = d;
  }
};

/// The four sums of each batch frame's position step (segment s = 4 j + q, pixel p):
/// q = 0, 1: sum Re[conj(G_y) Delta], sum |G_y|^2; q = 2, 3: the same along x; G_a = -(d_a P^k_j) O^l_j
/// summed over the modes k, l.
template <class T>
struct PositionTerms {
  const Complex<T>* delta;
  const Complex<T>* dy;  // d_y P^k_j, fp's layout
  const Complex<T>* dx;
  const Complex<T>* object;
  const int32_t* offsets;
  Geometry g;
  PHASIS_HD double operator()(int64_t i) const {
    const int64_t s = i / g.pix, p = i - s * g.pix, j = s / 4, q = s - 4 * j;
    const Complex<T>* d = q < 2 ? dy : dx;
    const int64_t idx = object_index(offsets, g, j, p);
    double acc = 0;
    for (int64_t k = 0; k < g.k; ++k)
      for (int64_t l = 0; l < g.l; ++l) {
        const Complex<T> grad = d[(j * g.k + k) * g.pix + p] * object[l * g.plane() + idx] * T(-1);
        if (q % 2 == 0) {
          const Complex<T> e = conj_mul(grad, delta[((j * g.k + k) * g.l + l) * g.pix + p]);
          acc += double(e.re);
        } else {
          acc += double(norm2(grad));
        }
      }
    return acc;
  }
};

}  // namespace phasis::model
