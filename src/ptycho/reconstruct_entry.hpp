// reconstruct_on per (backend, real type), declared for the dispatch point (reconstruct.cpp) and
// defined in driver.hpp; its instantiations live in reconstruct_cpu.cpp and reconstruct_cuda.cu.
#pragma once

#include <string>

#include "phasis/core/device.hpp"
#include "phasis/ptycho/reconstruct.hpp"

namespace phasis {

template <class B, class T>
SolverResult reconstruct_on(const Device& device, const PtychoProblem& pr, const SolverChain& chain,
                            exec::EventSink* events, comm::Communicator& reducer);

}  // namespace phasis
