// Ptychography on the CPU backend (FFTW + OpenMP): every registered solver's instantiations, and
// the names of the solvers (the registry is the same table for every backend).
#include "backend/cpu.hpp"
#include "ptycho/driver.hpp"

namespace phasis {

template SolverResult reconstruct_on<CpuBackend, float>(const Device&, const PtychoProblem&, const SolverChain&,
                                                          exec::EventSink*, comm::Communicator&);
template SolverResult reconstruct_on<CpuBackend, double>(const Device&, const PtychoProblem&, const SolverChain&,
                                                           exec::EventSink*, comm::Communicator&);

std::unique_ptr<SolverOptions> default_solver_options(const std::string& name) {
  std::string known;
  for (const auto& e : kSolvers<CpuBackend, float>) {
    if (name == e.name) return e.options();
    known += known.empty() ? e.name : std::string(", ") + e.name;
  }
  throw InputError("algorithm: expected one of " + known + "; found '" + name + "'");
}

std::vector<std::string> solver_names() {
  std::vector<std::string> names;
  for (const auto& e : kSolvers<CpuBackend, float>) names.emplace_back(e.name);
  return names;
}

}  // namespace phasis
