// HRTEM: the image of an exit wave through the objective lens, with partial coherence in the
// quasi-coherent approximation (Frank 1973; Kirkland 2010, sec. 3.3):
//   I(r) = | F^-1 [ Psi(k) A(k) exp(-i chi(k)) E_t(k) E_s(k) ] |^2
// chi is the aberration function of waves.hpp (Krivanek notation), A the objective aperture (none
// when its semiangle is 0): waves.hpp's aperture(), 1 inside, 0 outside, with a linear edge
// `aperture_edge` wide centred on the semiangle; by default one reciprocal pixel in angle along k
// (lambda / Lx along kx, lambda / Ly along ky: waves.hpp's edge_along), abTEM's soft aperture; 0
// gives a hard edge. The envelopes
//   temporal  E_t(k) = exp(-(1/2) (pi lambda Delta)^2 |k|^4)     Delta: focal spread [Angstrom]
//   spatial   E_s(k) = exp(-(alpha / (2 lambda))^2 |grad_k chi|^2) alpha: illumination semiangle
// (for C10 and C30 alone E_s is Kirkland's exp(-(pi alpha / lambda)^2 (C30 lambda^3 k^3 + C10 lambda k)^2)).
// The exit wave's intensity is the image of a perfect lens (no aberrations, no envelopes).
#pragma once

#include <array>
#include <optional>

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/multislice/grid.hpp"
#include "phasis/multislice/waves.hpp"

namespace phasis::ms {

struct CtfOptions {
  Aberrations aberrations;
  double aperture = 0;        // objective aperture semiangle [mrad]; 0: none
  std::optional<double> aperture_edge;  // its edge width [mrad]; unset: one reciprocal pixel; 0: hard
  double focal_spread = 0;    // Delta [Angstrom]
  double convergence = 0;     // alpha, illumination semiangle [mrad]
};

/// The transfer function's value (aperture, aberrations and envelopes) at (kx, ky) [1/Angstrom],
/// the aperture's edge edges_mrad wide along kx and ky (waves.hpp's edge_along in between).
Complex<double> ctf_value(const CtfOptions& c, double lambda, double kx, double ky, std::array<double, 2> edges_mrad);
/// The same with c.aperture_edge all round; an unset one counts as hard here (hrtem_image sets the
/// edges from its grid: aperture_edges_mrad).
Complex<double> ctf_value(const CtfOptions& c, double lambda, double kx, double ky);

/// The aperture's edge widths [mrad] along kx and ky that hrtem_image uses on this grid:
/// c.aperture_edge both ways, or one reciprocal pixel along each axis (lambda / extent_x, lambda /
/// extent_y), abTEM's soft aperture.
std::array<double, 2> aperture_edges_mrad(const CtfOptions& c, const Grid& grid, double energy_ev);

/// Images (batch, ny, nx) of exit waves (batch, ny, nx). Throws InputError for negative spreads.
template <class T>
Array<double> hrtem_image(const Array<Complex<T>>& exit_waves, const Grid& grid, double energy_ev,
                          const CtfOptions& ctf);

}  // namespace phasis::ms
