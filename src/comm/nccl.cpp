// The NCCL communicator (nccl.hpp): NCCL collectives on device buffers, host buffers through a
// device scratch buffer. Without NCCL every entry throws DeviceError (no Nccl can be constructed).
#include "phasis/comm/nccl.hpp"

#include <climits>
#include <cstring>
#include <string>
#include <vector>

#include "phasis/core/error.hpp"

#if PHASIS_HAVE_NCCL
#include <cuda_runtime.h>
#include <nccl.h>
#endif

namespace phasis::comm {

#if PHASIS_HAVE_NCCL

namespace {

void check(ncclResult_t r, const char* what) {
  if (r != ncclSuccess) throw DeviceError(std::string(what) + ": " + ncclGetErrorString(r));
}
void check(cudaError_t r, const char* what) {
  if (r != cudaSuccess) throw DeviceError(std::string(what) + ": " + cudaGetErrorString(r));
}

}  // namespace

struct Nccl::Impl {
  ncclComm_t comm = nullptr;
  char* scratch = nullptr;  // host values travel through here
  int64_t scratch_bytes = 0;

  /// The scratch buffer, at least `bytes` long.
  char* device_scratch(int64_t bytes) {
    if (bytes > scratch_bytes) {
      if (scratch) cudaFree(scratch);
      scratch = nullptr;
      scratch_bytes = 0;
      check(cudaMalloc(&scratch, size_t(bytes)), "cudaMalloc (NCCL scratch)");
      scratch_bytes = bytes;
    }
    return scratch;
  }

  template <class T>
  void allreduce(T* data, int64_t n, Memory where) {
    const ncclDataType_t type = sizeof(T) == 4 ? ncclFloat32 : ncclFloat64;
    const int64_t bytes = n * int64_t(sizeof(T));
    T* buf = data;
    if (where != Memory::device) {
      buf = reinterpret_cast<T*>(device_scratch(bytes));
      check(cudaMemcpy(buf, data, size_t(bytes), cudaMemcpyHostToDevice), "cudaMemcpy");
    }
    check(ncclAllReduce(buf, buf, size_t(n), type, ncclSum, comm, cudaStreamLegacy), "ncclAllReduce");
    if (where != Memory::device) check(cudaMemcpy(data, buf, size_t(bytes), cudaMemcpyDeviceToHost), "cudaMemcpy");
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

Nccl::Nccl(const NcclId& id, int size, int rank) : impl_(new Impl), size_(size), rank_(rank) {
  ncclUniqueId u;
  std::memcpy(&u, id.bytes, sizeof u);
  check(ncclCommInitRank(&impl_->comm, size, u, rank), "ncclCommInitRank");
}

Nccl::~Nccl() {
  if (impl_->scratch) cudaFree(impl_->scratch);
  if (impl_->comm) ncclCommDestroy(impl_->comm);
}

void Nccl::sum(float* data, int64_t n, Memory where) { impl_->allreduce(data, n, where); }
void Nccl::sum(double* data, int64_t n, Memory where) { impl_->allreduce(data, n, where); }

void Nccl::broadcast(void* data, int64_t bytes, int root, Memory where) {
  check_root(root, "broadcast");
  void* buf = data;
  if (where != Memory::device) {
    buf = impl_->device_scratch(bytes);
    if (rank_ == root) check(cudaMemcpy(buf, data, size_t(bytes), cudaMemcpyHostToDevice), "cudaMemcpy");
  }
  check(ncclBroadcast(buf, buf, size_t(bytes), ncclInt8, root, impl_->comm, cudaStreamLegacy), "ncclBroadcast");
  if (where != Memory::device && rank_ != root)
    check(cudaMemcpy(data, buf, size_t(bytes), cudaMemcpyDeviceToHost), "cudaMemcpy");
}

void Nccl::all_gather(const void* mine, int64_t bytes, void* all, Memory where) {
  if (where == Memory::device) {
    check(ncclAllGather(mine, all, size_t(bytes), ncclInt8, impl_->comm, cudaStreamLegacy), "ncclAllGather");
    return;
  }
  // In place in the scratch buffer: NCCL gathers from this part's own share of the result.
  const int64_t total = int64_t(size_) * bytes;
  char* buf = impl_->device_scratch(total);
  char* share = buf + int64_t(rank_) * bytes;
  check(cudaMemcpy(share, mine, size_t(bytes), cudaMemcpyHostToDevice), "cudaMemcpy");
  check(ncclAllGather(share, buf, size_t(bytes), ncclInt8, impl_->comm, cudaStreamLegacy), "ncclAllGather");
  check(cudaMemcpy(all, buf, size_t(total), cudaMemcpyDeviceToHost), "cudaMemcpy");
}

void Nccl::exchange(const std::vector<Message>& sends, const std::vector<Message>& recvs, Memory where) {
  if (where != Memory::device) throw InternalError("NCCL exchange: expected device buffers; found host memory");
  check(ncclGroupStart(), "ncclGroupStart");
  for (const Message& m : sends)
    check(ncclSend(m.data, size_t(m.bytes), ncclInt8, m.peer, impl_->comm, cudaStreamLegacy), "ncclSend");
  for (const Message& m : recvs)
    check(ncclRecv(m.data, size_t(m.bytes), ncclInt8, m.peer, impl_->comm, cudaStreamLegacy), "ncclRecv");
  check(ncclGroupEnd(), "ncclGroupEnd");
}

// No part gets the total of a host sum before every part has contributed to it; the copy back to
// the host waits for it.
void Nccl::barrier() { sum(0.0); }

void Nccl::agree(const Failure& mine) {
  // The first failing part, by a sum of one-hot flags (NCCL has min, but a sum of doubles is the
  // one reduction every path here already uses).
  std::vector<double> failed(size_t(size_), 0.0);
  if (mine) failed[size_t(rank_)] = 1;
  sum(failed.data(), size_, Memory::host);
  int first = -1;
  for (int p = 0; p < size_ && first < 0; ++p)
    if (failed[size_t(p)] > 0) first = p;
  if (first < 0) return;
  // Its kind and message reach every part as a sum in which only it contributes.
  std::vector<double> text(1025, 0.0);
  if (rank_ == first) {
    text[0] = mine.kind;
    for (size_t i = 0; i < mine.message.size() && i < 1024; ++i) text[i + 1] = (unsigned char)mine.message[i];
  }
  sum(text.data(), int64_t(text.size()), Memory::host);
  std::string msg;
  for (size_t i = 1; i < text.size() && text[i] > 0; ++i) msg += char(int(text[i]));
  raise({int(text[0]), rank_ == first ? mine.message : "GPU part " + std::to_string(first) + ": " + msg});
}

#else  // no NCCL: no Nccl can be made, so only the constructor and the id are ever reached

namespace {
[[noreturn]] void no_nccl() { throw DeviceError("NCCL: expected a build with NCCL (CUDA and libnccl); found none"); }
}  // namespace

struct Nccl::Impl {};
bool nccl_available() { return false; }
NcclId nccl_unique_id() { no_nccl(); }
Nccl::Nccl(const NcclId&, int size, int rank) : size_(size), rank_(rank) { no_nccl(); }
Nccl::~Nccl() = default;
void Nccl::sum(float*, int64_t, Memory) { no_nccl(); }
void Nccl::sum(double*, int64_t, Memory) { no_nccl(); }
void Nccl::broadcast(void*, int64_t, int, Memory) { no_nccl(); }
void Nccl::all_gather(const void*, int64_t, void*, Memory) { no_nccl(); }
void Nccl::exchange(const std::vector<Message>&, const std::vector<Message>&, Memory) { no_nccl(); }
void Nccl::barrier() { no_nccl(); }
void Nccl::agree(const Failure&) { no_nccl(); }

#endif

}  // namespace phasis::comm
