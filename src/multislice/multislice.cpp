// Multislice's entries through the dispatch point, and the detector's input checks.
#include <cmath>
#include <string>

#include "phasis/core/error.hpp"
#include "phasis/multislice/detectors.hpp"
#include "phasis/multislice/multislice.hpp"

#include "backend/dispatch.hpp"
#include "multislice/ms_entries.hpp"

namespace phasis::ms {

template <class T>
void multislice(const Device& device, Array<Complex<T>>& waves, const Potential& potential, double energy_ev,
                int64_t first, int64_t last) {
  dispatch_backend(device, [&]<class B>() { MsEntries<B, T>::multislice(device, waves, potential, energy_ev, first, last); });
}

template <class T>
void propagate(const Device& device, Array<Complex<T>>& waves, const Grid& grid, double energy_ev, double dz) {
  dispatch_backend(device, [&]<class B>() { MsEntries<B, T>::propagate(device, waves, grid, energy_ev, dz); });
}

template <class T>
std::vector<double> annular_detect(const Device& device, const Array<Complex<T>>& waves, const Grid& grid,
                                   double energy_ev, const AnnularDetector& detector) {
  return dispatch_backend(device,
                          [&]<class B>() { return MsEntries<B, T>::annular(device, waves, grid, energy_ev, detector); });
}

template void multislice<float>(const Device&, Array<Complex<float>>&, const Potential&, double, int64_t, int64_t);
template void multislice<double>(const Device&, Array<Complex<double>>&, const Potential&, double, int64_t, int64_t);
template void propagate<float>(const Device&, Array<Complex<float>>&, const Grid&, double, double);
template void propagate<double>(const Device&, Array<Complex<double>>&, const Grid&, double, double);
template std::vector<double> annular_detect<float>(const Device&, const Array<Complex<float>>&, const Grid&, double,
                                                   const AnnularDetector&);
template std::vector<double> annular_detect<double>(const Device&, const Array<Complex<double>>&, const Grid&, double,
                                                    const AnnularDetector&);

void check_detector(const AnnularDetector& d, const Grid& grid, double energy_ev) {
  const double limit = 1e3 * antialias_angle(grid, energy_ev);
  if (!(d.inner >= 0) || !(d.outer > d.inner))
    throw InputError("annular detector: expected 0 <= inner < outer (mrad); found inner " + std::to_string(d.inner) +
                     ", outer " + std::to_string(d.outer));
  // A relative 1e-9 lets an outer angle computed as exactly the cutoff through.
  if (d.outer > limit * (1 + 1e-9))
    throw InputError("annular detector: expected an outer angle within the antialiased cutoff of " +
                     std::to_string(limit) + " mrad at this sampling and energy; found " + std::to_string(d.outer) +
                     " mrad: sample more finely or lower the outer angle");
}

}  // namespace phasis::ms
