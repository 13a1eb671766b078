// A chain of solvers from the flat options a user gives (the CLI's flags, Python's keyword
// arguments): each stage gets its solver's own options type (reconstruct.hpp), its shared fields
// from `SolverSettings::shared`, its own (RAAR's beta, PIE's steps, ML's and LSQML's noise model) from the rest.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "phasis/ptycho/dm.hpp"
#include "phasis/ptycho/lsqml.hpp"
#include "phasis/ptycho/ml.hpp"
#include "phasis/ptycho/pie.hpp"
#include "phasis/ptycho/reconstruct.hpp"

namespace phasis {

struct SolverSettings {
  DmOptions shared;  // what every solver reads, and DM's (ER's) own; `iterations`: a stage's default
  double raar_beta = RaarOptions().beta;
  std::optional<double> pie_alpha, pie_beta;  // unset: each engine's default (epie 1, 1; rpie 0.1, 1)
  int64_t mini_batch = PieOptions().mini_batch;
  uint64_t seed = PieOptions().seed;
  NoiseModel noise = NoiseModel::poisson;
  double smoothness = MlOptions().object_smoothness;
  std::optional<int64_t> lsqml_batch;  // unset: LSQML's default mini batch (its noise model and seed: the above)
};

/// Solver `name`'s own options (default_solver_options) with the settings applied.
std::unique_ptr<SolverOptions> solver_options(const std::string& name, const SolverSettings& s);

/// The stages of `algorithm` ("dm", "dm:50,ml:100": parse_chain), each with solver_options; the
/// first starts from `start` (null: the default start); `snapshot_every` > 0 overrides every
/// stage's; `checkpoint` (null: none) is every stage's. InputError for an unknown solver or a bad count.
SolverChain make_chain(const std::string& algorithm, const SolverSettings& s,
                       std::shared_ptr<const SolverStart> start = nullptr, int snapshot_every = 0,
                       std::shared_ptr<const CheckpointPolicy> checkpoint = nullptr);

}  // namespace phasis
