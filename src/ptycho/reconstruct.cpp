// Ptychographic reconstruction's entries: device and precision values through the dispatch point.
#include "phasis/ptycho/reconstruct.hpp"

#include "backend/dispatch.hpp"
#include "phasis/comm/local.hpp"
#include "phasis/ptycho/dm.hpp"
#include "ptycho/reconstruct_entry.hpp"

namespace phasis {

SolverResult reconstruct(const PtychoProblem& problem, const std::string& algorithm, const SolverOptions& options,
                           const Device& device, Precision precision, exec::EventSink* events, comm::Communicator* reducer) {
  comm::Local local;
  comm::Communicator& sums = reducer ? *reducer : local;
  return dispatch(device, precision, [&]<class B, class T>() {
    return reconstruct_on<B, T>(device, problem, algorithm, options, events, sums);
  });
}

DmResult run_dm(const PtychoProblem& problem, const DmOptions& options, const Device& device, Precision precision,
                exec::EventSink* events, comm::Communicator* reducer) {
  return reconstruct(problem, "dm", options, device, precision, events, reducer);
}

}  // namespace phasis
