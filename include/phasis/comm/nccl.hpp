// NCCL for GPUs: one communicator over every GPU of every rank, one part per GPU. Part 0 makes the
// unique id; it reaches the other ranks by MPI broadcast and the other GPUs of a process by
// sharing. A build without NCCL throws DeviceError when asked for one.
#pragma once

#include <memory>

#include "phasis/comm/communicator.hpp"

namespace phasis::comm {

struct NcclId {
  char bytes[128] = {};
};

bool nccl_available();
NcclId nccl_unique_id();

/// Collectives over the communicator's GPUs on the current device's default stream; host arrays
/// go through a device scratch buffer. exchange() takes device buffers only.
class Nccl final : public Communicator {
 public:
  using Communicator::sum;
  /// Collective over all `size` parts: every part must construct its communicator concurrently,
  /// with its own GPU current.
  Nccl(const NcclId& id, int size, int rank);
  ~Nccl() override;
  int size() const override { return size_; }
  int rank() const override { return rank_; }
  void sum(float* data, int64_t n, Memory where) override;
  void sum(double* data, int64_t n, Memory where) override;
  void broadcast(void* data, int64_t bytes, int root, Memory where) override;
  void all_gather(const void* mine, int64_t bytes, void* all, Memory where) override;
  void exchange(const std::vector<Message>& sends, const std::vector<Message>& recvs, Memory where) override;
  void barrier() override;
  /// The parts other than the first failing one throw its message as "GPU part P: message".
  void agree(const Failure& mine) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int size_ = 1, rank_ = 0;
};

}  // namespace phasis::comm
