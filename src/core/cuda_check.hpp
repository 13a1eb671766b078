// The one CUDA error check: a failed runtime call becomes a DeviceError that names what was being
// done. Only CUDA sources (and host files that call the runtime) include it.
#pragma once

#include <cuda_runtime.h>

#include <string>
#include <string_view>

#include "phasis/core/error.hpp"

namespace phasis {

inline void cuda_check(cudaError_t err, std::string_view what) {
  if (err == cudaSuccess) return;
  cudaGetLastError();  // clear a non-sticky error so that later calls are not poisoned by it
  throw DeviceError(std::string(what) + ": " + cudaGetErrorString(err));
}

}  // namespace phasis
