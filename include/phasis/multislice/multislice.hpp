// The multislice algorithm (Cowley & Moodie 1957; Kirkland 2010, ch. 6) on a batch of waves.
// For each slice k in [first, last):
//   psi <- F^-1 [ P_dz(k) F [ psi exp(i sigma v_k) ] ]
// with the Fresnel propagator over the slice thickness dz,
//   P_dz(k) = exp(-i pi lambda dz |k|^2),  zero outside the antialiasing aperture |k| < k_max
// (grid.hpp), sigma the interaction parameter and v_k the projected potential (V Angstrom).
// Waves are (batch, ny, nx) on the potential's grid; lengths in Angstrom, energies in eV.
// A simulation is a function of a batch of waves and a range of slices, so callers can split
// either one (probe positions, frozen phonon configurations, thick specimens).
// Written once over the backend (multislice_impl.hpp). Every entry takes the Device it runs on
// first (DeviceError for a device this build or machine lacks); the precision is the waves' T.
#pragma once

#include <cstdint>

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/core/device.hpp"
#include "phasis/multislice/grid.hpp"
#include "phasis/multislice/potential.hpp"

namespace phasis::ms {

/// Runs slices [first, last) of the potential over the waves in place (last < 0: to the end).
/// Throws InputError for a wave shape that does not match the grid or a bad slice range.
template <class T>
void multislice(const Device& device, Array<Complex<T>>& waves, const Potential& potential, double energy_ev,
                int64_t first = 0, int64_t last = -1);

/// Fresnel propagation through vacuum over dz [Angstrom] (may be negative), with the antialiasing
/// aperture, in place.
template <class T>
void propagate(const Device& device, Array<Complex<T>>& waves, const Grid& grid, double energy_ev, double dz);

}  // namespace phasis::ms
