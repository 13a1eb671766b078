// The Difference Map on the CUDA backend (cuFFT + kernels): the same template as the CPU.
#include "phasis/backend/cuda.cuh"
#include "phasis/ptycho/dm_impl.hpp"

namespace phasis {

template <class T>
DmResult run_dm_cuda(const PtychoProblem& problem, const DmOptions& options, const IterationCallback& cb) {
  if (!cuda_available()) throw DeviceError("device cuda: expected a CUDA GPU; found none");
  return dm::run<CudaBackend, T>(problem, options, cb);
}

template DmResult run_dm_cuda<float>(const PtychoProblem&, const DmOptions&, const IterationCallback&);
template DmResult run_dm_cuda<double>(const PtychoProblem&, const DmOptions&, const IterationCallback&);

}  // namespace phasis
