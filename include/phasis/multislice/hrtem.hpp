// HRTEM: the image of an exit wave through the objective lens, with partial coherence in the
// quasi-coherent approximation (Frank 1973; Kirkland 2010, sec. 3.3):
//   I(r) = | F^-1 [ Psi(k) A(k) exp(-i chi(k)) E_t(k) E_s(k) ] |^2
// chi is the aberration function of waves.hpp (Krivanek notation), A the objective aperture (hard,
// none when its semiangle is 0), and the envelopes
//   temporal  E_t(k) = exp(-(1/2) (pi lambda Delta)^2 |k|^4)     Delta: focal spread [Angstrom]
//   spatial   E_s(k) = exp(-(alpha / (2 lambda))^2 |grad_k chi|^2) alpha: illumination semiangle
// (for C10 and C30 alone E_s is Kirkland's exp(-(pi alpha / lambda)^2 (C30 lambda^3 k^3 + C10 lambda k)^2)).
// The exit wave's intensity is the image of a perfect lens (no aberrations, no envelopes).
#pragma once

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/multislice/grid.hpp"
#include "phasis/multislice/waves.hpp"

namespace phasis::ms {

struct CtfOptions {
  Aberrations aberrations;
  double aperture = 0;        // objective aperture semiangle [mrad]; 0: none
  double focal_spread = 0;    // Delta [Angstrom]
  double convergence = 0;     // alpha, illumination semiangle [mrad]
};

/// The transfer function's value (aperture, aberrations and envelopes) at (kx, ky) [1/Angstrom].
Complex<double> ctf_value(const CtfOptions& c, double lambda, double kx, double ky);

/// Images (batch, ny, nx) of exit waves (batch, ny, nx). Throws InputError for negative spreads.
template <class T>
Array<double> hrtem_image(const Array<Complex<T>>& exit_waves, const Grid& grid, double energy_ev,
                          const CtfOptions& ctf);

}  // namespace phasis::ms
