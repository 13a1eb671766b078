// Detectors on exit waves.
// Annular: the share of each wave's intensity scattered to angles lambda |k| in [inner, outer)
// (mrad), from the diffraction pattern |F psi|^2 / N (Parseval: it sums to sum |psi|^2, which is 1
// for the normalised waves of waves.hpp). Typical ranges: BF 0 to the probe's semiangle, ABF half
// the semiangle to the semiangle, ADF 30-70, HAADF 70-200 mrad.
// Frequencies beyond the antialiasing aperture never carry intensity in a multislice simulation,
// so an outer angle beyond it would report a truncated signal without saying so: that throws.
#pragma once

#include <vector>

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/core/device.hpp"
#include "phasis/multislice/grid.hpp"

namespace phasis::ms {

struct AnnularDetector {
  double inner = 0;  // mrad
  double outer = 0;  // mrad
};

/// Throws InputError unless 0 <= inner < outer <= the antialiased cutoff angle of grid and energy.
void check_detector(const AnnularDetector& d, const Grid& grid, double energy_ev);

/// One reading per wave of waves (batch, ny, nx), computed on `device`.
template <class T>
std::vector<double> annular_detect(const Device& device, const Array<Complex<T>>& waves, const Grid& grid,
                                   double energy_ev, const AnnularDetector& detector);

}  // namespace phasis::ms
