// The element-wise math of the Difference Map, written once as PHASIS_HD functors that the CPU
// loop and the CUDA kernel both call. Layouts: frames N x M x M row-major; object H x W; offsets
// N x 2 (y, x) of each frame's corner in the object.
#pragma once

#include <cstdint>

#include "phasis/backend/cpu.hpp"  // for ScatterTerm
#include "phasis/core/complex.hpp"

namespace phasis::dm {

/// Object index under pixel (y, x) of frame j.
PHASIS_HD int64_t object_index(const int32_t* offsets, int64_t w_obj, int64_t j, int64_t y, int64_t x) {
  return (int64_t(offsets[2 * j]) + y) * w_obj + offsets[2 * j + 1] + x;
}

/// psi_j = P O_j for frames [j0, j0 + n): the initial exit waves.
template <class T>
struct ExitWave {
  Complex<T>* psi;
  const Complex<T>* probe;
  const Complex<T>* object;
  const int32_t* offsets;
  int64_t m, w_obj, j0;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t pix = m * m, j = j0 + i / pix, p = i % pix;
    psi[i] = probe[p] * object[object_index(offsets, w_obj, j, p / m, p % m)];
  }
};

/// buf = 2 P O_j - psi_j for the frames of one batch (i counts within the batch).
template <class T>
struct Reflect {
  Complex<T>* buf;
  const Complex<T>* psi;  // of the batch's first frame
  const Complex<T>* probe;
  const Complex<T>* object;
  const int32_t* offsets;
  int64_t m, w_obj, j0;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t pix = m * m, j = j0 + i / pix, p = i % pix;
    const Complex<T> phi = probe[p] * object[object_index(offsets, w_obj, j, p / m, p % m)];
    buf[i] = T(2) * phi - psi[i];
  }
};

/// Squared misfit (|X|/M - sqrt(I))^2 of one pixel of the batch's transform, valid pixels only; its
/// per-frame sums decide the relaxed projection.
template <class T>
struct FourierMisfit {
  const Complex<T>* buf;
  const float* amp;
  const uint8_t* valid;
  int64_t pix;
  T inv_m;
  PHASIS_HD T operator()(int64_t i) const {
    if (!valid[i % pix]) return T(0);
    const T d = abs(buf[i]) * inv_m - T(amp[i]);
    return d * d;
  }
};

/// Modulus projection on the unnormalised FFT of the batch. X = M * (unitary transform). Replaces X
/// with the unitary-scaled target divided by M again, so that the following unnormalised inverse
/// FFT lands on the unitary inverse. Masked pixels keep their value.
/// With `relax` (per frame, may be null): the target magnitude is amp + relax_j (|X|/M - amp), so
/// relax = 0 is the exact projection and relax = 1 leaves the frame as it is (the power bound of
/// Thibault et al. 2009 for noisy data).
template <class T>
struct ModulusProject {
  Complex<T>* buf;
  const float* amp;  // sqrt(I) of the batch's first frame, DC at [0, 0]
  const uint8_t* valid;
  int64_t pix;
  T inv_m;  // 1 / M
  const T* relax;  // per frame of the batch, or nullptr
  PHASIS_HD void operator()(int64_t i) const {
    const Complex<T> x = buf[i];
    if (!valid[i % pix]) {
      buf[i] = x * (inv_m * inv_m);
      return;
    }
    const T a = abs(x) * inv_m;  // unitary magnitude
    const T target = relax ? T(amp[i]) + relax[i / pix] * (a - T(amp[i])) : T(amp[i]);
    // |x| = a M, so this keeps the phase and sets the magnitude to target / M.
    buf[i] = a > T(0) ? x * (target * inv_m * inv_m / a) : Complex<T>(target * inv_m, T(0));
  }
};

/// psi_j += buf - P O_j, after the inverse FFT; returns |buf - P O_j|^2, this pixel's share of the
/// difference-map error.
template <class T>
struct UpdateExit {
  Complex<T>* psi;  // of the batch's first frame
  const Complex<T>* buf;
  const Complex<T>* probe;
  const Complex<T>* object;
  const int32_t* offsets;
  int64_t m, w_obj, j0;
  PHASIS_HD T operator()(int64_t i) const {
    const int64_t pix = m * m, j = j0 + i / pix, p = i % pix;
    const Complex<T> phi = probe[p] * object[object_index(offsets, w_obj, j, p / m, p % m)];
    const Complex<T> d = buf[i] - phi;
    psi[i] += d;
    return norm2(d);
  }
};

/// Object numerator and denominator terms: P* psi_j and |P|^2 at the object pixel under (y, x).
template <class T>
struct ObjectTerms {
  const Complex<T>* psi;
  const Complex<T>* probe;
  const int32_t* offsets;
  int64_t m, w_obj;
  PHASIS_HD ScatterTerm<T> operator()(int64_t j, int64_t y, int64_t x) const {
    const int64_t p = y * m + x;
    const Complex<T> pr = probe[p];
    return {object_index(offsets, w_obj, j, y, x), conj_mul(pr, psi[j * m * m + p]), norm2(pr)};
  }
};

/// new = (num + c old) / (den + c), for the object and the probe alike.
template <class T>
struct InertialQuotient {
  Complex<T>* value;
  const Complex<T>* num;
  const T* den;
  T c;
  PHASIS_HD void operator()(int64_t i) const {
    value[i] = (num[i] + c * value[i]) * (T(1) / (den[i] + c));
  }
};

/// Probe numerator and denominator at probe pixel p, summed over all frames (no write conflicts:
/// one thread per probe pixel).
template <class T>
struct ProbeTerms {
  Complex<T>* num;
  T* den;
  const Complex<T>* psi;
  const Complex<T>* object;
  const int32_t* offsets;
  int64_t m, w_obj, frames;
  PHASIS_HD void operator()(int64_t p) const {
    Complex<T> acc{};
    T d = 0;
    const int64_t y = p / m, x = p % m, pix = m * m;
    for (int64_t j = 0; j < frames; ++j) {
      const Complex<T> o = object[object_index(offsets, w_obj, j, y, x)];
      acc += conj_mul(o, psi[j * pix + p]);
      d += norm2(o);
    }
    num[p] = acc;
    den[p] = d;
  }
};

template <class T>
struct Norm2Of {
  const Complex<T>* v;
  PHASIS_HD T operator()(int64_t i) const { return norm2(v[i]); }
};

template <class T>
struct ValueOf {
  const T* v;
  PHASIS_HD T operator()(int64_t i) const { return v[i]; }
};

/// Sum of I over valid pixels, for normalising the Fourier error.
struct ValidPower {
  const float* amp;
  const uint8_t* valid;
  int64_t pix;
  PHASIS_HD double operator()(int64_t i) const { return valid[i % pix] ? double(amp[i]) * amp[i] : 0.0; }
};

}  // namespace phasis::dm
