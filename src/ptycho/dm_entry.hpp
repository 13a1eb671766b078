// The Difference Map's entry per (backend, real type), declared for the dispatch point (dm.cpp) and
// defined in dm_impl.hpp; its instantiations live in dm_cpu.cpp and dm_cuda.cu.
#pragma once

#include "phasis/core/device.hpp"
#include "phasis/ptycho/dm.hpp"

namespace phasis::dm {

template <class B, class T>
DmResult run_on(const Device& device, const PtychoProblem& pr, const DmOptions& opt, exec::EventSink* events,
                comm::Communicator& reducer);

}  // namespace phasis::dm
