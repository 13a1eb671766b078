// Relativistic wavelength and interaction parameter; see energy.hpp.
#include "phasis/multislice/energy.hpp"

#include <cmath>
#include <string>

#include "phasis/core/error.hpp"

namespace phasis::ms {
namespace {

void check_energy(double e) {
  if (!(e > 0) || !std::isfinite(e))
    throw InputError("energy: expected a positive electron energy in eV; found " + std::to_string(e));
}

}  // namespace

double wavelength(double energy_ev) {
  check_energy(energy_ev);
  return kHc / std::sqrt(energy_ev * (2 * kElectronRest + energy_ev));
}

double interaction_parameter(double energy_ev) {
  const double lambda = wavelength(energy_ev);
  return 2 * kPi / (lambda * energy_ev) * (kElectronRest + energy_ev) / (2 * kElectronRest + energy_ev);
}

}  // namespace phasis::ms
