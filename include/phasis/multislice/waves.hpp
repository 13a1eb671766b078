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
// Aperture: A = 1 inside the semiangle cutoff and 0 outside, with a linear edge `edge` wide
// (centred on the cutoff) so the probe is not ringing with the grid's pixel steps.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
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
  std::optional<double> edge_mrad;  // aperture edge width; unset: one reciprocal pixel (lambda / extent)
  Aberrations aberrations;
};

/// chi(k) [rad] at spatial frequency (kx, ky) [1/Angstrom] and wavelength lambda [Angstrom].
double aberration_phase(const Aberrations& a, double lambda, double kx, double ky);

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
/// Throws as probe() does.
Array<Complex<double>> probe_spectrum(const Grid& grid, const ProbeOptions& options);

}  // namespace phasis::ms
