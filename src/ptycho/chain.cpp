// Chains of solvers from flat settings (chain.hpp).
#include "phasis/ptycho/chain.hpp"

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
  return o;
}

SolverChain make_chain(const std::string& algorithm, const SolverSettings& s, std::shared_ptr<const SolverStart> start,
                       int snapshot_every) {
  SolverChain chain;
  for (const auto& [name, iterations] : parse_chain(algorithm, s.shared.iterations)) {
    std::shared_ptr<SolverOptions> options = solver_options(name, s);
    options->iterations = iterations;
    if (snapshot_every > 0) options->snapshot_every = snapshot_every;
    if (start && chain.empty()) options->start = start;
    chain.push_back({name, std::move(options)});
  }
  return chain;
}

}  // namespace phasis
