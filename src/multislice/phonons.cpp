// Frozen phonon configurations; see phonons.hpp.
#include "phasis/multislice/phonons.hpp"

#include <cmath>
#include <string>

#include "phasis/core/error.hpp"
#include "phasis/multislice/elements.hpp"
#include "phasis/multislice/energy.hpp"  // for kPi

namespace phasis::ms {
namespace {

struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// Uniform in (0, 1]: never 0, so the logarithm below is finite.
  double uniform() { return (double(next() >> 11) + 1.0) * 0x1.0p-53; }
};

}  // namespace

void set_sigmas(Atoms& atoms, const std::map<int, double>& sigma_by_element) {
  atoms.sigma.resize(atoms.z.size());
  for (std::size_t i = 0; i < atoms.z.size(); ++i) {
    const auto it = sigma_by_element.find(atoms.z[i]);
    if (it == sigma_by_element.end())
      throw InputError(std::string("frozen phonons: expected a sigma for every element; found none for ") +
                       element_symbol(atoms.z[i]));
    if (!(it->second >= 0))
      throw InputError(std::string("frozen phonons: expected sigma >= 0 Angstrom for ") + element_symbol(atoms.z[i]));
    atoms.sigma[i] = it->second;
  }
}

Atoms frozen_phonon(const Atoms& atoms, uint64_t seed, int64_t config) {
  if (atoms.sigma.size() != atoms.z.size())
    throw InputError("frozen phonons: expected one sigma per atom; found " + std::to_string(atoms.sigma.size()) +
                     " for " + std::to_string(atoms.z.size()) + " atoms");
  if (config < 0) throw InputError("frozen phonons: expected a configuration index >= 0");
  // Distinct, well-mixed streams per (seed, configuration).
  SplitMix64 rng{SplitMix64{seed ^ (0xD1B54A32D192ED03ull * uint64_t(config + 1))}.next()};
  Atoms out = atoms;
  for (std::size_t i = 0; i < atoms.z.size(); ++i) {
    double g[4];
    for (int k = 0; k < 4; k += 2) {  // Box-Muller: two normal deviates per pair of uniforms
      const double r = std::sqrt(-2 * std::log(rng.uniform())), t = 2 * kPi * rng.uniform();
      g[k] = r * std::cos(t);
      g[k + 1] = r * std::sin(t);
    }
    out.x[i] += atoms.sigma[i] * g[0];
    out.y[i] += atoms.sigma[i] * g[1];
    out.pos_z[i] += atoms.sigma[i] * g[2];
  }
  return out;
}

}  // namespace phasis::ms
