// Multislice, propagation, detection and STEM on the CUDA backend (cuFFT + kernels): the same
// templates as the CPU.
#include "backend/cuda.cuh"
#include "multislice/ms_entries_impl.hpp"

namespace phasis::ms {

template struct MsEntries<CudaBackend, float>;
template struct MsEntries<CudaBackend, double>;

}  // namespace phasis::ms
