// The Difference Map on the CUDA backend (cuFFT + kernels): the same template as the CPU.
#include "backend/cuda.cuh"
#include "ptycho/dm_impl.hpp"

namespace phasis {

template <class T>
DmResult run_dm_cuda(const PtychoProblem& problem, const DmOptions& options, const IterationCallback& cb,
                            Reducer* reducer) {
  if (!cuda_available()) throw DeviceError("device cuda: expected a CUDA GPU; found none");
  Reducer local;
  return dm::run<CudaBackend, T>(problem, options, cb, reducer ? *reducer : local);
}

template DmResult run_dm_cuda<float>(const PtychoProblem&, const DmOptions&, const IterationCallback&,
                                    Reducer*);
template DmResult run_dm_cuda<double>(const PtychoProblem&, const DmOptions&, const IterationCallback&,
                                    Reducer*);

}  // namespace phasis
