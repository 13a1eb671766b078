// The CUDA backend's state (cuda.cuh): its GPU, stream and scratch; and the staging between
// pinned host memory and the device.
#include <utility>

#include "backend/cuda.cuh"

namespace phasis {

using cuda_detail::check;

CudaBackend::CudaBackend(const Device& d) : index_(d.index) {
  require_device(d);
  cuda_use_device(index_);
  // Blocking (not cudaStreamNonBlocking): ordered with the legacy default stream; see cuda.cuh.
  check(cudaStreamCreate(&stream_), "cudaStreamCreate (backend)");
}

CudaBackend::~CudaBackend() {
  if (stream_) cudaStreamSynchronize(stream_);
  if (scratch_) cudaFree(scratch_);
  if (pinned_) cudaFreeHost(pinned_);
  if (stream_) cudaStreamDestroy(stream_);
}

void CudaBackend::synchronize() const { check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize (backend)"); }

double* CudaBackend::scratch(int64_t n) const {
  if (n <= scratch_size_) return scratch_;
  // Earlier work on the stream may still read the old scratch.
  synchronize();
  if (scratch_) cudaFree(scratch_), scratch_ = nullptr;
  if (pinned_) cudaFreeHost(pinned_), pinned_ = nullptr;
  scratch_size_ = 0;
  const int64_t size = std::max<int64_t>(n, 64);
  check(cudaMalloc(&scratch_, size * sizeof(double)), "cudaMalloc (backend scratch)");
  check(cudaMallocHost(&pinned_, size * sizeof(double)), "cudaMallocHost (backend scratch)");
  scratch_size_ = size;
  return scratch_;
}

double* CudaBackend::zeroed_slot(double value) const {
  double* slot = scratch(1);
  // The value goes up from pinned memory on the stream: no synchronous copy, no device-wide wait.
  // The pinned double is free: the last read_scratch waited for the stream.
  pinned_[0] = value;
  check(cudaMemcpyAsync(slot, pinned_, sizeof(double), cudaMemcpyHostToDevice, stream_), "reduction init");
  return slot;
}

void CudaBackend::read_scratch(double* out, int64_t n) const {
  check(cudaMemcpyAsync(pinned_, scratch_, n * sizeof(double), cudaMemcpyDeviceToHost, stream_), "reduction result");
  synchronize();
  std::copy(pinned_, pinned_ + n, out);
}

CudaSums::CudaSums(int count, cudaStream_t stream) : count_(count), stream_(stream) {
  if (count <= 0) return;
  check(cudaMalloc(&dev_, count * sizeof(double)), "cudaMalloc (sums)");
  check(cudaMallocHost(&pinned_, count * sizeof(double)), "cudaMallocHost (sums)");
  zero();
}

CudaSums::~CudaSums() { release(); }

void CudaSums::release() noexcept {
  // The stream may still add into the slots.
  if (stream_ && dev_) cudaStreamSynchronize(stream_);
  if (dev_) cudaFree(dev_);
  if (pinned_) cudaFreeHost(pinned_);
  dev_ = pinned_ = nullptr;
  count_ = 0;
}

CudaSums& CudaSums::operator=(CudaSums&& o) noexcept {
  if (this != &o) {
    release();
    count_ = std::exchange(o.count_, 0);
    stream_ = o.stream_;
    dev_ = std::exchange(o.dev_, nullptr);
    pinned_ = std::exchange(o.pinned_, nullptr);
  }
  return *this;
}

void CudaSums::zero() {
  if (count_ > 0) check(cudaMemsetAsync(dev_, 0, count_ * sizeof(double), stream_), "sums zero");
}

double* CudaSums::slot(int k) const {
  if (k < 0 || k >= count_)
    throw InternalError("sums: expected a slot below " + std::to_string(count_) + "; found " + std::to_string(k));
  return dev_ + k;
}

std::vector<double> CudaSums::read() const {
  if (count_ <= 0) return {};
  check(cudaMemcpyAsync(pinned_, dev_, count_ * sizeof(double), cudaMemcpyDeviceToHost, stream_), "sums read");
  check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize (sums read)");
  return std::vector<double>(pinned_, pinned_ + count_);
}

CudaStaging::CudaStaging(cudaStream_t compute) : compute_(compute) {
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

void CudaStaging::use(int slot) { check(cudaStreamWaitEvent(compute_, fetched_[slot], 0), "cudaStreamWaitEvent"); }

void CudaStaging::store(int slot, void* dst, const void* src, std::size_t bytes) {
  release(slot);  // the kernels that wrote the slot, as an event the copy stream waits for
  check(cudaStreamWaitEvent(copy_, free_[slot], 0), "cudaStreamWaitEvent");
  check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, copy_), "cudaMemcpyAsync (store)");
  check(cudaEventRecord(free_[slot], copy_), "cudaEventRecord");
}

void CudaStaging::release(int slot) { check(cudaEventRecord(free_[slot], compute_), "cudaEventRecord"); }

void CudaStaging::drain() {
  check(cudaStreamSynchronize(copy_), "cudaStreamSynchronize (staging)");
  check(cudaStreamSynchronize(compute_), "cudaStreamSynchronize (compute)");
}

}  // namespace phasis
