// Device dispatch for multislice, and the detector's input checks.
#include <cmath>
#include <string>

#include "phasis/core/error.hpp"
#include "phasis/multislice/detectors.hpp"
#include "phasis/multislice/multislice.hpp"

namespace phasis::ms {

#if !PHASIS_HAVE_CUDA
// A CPU-only build has no CUDA instantiation; asking for one is a usage error the user can fix.
namespace {
[[noreturn]] void no_cuda() {
  throw DeviceError("device cuda: this phasis was built without CUDA (configure with -DPHASIS_CUDA=ON)");
}
}  // namespace

template <class T>
void multislice_cuda(Array<Complex<T>>&, const Potential&, double, int64_t, int64_t) { no_cuda(); }
template <class T>
void propagate_cuda(Array<Complex<T>>&, const Grid&, double, double) { no_cuda(); }
template <class T>
std::vector<double> annular_detect_cuda(const Array<Complex<T>>&, const Grid&, double, const AnnularDetector&) { no_cuda(); }

template void multislice_cuda<float>(Array<Complex<float>>&, const Potential&, double, int64_t, int64_t);
template void multislice_cuda<double>(Array<Complex<double>>&, const Potential&, double, int64_t, int64_t);
template void propagate_cuda<float>(Array<Complex<float>>&, const Grid&, double, double);
template void propagate_cuda<double>(Array<Complex<double>>&, const Grid&, double, double);
template std::vector<double> annular_detect_cuda<float>(const Array<Complex<float>>&, const Grid&, double, const AnnularDetector&);
template std::vector<double> annular_detect_cuda<double>(const Array<Complex<double>>&, const Grid&, double, const AnnularDetector&);
#endif

template <class T>
void multislice(Array<Complex<T>>& waves, const Potential& potential, double energy_ev, const std::string& device,
                int64_t first, int64_t last) {
  if (device == "cpu") return multislice_cpu<T>(waves, potential, energy_ev, first, last);
  if (device == "cuda") return multislice_cuda<T>(waves, potential, energy_ev, first, last);
  throw InputError("device: expected cpu or cuda; found '" + device + "'");
}

template void multislice<float>(Array<Complex<float>>&, const Potential&, double, const std::string&, int64_t, int64_t);
template void multislice<double>(Array<Complex<double>>&, const Potential&, double, const std::string&, int64_t, int64_t);

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
