// Chains of solvers from flat settings (chain.hpp).
#include "phasis/ptycho/chain.hpp"

#include <algorithm>

#include "phasis/core/error.hpp"

namespace phasis {

std::unique_ptr<SolverOptions> solver_options(const std::string& name, const SolverSettings& s) {
  std::unique_ptr<SolverOptions> o = default_solver_options(name);
  if (auto* dm = dynamic_cast<DmOptions*>(o.get())) static_cast<DmOptions&>(*dm) = s.shared;  // dm, er, raar
  else static_cast<SolverOptions&>(*o) = static_cast<const SolverOptions&>(s.shared);
  if (auto* raar = dynamic_cast<RaarOptions*>(o.get())) raar->beta = s.raar_beta;
  if (auto* pie = dynamic_cast<PieOptions*>(o.get())) {
    if (s.pie_alpha) pie->alpha = *s.pie_alpha;
    if (s.pie_beta) pie->beta = *s.pie_beta;
    pie->mini_batch = s.mini_batch;
    pie->seed = s.seed;
    pie->modulus_gain_limit = s.shared.modulus_gain_limit;
  }
  if (auto* ml = dynamic_cast<MlOptions*>(o.get())) {
    ml->noise = s.noise;
    ml->object_smoothness = s.smoothness;
  }
  if (auto* lsq = dynamic_cast<LsqmlOptions*>(o.get())) {
    lsq->noise = s.noise;
    lsq->seed = s.seed;
    lsq->modulus_gain_limit = s.shared.modulus_gain_limit;
    if (s.lsqml_batch) lsq->mini_batch = *s.lsqml_batch;
  }
  return o;
}

SolverChain make_chain(const std::string& algorithm, const SolverSettings& s, std::shared_ptr<const SolverStart> start,
                       int snapshot_every, std::shared_ptr<const CheckpointPolicy> checkpoint) {
  SolverChain chain;
  const auto stages = parse_chain(algorithm, s.shared.iterations);
  // Position refinement counts iterations over the whole chain: each stage gets the iteration of
  // its own at which refinement starts (0 when it started in a stage before, -1 when not yet).
  const int refine = s.shared.refine_positions_from;
  int total = 0;
  for (const auto& stage : stages) total += stage.second;
  if (refine < -1)
    throw InputError("refine positions from: expected an iteration >= 0 (or -1: never); found " + std::to_string(refine));
  if (refine >= total)
    throw InputError("refine positions from: expected an iteration below the run's " + std::to_string(total) +
                     " iterations; found " + std::to_string(refine));
  if (!(s.shared.position_step_limit > 0))
    throw InputError("position step limit: expected > 0 pixels per iteration; found " +
                     std::to_string(s.shared.position_step_limit));
  // A probe support on a stage whose solver keeps state a changed probe breaks (ml) would end the
  // run when that stage starts, perhaps hours in: refused here, before any work. (The driver asks
  // each solver itself too: Solver::constrained_probe.)
  if (s.shared.probe_support_radius > 0 || s.shared.probe_pupil > 0 || s.shared.probe_recentre_every > 0)
    for (const auto& stage : stages)
      if (stage.first == "ml")
        throw InputError(std::string(s.shared.probe_recentre_every > 0 ? "probe recentring" : "a probe support") +
                         ": expected solvers that take it (dm, raar, er, epie, rpie, lsqml); found ml in '" + algorithm + "'");
  int done = 0;
  for (const auto& [name, iterations] : stages) {
    std::shared_ptr<SolverOptions> options = solver_options(name, s);
    options->iterations = iterations;
    options->refine_positions_from = refine < 0 || refine >= done + iterations ? -1 : std::max(0, refine - done);
    done += iterations;
    if (snapshot_every > 0) options->snapshot_every = snapshot_every;
    if (start && chain.empty()) options->start = start;
    options->checkpoint = checkpoint;
    chain.push_back({name, std::move(options)});
  }
  return chain;
}

}  // namespace phasis
