// Incident waves on a grid: a plane wave and focused probes.
// Every wave is normalised to unit total intensity, sum over pixels of |psi|^2 = 1, so a detector
// reading is the fraction of the incident beam it collects.
// Probe (Kirkland 2010, ch. 3): Psi(k) = A(alpha) exp(-i chi(k)) exp(-2 pi i k.r0), psi = F^-1 Psi,
// with alpha = lambda |k|, phi = atan2(k_y, k_x) and the aberration function in Krivanek notation
//   chi = (2 pi / lambda) [ alpha^2 / 2 (C10 + C12 cos(2 (phi - phi12)))
//                         + alpha^3 / 3  C21 cos(phi - phi21)
//                         + alpha^4 / 4  C30 ]
// C10 is the defocus (C10 = -df: negative C10 focuses the probe below the entrance surface), C12
// twofold astigmatism, C21 axial coma, C30 spherical aberration; lengths in Angstrom, angles in rad.
// Aperture: A = 1 inside the semiangle cutoff and 0 outside, with a linear edge (centred on the
// cutoff) so the probe is not ringing with the grid's pixel steps: `edge_mrad` wide, or by default
// one reciprocal pixel along the direction phi of k, w = sqrt((cos phi lambda / Lx)^2 + (sin phi
// lambda / Ly)^2), abTEM's soft aperture (the same width all round on a square cell; on a
// rectangular one a single width changed HAADF readings by 1% against abTEM).
#pragma once

#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/core/hd.hpp"
#include "phasis/multislice/grid.hpp"

namespace phasis::ms {

struct Aberrations {
  double c10 = 0;               // defocus [Angstrom]
  double c12 = 0, phi12 = 0;    // twofold astigmatism [Angstrom], its angle [rad]
  double c21 = 0, phi21 = 0;    // axial coma [Angstrom], its angle [rad]
  double c30 = 0;               // spherical aberration [Angstrom]
};

struct ProbeOptions {
  double energy = 200e3;            // eV
  double semiangle_cutoff = 20;     // mrad
  std::optional<double> edge_mrad;  // aperture edge width; unset: one reciprocal pixel along k (see above)
  Aberrations aberrations;
};

/// chi(k) [rad] at spatial frequency (kx, ky) [1/Angstrom] and wavelength lambda [Angstrom].
PHASIS_HD double aberration_phase(const Aberrations& a, double lambda, double kx, double ky) {
  const double alpha = lambda * sqrt(kx * kx + ky * ky), phi = atan2(ky, kx);
  const double a2 = alpha * alpha;
  const double w = 0.5 * a2 * (a.c10 + a.c12 * cos(2 * (phi - a.phi12))) + a2 * alpha / 3 * a.c21 * cos(phi - a.phi21) +
                   0.25 * a2 * a2 * a.c30;
  return 2 * 3.141592653589793 / lambda * w;
}

/// A(alpha): 1 inside the cutoff, 0 outside, linear over an edge `edge` wide centred on the cutoff
/// (a hard edge for edge = 0); angles in rad. Zero for alpha >= cutoff + edge / 2.
PHASIS_HD double aperture(double alpha, double cutoff, double edge) {
  if (edge > 0) {
    const double a = (cutoff - alpha) / edge + 0.5;
    return a < 0 ? 0.0 : a > 1 ? 1.0 : a;
  }
  return alpha < cutoff ? 1.0 : 0.0;
}

/// The aperture's edge width [rad] along k = (kx, ky) from its widths along x and y (equal for a
/// fixed width): the length of the direction's unit vector scaled by (edge_x, edge_y); edge_x at k = 0.
PHASIS_HD double edge_along(double kx, double ky, double edge_x, double edge_y) {
  const double k2 = kx * kx + ky * ky;
  if (!(k2 > 0)) return edge_x;
  return sqrt((kx * kx * edge_x * edge_x + ky * ky * edge_y * edge_y) / k2);
}

/// probe_spectrum's values made pixel by pixel on any backend (B::for_each over ny * nx pixels,
/// out on the backend), computed in double and rounded once to T. Made by probe_spectrum_of.
template <class T>
struct ProbeSpectrum {
  Complex<T>* out;
  int64_t ny, nx;
  double dy, dx, lambda, cutoff;        // aperture cutoff [rad]
  double edge_x, edge_y;                // its edge widths along kx and ky [rad] (edge_along)
  double scale;                         // unit intensity of the inverse FFT
  Aberrations aberrations;
  /// A(alpha) at pixel (iy, ix).
  PHASIS_HD double amplitude(int64_t iy, int64_t ix) const {
    const double kx = fft_frequency(ix, nx, dx), ky = fft_frequency(iy, ny, dy);
    return aperture(lambda * sqrt(kx * kx + ky * ky), cutoff, edge_along(kx, ky, edge_x, edge_y));
  }
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t iy = i / nx, ix = i - iy * nx;
    const double a = amplitude(iy, ix);
    if (a == 0) {  // most of the grid lies outside the aperture: no aberration phase to compute
      out[i] = Complex<T>(T(0), T(0));
      return;
    }
    const double phase = -aberration_phase(aberrations, lambda, fft_frequency(ix, nx, dx), fft_frequency(iy, ny, dy));
    out[i] = Complex<T>(T(a * scale * cos(phase)), T(a * scale * sin(phase)));
  }
};

/// The ProbeSpectrum of `options` on `grid`, writing to out (ny x nx). Checks the options and
/// throws as probe() does; its scale comes from the aperture's power, summed here on the host
/// over the rows the aperture reaches (a few), pixel by pixel with ProbeSpectrum::amplitude.
template <class T>
ProbeSpectrum<T> probe_spectrum_of(const Grid& grid, const ProbeOptions& options, Complex<T>* out);

/// |k| [1/Angstrom] at and beyond which the probe's spectrum is zero: the aperture's outer edge.
double probe_outer_frequency(const Grid& grid, const ProbeOptions& options);

/// One plane wave at normal incidence per batch entry: (batch, ny, nx), each of unit intensity.
template <class T>
Array<Complex<T>> plane_wave(const Grid& grid, int64_t batch = 1);

/// One probe per position (x, y) [Angstrom]: (positions, ny, nx), each of unit intensity.
/// Throws InputError for a non-positive energy or cutoff, a negative edge, an empty position
/// list, or a cutoff beyond the grid's antialiased limit (the sampling is too coarse for it).
template <class T>
Array<Complex<T>> probe(const Grid& grid, const ProbeOptions& options,
                        const std::vector<std::pair<double, double>>& positions);

/// The spectrum of a probe at the origin, A(alpha) exp(-i chi(k)) (ny x nx, unshifted FFT order),
/// scaled so that its unnormalised inverse FFT has unit intensity: by Parseval, sum |psi|^2 =
/// N sum |Psi|^2 for any position, since the shift exp(-2 pi i k.r0) has modulus 1. Multiplied by
/// that shift and transformed, it gives probe() at r0 (ShiftedProbe, multislice_kernels.hpp).
/// Throws as probe() does. (On the host; a backend makes it with probe_spectrum_of.)
Array<Complex<double>> probe_spectrum(const Grid& grid, const ProbeOptions& options);

}  // namespace phasis::ms
