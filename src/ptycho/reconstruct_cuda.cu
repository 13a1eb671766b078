// Ptychography on the CUDA backend (cuFFT + kernels): the same solvers' instantiations.
#include "backend/cuda.cuh"
#include "ptycho/driver.hpp"

namespace phasis {

template SolverResult reconstruct_on<CudaBackend, float>(const Device&, const PtychoProblem&, const SolverChain&,
                                                           exec::EventSink*, comm::Communicator&);
template SolverResult reconstruct_on<CudaBackend, double>(const Device&, const PtychoProblem&, const SolverChain&,
                                                            exec::EventSink*, comm::Communicator&);

}  // namespace phasis
