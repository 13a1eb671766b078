// The Fourier (modulus) constraint every ptychography solver applies, as PHASIS_HD functors for
// the backends (layouts in forward.hpp): on a batch's unnormalised FFTs, every mode is scaled so
// that the incoherent sum of the modes' intensities matches the measured one on valid pixels,
// with an optional power bound and a cap on the gain; and the per-frame misfit that decides the
// power bound.
#pragma once

#include <cmath>
#include <cstdint>

#include "phasis/core/complex.hpp"
#include "ptycho/model/forward.hpp"

namespace phasis::model {
/// Unitary magnitude sqrt(sum over modes |X|^2) / M at pixel p of frame-block b of the batch.
template <class T>
PHASIS_HD T mode_magnitude(const Complex<T>* buf, const Geometry& g, int64_t b, int64_t p, T inv_m) {
  T s = 0;
  const Complex<T>* x = buf + b * g.modes() * g.pix + p;
  for (int64_t q = 0; q < g.modes(); ++q) s += norm2(x[q * g.pix]);
  return sqrt(s) * inv_m;
}

/// Squared misfit (a - sqrt(I))^2 of one detector pixel of the batch (valid pixels only); its
/// per-frame sums decide the power-bounded projection. i counts frame-block pixels: b * pix + p.
template <class T>
struct FourierMisfit {
  const Complex<T>* buf;
  const float* amp;  // of the batch's first frame
  const uint8_t* valid;
  Geometry g;
  T inv_m;
  PHASIS_HD T operator()(int64_t i) const {
    const int64_t p = i % g.pix;
    if (!valid[p]) return T(0);
    const T d = mode_magnitude(buf, g, i / g.pix, p, inv_m) - T(amp[i]);
    return d * d;
  }
};

/// The modulus scales |T| = a to `target`. Where a << target that gain is unbounded and the
/// phase of a nearly vanishing T, which rounding decides, is blown up to full amplitude; the
/// gain is therefore capped at 1 / inv_gain (a is replaced by target * inv_gain when smaller).
/// Points with a = target, the solutions, are untouched.
template <class T>
PHASIS_HD T modulus_gain_denominator(T a, T target, T inv_gain) {
  const T lo = target * inv_gain;
  return a > lo ? a : lo > T(0) ? lo : a;
}

/// ModulusProject for one pixel of a single-mode frame: x is the unnormalised FFT value, `amp` its
/// measured sqrt(I); `relaxed` says whether `relax` (the frame's power-bound factor) applies. The
/// ModulusProject pass and the fused Fourier kernels' column step (dm_fused_fourier.cu) both call it.
template <class T>
PHASIS_HD Complex<T> modulus_project_single(Complex<T> x, float amp, bool valid, T relax, bool relaxed, T inv_m,
                                            T inv_gain) {
  if (!valid) return x * (inv_m * inv_m);
  const T a = abs(x) * inv_m;
  const T target = relaxed ? T(amp) + relax * (a - T(amp)) : T(amp);
  const T d = modulus_gain_denominator(a, target, inv_gain);
  return d > T(0) ? x * (target * inv_m * inv_m / d) : Complex<T>(target * inv_m, T(0));
}

/// Modulus projection on the unnormalised FFTs of the batch (X = M x unitary transform), one
/// detector pixel of one frame at a time: every mode is scaled by sqrt(I) / a, with a the
/// incoherent sum over modes, then by 1/M so that the unnormalised inverse FFT lands on the
/// unitary inverse. Masked pixels keep their values.
/// With `relax` (per frame, may be null) the target magnitude is sqrt(I) + relax_j (a - sqrt(I)):
/// 0 is the exact projection, 1 leaves the frame as it is (the power bound of Thibault et al. 2009).
template <class T>
struct ModulusProject {
  Complex<T>* buf;
  const float* amp;  // sqrt(I) of the batch's first frame, DC at [0, 0]
  const uint8_t* valid;
  Geometry g;
  T inv_m;
  const T* relax;  // per frame of the batch, or nullptr
  T inv_gain;      // 1 / DmOptions::modulus_gain_limit; 0: the exact projection (see modulus_gain_denominator)
  PHASIS_HD T gain_denominator(T a, T target) const { return modulus_gain_denominator(a, target, inv_gain); }
  PHASIS_HD void operator()(int64_t i) const {
    if (g.modes() == 1) {  // the common case, without the mode loops
      const int64_t p = i % g.pix;
      buf[i] = modulus_project_single(buf[i], amp[i], valid[p] != 0, relax ? relax[i / g.pix] : T(0), relax != nullptr,
                                      inv_m, inv_gain);
      return;
    }
    const int64_t b = i / g.pix, p = i % g.pix;
    Complex<T>* x = buf + b * g.modes() * g.pix + p;
    T scale;
    if (!valid[p]) {
      scale = inv_m * inv_m;
    } else {
      const T a = mode_magnitude(buf, g, b, p, inv_m);
      const T target = relax ? T(amp[i]) + relax[b] * (a - T(amp[i])) : T(amp[i]);
      const T d = gain_denominator(a, target);
      if (!(d > T(0))) {  // no phase to keep: put the magnitude in the first mode, real
        for (int64_t q = 0; q < g.modes(); ++q) x[q * g.pix] = Complex<T>(0, 0);
        x[0] = Complex<T>(target * inv_m, T(0));
        return;
      }
      scale = target * inv_m * inv_m / d;  // |X| = a M summed over modes
    }
    for (int64_t q = 0; q < g.modes(); ++q) x[q * g.pix] = x[q * g.pix] * scale;
  }
};

}  // namespace phasis::model
