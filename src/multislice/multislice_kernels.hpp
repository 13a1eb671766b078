// The element-wise math of multislice, as PHASIS_HD functors that the CPU loop and the CUDA kernel
// both call. Waves are (batch, ny, nx) row-major; per-grid arrays (potential slice, propagator,
// detector mask) are ny x nx and shared by every wave of the batch (index i % pix, or one call per
// pixel looping over the batch).
#pragma once

#include <cstdint>

#include "phasis/core/complex.hpp"
#include "phasis/multislice/grid.hpp"  // for fft_frequency

namespace phasis::ms {

/// t = exp(i sigma v) at every pixel of one or more slices (v in V Angstrom), before the band limit
/// of MultisliceEngine::transmissions; waves are then multiplied by t (MultiplyGrid), also inside
/// the fused 512 x 512 multislice (fused_multislice.hpp).
template <class T>
struct TransmissionFunction {
  Complex<T>* t;
  const float* v;
  T sigma;
  PHASIS_HD void operator()(int64_t i) const {
    const T phase = sigma * T(v[i]);
    t[i] = Complex<T>(cos(phase), sin(phase));
  }
};

/// Spectra of ns slices (ns x ny x nx, unshifted) moved by (sx, sy) = shift[2 k], shift[2 k + 1]
/// [Angstrom] each: times exp(-2 pi i (qx sx + qy sy)), the exact shift of a band-limited slice
/// (the specimen tilt's shear, PotentialOptions::tilt). One call per pixel of every slice.
template <class T>
struct ShiftSpectra {
  Complex<T>* t;
  const double* shift;
  int64_t ny, nx;
  double dy, dx;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t pix = ny * nx, k = i / pix, p = i - k * pix, iy = p / nx, ix = p - iy * nx;
    const double q = fft_frequency(ix, nx, dx) * shift[2 * k] + fft_frequency(iy, ny, dy) * shift[2 * k + 1];
    const double a = -2 * 3.141592653589793 * q;
    t[i] = t[i] * Complex<T>(T(cos(a)), T(sin(a)));
  }
};

/// Psi *= P in Fourier space; P carries the 1/N of the round trip and the antialiasing aperture.
/// One call per pixel p of the grid, for every wave of the batch.
template <class T>
struct MultiplyGrid {
  Complex<T>* psi;
  const Complex<T>* factor;
  int64_t pix, batch;
  PHASIS_HD void operator()(int64_t p) const {
    const Complex<T> f = factor[p];
    for (int64_t b = 0; b < batch; ++b) psi[b * pix + p] = psi[b * pix + p] * f;
  }
};

/// The same product for a CPU backend, one row of one wave per index (i = b * rows + row): the
/// waves are walked in memory order. MultiplyGrid's loop over the batch at each pixel suits a GPU
/// (neighbouring threads, neighbouring pixels) but strides a CPU core through `batch` pages per
/// pixel: 30% of a 256^2 CPU multislice went to it.
template <class T>
struct MultiplyRows {
  Complex<T>* psi;
  const Complex<T>* factor;
  int64_t rows, cols;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t b = i / rows, row = i - b * rows;
    Complex<T>* w = psi + (b * rows + row) * cols;
    const Complex<T>* f = factor + row * cols;
    for (int64_t x = 0; x < cols; ++x) w[x] = w[x] * f[x];
  }
};

/// |Psi|^2 scale on the detector's pixels, 0 elsewhere, in double (as every other detector reads
/// the spectra: CroppedIntensity, the segmented host path); summed per wave by sum_segments.
template <class T>
struct MaskedIntensity {
  const Complex<T>* psi;
  const uint8_t* mask;
  int64_t pix;
  double scale;
  PHASIS_HD double operator()(int64_t i) const {
    if (!mask[i % pix]) return 0.0;
    const double re = double(psi[i].re), im = double(psi[i].im);
    return (re * re + im * im) * scale;
  }
};

/// The centred my x mx crop of scale x |spectrum|^2 for each wave: crop pixel (y, x) is frequency
/// (y - my/2, x - mx/2) of the unshifted spectrum (diffraction.hpp: centred_crop); in double.
template <class T>
struct CroppedIntensity {
  const Complex<T>* spectra;
  double* out;
  int64_t ny, nx, my, mx;
  double scale;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t frame = my * mx, j = i / frame, r = i % frame, y = r / mx, x = r % mx;
    const int64_t iy = (y - my / 2 + ny) % ny, ix = (x - mx / 2 + nx) % nx;
    const Complex<T> v = spectra[(j * ny + iy) * nx + ix];
    out[i] = scale * (double(v.re) * double(v.re) + double(v.im) * double(v.im));
  }
};

/// The Fresnel propagator exp(-i pi lambda dz k^2) / N inside the antialiasing aperture |k| < k_max,
/// 0 outside, on the unshifted FFT grid; computed in double, rounded to T once.
template <class T>
struct FresnelPropagator {
  Complex<T>* out;
  int64_t ny, nx;
  double dy, dx, lambda_dz, k_max2, inv_n;
  PHASIS_HD void operator()(int64_t i) const {
    const double kx = fft_frequency(i % nx, nx, dx), ky = fft_frequency(i / nx, ny, dy), k2 = kx * kx + ky * ky;
    const double phase = -3.141592653589793 * lambda_dz * k2;
    out[i] = k2 < k_max2 ? Complex<T>(T(cos(phase) * inv_n), T(sin(phase) * inv_n)) : Complex<T>(T(0), T(0));
  }
};

/// |k| [1/Angstrom] at pixel i of an ny x nx grid on the unshifted FFT layout: what annular
/// detectors (AnnularMask, AnnularBits) compare with their radii.
PHASIS_HD double radial_frequency(int64_t i, int64_t ny, int64_t nx, double dy, double dx) {
  return hypot(fft_frequency(i % nx, nx, dx), fft_frequency(i / nx, ny, dy));
}

/// 1 where |k| is in [k_in, k_out) [1/Angstrom], else 0: an annular detector's pixels.
struct AnnularMask {
  uint8_t* out;
  int64_t ny, nx;
  double dy, dx, k_in, k_out;
  PHASIS_HD void operator()(int64_t i) const {
    const double k = radial_frequency(i, ny, nx, dy, dx);
    out[i] = k >= k_in && k < k_out;
  }
};

/// Bit d set where lambda |k| lies in detector d's [inner, outer) (AnnularMask's test, for up to
/// kMaxBits detectors at once): the detectors read inside the fused multislice's last pass.
struct AnnularBits {
  static constexpr int kMaxBits = 4;
  uint8_t* out;
  int64_t ny, nx;
  double dy, dx;
  double k_in[kMaxBits], k_out[kMaxBits];
  int count;
  PHASIS_HD void operator()(int64_t i) const {
    const double k = radial_frequency(i, ny, nx, dy, dx);
    uint8_t bits = 0;
    for (int d = 0; d < count; ++d)
      if (k >= k_in[d] && k < k_out[d]) bits = uint8_t(bits | (1u << d));
    out[i] = bits;
  }
};

/// The probes' phase ramps, separably: for wave j at xy[2 j], xy[2 j + 1] [Angstrom],
/// out[j (nx + ny) + ix] = exp(-2 pi i kx x_j) and out[j (nx + ny) + nx + iy] = exp(-2 pi i ky y_j).
/// Each phase is reduced to [0, 1) turns in double before its sine and cosine, so it stays exact
/// for any position; one sine and cosine per row and column instead of per pixel.
struct ProbeRamps {
  Complex<double>* out;
  const double* xy;
  int64_t ny, nx;
  double dy, dx;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t j = i / (nx + ny), q = i - j * (nx + ny);
    const double turns = q < nx ? fft_frequency(q, nx, dx) * xy[2 * j] : fft_frequency(q - nx, ny, dy) * xy[2 * j + 1];
    const double phase = -6.283185307179586 * (turns - floor(turns));
    out[i] = Complex<double>(cos(phase), sin(phase));
  }
};

/// Probe spectra at the positions of ProbeRamps for waves j of the batch: psi = spectrum
/// exp(-2 pi i k.r_j), the ramp the product of its row and column factors in double, rounded to T
/// once (then an inverse FFT gives the probes, waves.hpp).
template <class T>
struct ShiftedProbe {
  Complex<T>* psi;
  const Complex<T>* spectrum;
  const Complex<double>* ramps;  // ProbeRamps of the batch
  int64_t ny, nx;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t pix = ny * nx, j = i / pix, p = i - j * pix, iy = p / nx;
    psi[i] = at(j, iy, p - iy * nx);
  }
  /// Wave j's value at (iy, ix) (the fused STEM makes its probes with it, psi unused).
  PHASIS_HD Complex<T> at(int64_t j, int64_t iy, int64_t ix) const {
    const Complex<double>* r = ramps + j * (nx + ny);
    const Complex<double> w = r[ix] * r[nx + iy];
    return spectrum[iy * nx + ix] * Complex<T>(T(w.re), T(w.im));
  }
};

}  // namespace phasis::ms
