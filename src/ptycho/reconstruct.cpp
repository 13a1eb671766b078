// Ptychographic reconstruction's entries: device and precision values through the dispatch point.
#include "phasis/ptycho/reconstruct.hpp"

#include <algorithm>
#include <cstdlib>

#include "backend/dispatch.hpp"
#include "phasis/core/error.hpp"
#include "phasis/comm/local.hpp"
#include "phasis/ptycho/dm.hpp"
#include "ptycho/reconstruct_entry.hpp"

namespace phasis {

SolverResult reconstruct(const PtychoProblem& problem, const SolverChain& chain, const Device& device,
                         Precision precision, exec::EventSink* events, comm::Communicator* reducer) {
  comm::Local local;
  comm::Communicator& sums = reducer ? *reducer : local;
  return dispatch(device, precision, [&]<class B, class T>() {
    return reconstruct_on<B, T>(device, problem, chain, events, sums);
  });
}

SolverResult reconstruct(const PtychoProblem& problem, const std::string& algorithm, const SolverOptions& options,
                         const Device& device, Precision precision, exec::EventSink* events, comm::Communicator* reducer) {
  // A chain of one stage; the options are the caller's (a shared_ptr that owns nothing).
  const SolverChain one{{algorithm, std::shared_ptr<const SolverOptions>(std::shared_ptr<void>(), &options)}};
  return reconstruct(problem, one, device, precision, events, reducer);
}

std::vector<std::pair<std::string, int>> parse_chain(const std::string& text, int iterations) {
  const std::vector<std::string> known = solver_names();
  std::vector<std::pair<std::string, int>> stages;
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t end = std::min(text.find(',', at), text.size());
    const std::string word = text.substr(at, end - at);
    const std::size_t colon = word.find(':');
    const std::string name = word.substr(0, colon);
    int count = iterations;
    if (colon != std::string::npos) {
      const std::string digits = word.substr(colon + 1);
      char* stop = nullptr;
      const long v = std::strtol(digits.c_str(), &stop, 10);
      if (digits.empty() || *stop || v < 1 || v > 100000000)
        throw InputError("algorithm: expected SOLVER:ITERATIONS with at least 1 iteration (e.g. dm:50,er:20); found '" +
                         word + "'");
      count = int(v);
    }
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw InputError("algorithm: expected solvers among " + list + " (e.g. dm:50,er:20); found '" + name + "' in '" +
                       text + "'");
    }
    stages.emplace_back(name, count);
    at = end + 1;
  }
  return stages;
}

DmResult run_dm(const PtychoProblem& problem, const DmOptions& options, const Device& device, Precision precision,
                exec::EventSink* events, comm::Communicator* reducer) {
  return reconstruct(problem, "dm", options, device, precision, events, reducer);
}

}  // namespace phasis
