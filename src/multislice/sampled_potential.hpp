// The "sampled" form of the infinite projection: the projected potential band-limited to the grid
// and sampled at its points, built in Fourier space as abTEM builds it by default (the hybrid
// method of Van den Broek et al., Ultramicroscopy 158 (2015) 89). Per element, every atom of the
// slice is spread over its four nearest grid points with bilinear weights (a unit delta at a
// sub-pixel position), the deltas are Fourier transformed and multiplied by the element's plane
// transform F(q) (RadialPotential::projected_fourier), divided by the pixel area and by abTEM's
// compensation for the spreading, s(q) = sin(x) / x with x = |(q_x dx, q_y dy)|, q in cycles per
// Angstrom (abTEM's definition; it changes the spectrum by at most 2% inside the 2/3 antialiasing
// aperture); the sum over elements is transformed back.
// For an atom on a grid point the result is (1/area) sum_q F(q) exp(2 pi i q.(r - r_atom)) / s(q)
// over the grid's frequencies: no aliasing and no cutoff radius (the cell is periodic), and the
// slice's pixel sum times the pixel area is exactly the atoms' plane integral (s(0) = 1).
// Computed on the host in double and rounded once to float, for every backend alike.
#pragma once

#include <vector>

#include "phasis/multislice/grid.hpp"
#include "phasis/multislice/radial_potential.hpp"

namespace phasis::ms {

/// F(q) / (dx dy s(q)) on the grid's FFT frequencies (ny x nx, unshifted) [V Angstrom].
std::vector<double> sampled_spectrum(const RadialPotential& p, const Grid& g);

/// One element's atoms in a slice: their (x, y) centres [Angstrom] and its sampled_spectrum.
struct SampledGroup {
  const std::vector<double>* spectrum = nullptr;
  std::vector<double> x, y;
};

/// The slice (ny x nx, row-major) [V Angstrom] of these groups' atoms.
void sampled_slice(const Grid& g, const std::vector<SampledGroup>& groups, float* out);

}  // namespace phasis::ms
