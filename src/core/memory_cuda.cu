// Pinned and device memory through the CUDA runtime. Out-of-memory becomes a DeviceError that
// says how much was asked and how much the device had free.
#include <cuda_runtime.h>

#include <string>

#include "phasis/core/array.hpp"

namespace phasis::cuda_memory {

void* allocate(std::size_t bytes, Memory m) {
  void* p = nullptr;
  cudaError_t err = (m == Memory::pinned) ? cudaMallocHost(&p, bytes) : cudaMalloc(&p, bytes);
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error so later calls are not poisoned
    std::size_t free_b = 0, total_b = 0;
    if (m == Memory::device) cudaMemGetInfo(&free_b, &total_b);
    std::string msg = std::string("out of ") + to_string(m) + " memory: asked for " +
                      std::to_string(bytes >> 20) + " MiB";
    if (m == Memory::device) msg += ", " + std::to_string(free_b >> 20) + " MiB free";
    throw DeviceError(msg + " (" + cudaGetErrorString(err) + ")");
  }
  return p;
}

void free(void* p, Memory m) noexcept {
  if (m == Memory::pinned) cudaFreeHost(p);
  else cudaFree(p);
}

void copy(void* dst, const void* src, std::size_t bytes) {
  cudaError_t err = cudaMemcpy(dst, src, bytes, cudaMemcpyDefault);
  if (err != cudaSuccess) throw DeviceError(std::string("cudaMemcpy failed: ") + cudaGetErrorString(err));
}

void zero(void* p, std::size_t bytes) {
  cudaError_t err = cudaMemset(p, 0, bytes);
  if (err != cudaSuccess) throw DeviceError(std::string("cudaMemset failed: ") + cudaGetErrorString(err));
}

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return n;
}

void use_device(int device) {
  const int n = device_count();
  if (device < 0 || device >= n)
    throw DeviceError("GPU " + std::to_string(device) + ": expected a device number below " + std::to_string(n) +
                      " (the GPUs visible here); found none with that number");
  const cudaError_t err = cudaSetDevice(device);
  if (err != cudaSuccess) throw DeviceError("GPU " + std::to_string(device) + ": cudaSetDevice failed: " + cudaGetErrorString(err));
}

int64_t free_bytes() {
  std::size_t free_b = 0, total_b = 0;
  if (cudaMemGetInfo(&free_b, &total_b) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return int64_t(free_b);
}

bool available() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();
    return false;
  }
  return n > 0;
}

}  // namespace phasis::cuda_memory
