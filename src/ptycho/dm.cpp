// The Difference Map's entry: device and precision values through the dispatch point.
#include "phasis/ptycho/dm.hpp"

#include "backend/dispatch.hpp"
#include "phasis/comm/local.hpp"
#include "ptycho/dm_entry.hpp"

namespace phasis {

DmResult run_dm(const PtychoProblem& problem, const DmOptions& options, const Device& device, Precision precision,
                exec::EventSink* events, comm::Communicator* parts) {
  comm::Local alone;
  comm::Communicator& sums = parts ? *parts : alone;
  return dispatch(device, precision,
                  [&]<class B, class T>() { return dm::run_on<B, T>(device, problem, options, events, sums); });
}

}  // namespace phasis
