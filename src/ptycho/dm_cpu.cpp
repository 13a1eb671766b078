// The Difference Map on the CPU backend (FFTW + OpenMP): the template's CPU instantiations.
#include "backend/cpu.hpp"
#include "ptycho/dm_impl.hpp"

namespace phasis::dm {

template DmResult run_on<CpuBackend, float>(const Device&, const PtychoProblem&, const DmOptions&,
                                            exec::EventSink*, comm::Communicator&);
template DmResult run_on<CpuBackend, double>(const Device&, const PtychoProblem&, const DmOptions&,
                                             exec::EventSink*, comm::Communicator&);

}  // namespace phasis::dm
