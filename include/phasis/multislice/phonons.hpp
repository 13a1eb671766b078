// Frozen phonons (Loane, Xu & Silcox 1991; Kirkland 2010, ch. 7): thermal vibration modelled as an
// ensemble of static configurations, each atom displaced by independent Gaussian offsets of rms
// sigma along x, y and z; images are averaged over the ensemble.
// Configurations are reproducible on every platform: the offsets come from splitmix64 (seeded by
// the seed and the configuration index) through the Box-Muller transform, not from the standard
// library's distributions, whose output is implementation-defined.
#pragma once

#include <cstdint>
#include <map>

#include "phasis/multislice/atoms.hpp"

namespace phasis::ms {

/// Sets atoms.sigma from a per-element table [Angstrom]; throws InputError for an element the table
/// lacks or a negative sigma.
void set_sigmas(Atoms& atoms, const std::map<int, double>& sigma_by_element);

/// Configuration `config` (>= 0) of the ensemble `seed`. Throws InputError when atoms.sigma is not
/// one value per atom.
Atoms frozen_phonon(const Atoms& atoms, uint64_t seed, int64_t config);

}  // namespace phasis::ms
