// The indexed spots of a plane wave's diffraction pattern (HRTEM runs): every frequency of the
// grid inside the antialiasing aperture whose intensity (a share of the incident beam, the
// pattern of diffraction.hpp) is at least a threshold, with its Miller indices.
// Indexing: pixel (i, j) of the unshifted pattern is the frequency (i / Lx, j / Ly) of the
// simulation cell (signed: fft_frequency), a reciprocal vector g with g.X = i, g.Y = j, g.Z = 0
// for the cell's vectors X, Y, Z (the zero-order Laue zone). When the cell was cut from a crystal
// (crystal.hpp: Supercell, rows in the crystal's a, b, c, repeats included), the crystal's indices
// are (h, k, l) = rows^-1 (i, j, 0); they are whole for the crystal's reflections, and fractions
// only where the lattice puts no reflection (a spot there is diffuse scattering, or the strain of
// an approximate supercell). Without a crystal the indices are (i, j, 0) of the simulation cell.
#pragma once

#include <optional>
#include <vector>

#include "phasis/core/array.hpp"
#include "phasis/multislice/crystal.hpp"
#include "phasis/multislice/grid.hpp"

namespace phasis::ms {

struct Spot {
  double h = 0, k = 0, l = 0;  // Miller indices (see above)
  double kx = 0, ky = 0;       // spatial frequency [1/Angstrom]
  double angle = 0;            // scattering angle lambda |k| [mrad]
  double intensity = 0;        // share of the incident beam
};

/// Spots of `pattern` (ny, nx), unshifted, at or above `threshold`, brightest first (ties: by
/// angle, then kx, then ky). InputError for a pattern that does not match the grid or a threshold
/// that is not positive.
std::vector<Spot> diffraction_spots(const Array<double>& pattern, const Grid& grid, double energy_ev,
                                    const std::optional<Supercell>& cell, double threshold);

}  // namespace phasis::ms
