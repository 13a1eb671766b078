// NcclReducer: NCCL all-reduce on device buffers. Compiled to DeviceError throws without NCCL.
#include "phasis/parallel/nccl.hpp"

#include <climits>
#include <cstring>
#include <string>
#include <vector>

#include "phasis/core/error.hpp"

#if PHASIS_HAVE_NCCL
#include <cuda_runtime.h>
#include <nccl.h>
#endif

namespace phasis {

#if PHASIS_HAVE_NCCL

namespace {

void check(ncclResult_t r, const char* what) {
  if (r != ncclSuccess) throw DeviceError(std::string(what) + ": " + ncclGetErrorString(r));
}
void check(cudaError_t r, const char* what) {
  if (r != cudaSuccess) throw DeviceError(std::string(what) + ": " + cudaGetErrorString(r));
}

}  // namespace

struct NcclReducer::Impl {
  ncclComm_t comm = nullptr;
  double* scratch = nullptr;  // host values travel through here
  int64_t scratch_n = 0;

  void* device_copy(const void* host, int64_t bytes) {
    if (bytes > scratch_n * int64_t(sizeof(double))) {
      if (scratch) cudaFree(scratch);
      scratch_n = (bytes + 7) / 8;
      check(cudaMalloc(&scratch, scratch_n * sizeof(double)), "cudaMalloc (NCCL scratch)");
    }
    check(cudaMemcpy(scratch, host, bytes, cudaMemcpyHostToDevice), "cudaMemcpy");
    return scratch;
  }

  template <class T>
  void allreduce(T* data, int64_t n, Memory where) {
    const ncclDataType_t type = sizeof(T) == 4 ? ncclFloat32 : ncclFloat64;
    T* buf = where == Memory::device ? data : static_cast<T*>(device_copy(data, n * sizeof(T)));
    check(ncclAllReduce(buf, buf, size_t(n), type, ncclSum, comm, cudaStreamLegacy), "ncclAllReduce");
    if (where != Memory::device) {
      check(cudaMemcpy(data, buf, n * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy");
    }
  }
};

bool nccl_available() { return true; }

NcclId nccl_unique_id() {
  static_assert(sizeof(ncclUniqueId) <= sizeof(NcclId::bytes), "NCCL id larger than expected");
  ncclUniqueId id;
  check(ncclGetUniqueId(&id), "ncclGetUniqueId");
  NcclId out;
  std::memcpy(out.bytes, &id, sizeof id);
  return out;
}

NcclReducer::NcclReducer(const NcclId& id, int parts, int part) : impl_(new Impl), parts_(parts), part_(part) {
  ncclUniqueId u;
  std::memcpy(&u, id.bytes, sizeof u);
  check(ncclCommInitRank(&impl_->comm, parts, u, part), "ncclCommInitRank");
}

NcclReducer::~NcclReducer() {
  if (impl_->scratch) cudaFree(impl_->scratch);
  if (impl_->comm) ncclCommDestroy(impl_->comm);
}

void NcclReducer::sum(float* data, int64_t n, Memory where) { impl_->allreduce(data, n, where); }
void NcclReducer::sum(double* data, int64_t n, Memory where) { impl_->allreduce(data, n, where); }

void NcclReducer::exchange(const std::vector<Message>& sends, const std::vector<Message>& recvs, Memory where) {
  if (where != Memory::device) throw InternalError("NCCL exchange: expected device buffers; found host memory");
  check(ncclGroupStart(), "ncclGroupStart");
  for (const Message& m : sends)
    check(ncclSend(m.data, size_t(m.bytes), ncclInt8, m.peer, impl_->comm, cudaStreamLegacy), "ncclSend");
  for (const Message& m : recvs)
    check(ncclRecv(m.data, size_t(m.bytes), ncclInt8, m.peer, impl_->comm, cudaStreamLegacy), "ncclRecv");
  check(ncclGroupEnd(), "ncclGroupEnd");
}

void NcclReducer::agree(const Failure& mine) {
  // The first failing part, by a sum of one-hot flags (NCCL has min, but a sum of doubles is the
  // one reduction every path here already uses).
  std::vector<double> failed(size_t(parts_), 0.0);
  if (mine) failed[size_t(part_)] = 1;
  sum(failed.data(), parts_, Memory::host);
  int first = -1;
  for (int p = 0; p < parts_ && first < 0; ++p)
    if (failed[size_t(p)] > 0) first = p;
  if (first < 0) return;
  // Its kind and message reach every part as a sum in which only it contributes.
  std::vector<double> text(1025, 0.0);
  if (part_ == first) {
    text[0] = mine.kind;
    for (size_t i = 0; i < mine.message.size() && i < 1024; ++i) text[i + 1] = (unsigned char)mine.message[i];
  }
  sum(text.data(), int64_t(text.size()), Memory::host);
  std::string msg;
  for (size_t i = 1; i < text.size() && text[i] > 0; ++i) msg += char(int(text[i]));
  raise({int(text[0]), part_ == first ? mine.message : "GPU part " + std::to_string(first) + ": " + msg});
}

#else

struct NcclReducer::Impl {};
bool nccl_available() { return false; }
NcclId nccl_unique_id() { throw DeviceError("NCCL: expected a build with NCCL (CUDA and libnccl); found none"); }
NcclReducer::NcclReducer(const NcclId&, int parts, int part) : parts_(parts), part_(part) {
  throw DeviceError("NCCL: expected a build with NCCL (CUDA and libnccl); found none");
}
NcclReducer::~NcclReducer() = default;
void NcclReducer::sum(float*, int64_t, Memory) {}
void NcclReducer::sum(double*, int64_t, Memory) {}
void NcclReducer::exchange(const std::vector<Message>&, const std::vector<Message>&, Memory) {}
void NcclReducer::agree(const Failure& mine) {
  if (mine) raise(mine);
}

#endif

}  // namespace phasis
