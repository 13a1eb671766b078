// Device-side state of the CUDA backend: the reduction slot, one per device and thread.
#include "phasis/backend/cuda.cuh"

namespace phasis::cuda_detail {

double* reduction_slot() {
  struct Slot {
    double* ptr = nullptr;
    int device = -1;
    ~Slot() {
      if (ptr) cudaFree(ptr);
    }
  };
  thread_local Slot slot;
  int dev = 0;
  check(cudaGetDevice(&dev), "cudaGetDevice");
  if (!slot.ptr || slot.device != dev) {
    check(cudaMalloc(&slot.ptr, sizeof(double)), "cudaMalloc reduction slot");
    slot.device = dev;
  }
  return slot.ptr;
}

}  // namespace phasis::cuda_detail
