// Simulate, reconstruct (the Difference Map or any solver) and compare with the truth: the round trip every
// ptychography accuracy test makes.
#pragma once

#include <string>

#include "phasis/ptycho/compare.hpp"
#include "phasis/ptycho/dm.hpp"
#include "phasis/ptycho/reconstruct.hpp"
#include "phasis/ptycho/simulate.hpp"

namespace phasis::testing {

struct PtychoCase {
  CompareResult cmp;  // object against the truth, over the illuminated region
  DmResult result;
};

PtychoCase simulate_and_reconstruct(const SimulationOptions& so, const DmOptions& opt, const Device& device = Device::cpu(),
                                    Precision precision = Precision::single);

/// The same round trip with any registered solver (reconstruct.hpp), `opt` of its options type.
PtychoCase simulate_and_reconstruct(const SimulationOptions& so, const std::string& algorithm, const SolverOptions& opt,
                                    const Device& device = Device::cpu(), Precision precision = Precision::single);

}  // namespace phasis::testing
