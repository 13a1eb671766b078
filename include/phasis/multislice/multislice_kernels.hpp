// The element-wise math of multislice, as PHASIS_HD functors that the CPU loop and the CUDA kernel
// both call. Waves are (batch, ny, nx) row-major; per-grid arrays (potential slice, propagator,
// detector mask) are ny x nx and shared by every wave of the batch (index i % pix).
#pragma once

#include <cstdint>

#include "phasis/core/complex.hpp"

namespace phasis::ms {

/// psi *= exp(i sigma v): the slice's transmission function, v in V Angstrom.
template <class T>
struct Transmit {
  Complex<T>* psi;
  const float* v;
  int64_t pix;
  T sigma;
  PHASIS_HD void operator()(int64_t i) const {
    const T phase = sigma * T(v[i % pix]);
    psi[i] = psi[i] * Complex<T>(cos(phase), sin(phase));
  }
};

/// Psi *= P in Fourier space; P carries the 1/N of the round trip and the antialiasing aperture.
template <class T>
struct MultiplyGrid {
  Complex<T>* psi;
  const Complex<T>* factor;
  int64_t pix;
  PHASIS_HD void operator()(int64_t i) const { psi[i] = psi[i] * factor[i % pix]; }
};

/// |Psi|^2 scale on the detector's pixels, 0 elsewhere; summed per wave by sum_segments.
template <class T>
struct MaskedIntensity {
  const Complex<T>* psi;
  const uint8_t* mask;
  int64_t pix;
  T scale;
  PHASIS_HD T operator()(int64_t i) const { return mask[i % pix] ? norm2(psi[i]) * scale : T(0); }
};

}  // namespace phasis::ms
