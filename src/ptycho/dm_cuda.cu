// The Difference Map on the CUDA backend (cuFFT + kernels): the same template as the CPU.
#include "backend/cuda.cuh"
#include "ptycho/dm_impl.hpp"

namespace phasis::dm {

template DmResult run_on<CudaBackend, float>(const Device&, const PtychoProblem&, const DmOptions&,
                                             exec::EventSink*, comm::Communicator&);
template DmResult run_on<CudaBackend, double>(const Device&, const PtychoProblem&, const DmOptions&,
                                              exec::EventSink*, comm::Communicator&);

}  // namespace phasis::dm
