// The registry of ptychography solvers: one line per solver, naming it and its factory. Adding a
// solver is its own folder (src/ptycho/<name>/: the class, deriving Solver<B, T>, and its
// factory) and one line here; the driver, the distributed runs, the CLI's --algorithm and the
// instantiations for every backend pick it up from this table.
#pragma once

#include "ptycho/dm/difference_map.hpp"
#include "ptycho/ml/maximum_likelihood.hpp"
#include "ptycho/solver.hpp"

namespace phasis {

template <class B, class T>
inline constexpr SolverEntry<B, T> kSolvers[] = {
    {"dm", &dm::make_solver<B, T>},  // Difference Map (Thibault et al. 2008), src/ptycho/dm/
    {"ml", &ml::make_solver<B, T>},  // maximum likelihood (Thibault & Guizar-Sicairos 2012), src/ptycho/ml/
};

}  // namespace phasis
