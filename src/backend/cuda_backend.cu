// Device-side state of the CUDA backend: the reduction slot, one per device and thread.
#include "backend/cuda.cuh"

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

namespace phasis {

using cuda_detail::check;

CudaStaging::CudaStaging() {
  check(cudaStreamCreateWithFlags(&copy_, cudaStreamNonBlocking), "cudaStreamCreate (staging)");
  for (int s = 0; s < 2; ++s) {
    check(cudaEventCreateWithFlags(&fetched_[s], cudaEventDisableTiming), "cudaEventCreate");
    check(cudaEventCreateWithFlags(&free_[s], cudaEventDisableTiming), "cudaEventCreate");
    check(cudaEventRecord(free_[s], copy_), "cudaEventRecord");
  }
}

CudaStaging::~CudaStaging() {
  cudaStreamSynchronize(copy_);
  for (int s = 0; s < 2; ++s) cudaEventDestroy(fetched_[s]), cudaEventDestroy(free_[s]);
  cudaStreamDestroy(copy_);
}

void CudaStaging::fetch(int slot, void* dst, const void* src, std::size_t bytes) {
  check(cudaStreamWaitEvent(copy_, free_[slot], 0), "cudaStreamWaitEvent");
  check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, copy_), "cudaMemcpyAsync (fetch)");
}

void CudaStaging::fetched(int slot) { check(cudaEventRecord(fetched_[slot], copy_), "cudaEventRecord"); }

void CudaStaging::use(int slot) { check(cudaStreamWaitEvent(cudaStreamLegacy, fetched_[slot], 0), "cudaStreamWaitEvent"); }

void CudaStaging::store(int slot, void* dst, const void* src, std::size_t bytes) {
  release(slot);  // the kernels that wrote the slot, as an event the copy stream waits for
  check(cudaStreamWaitEvent(copy_, free_[slot], 0), "cudaStreamWaitEvent");
  check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, copy_), "cudaMemcpyAsync (store)");
  check(cudaEventRecord(free_[slot], copy_), "cudaEventRecord");
}

void CudaStaging::release(int slot) { check(cudaEventRecord(free_[slot], cudaStreamLegacy), "cudaEventRecord"); }

void CudaStaging::drain() {
  check(cudaStreamSynchronize(copy_), "cudaStreamSynchronize (staging)");
  check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
}

}  // namespace phasis
