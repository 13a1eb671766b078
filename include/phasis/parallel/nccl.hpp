// NCCL for GPUs: one communicator over every GPU of every rank, one part per GPU. Part 0 makes the
// unique id; it reaches the other ranks by MPI broadcast and the other GPUs of a process by
// sharing. A build without NCCL throws DeviceError when asked for one.
#pragma once

#include <memory>

#include "phasis/parallel/reducer.hpp"

namespace phasis {

struct NcclId {
  char bytes[128] = {};
};

bool nccl_available();
NcclId nccl_unique_id();

/// Sums over the communicator's GPUs on the current device's default stream; host arrays go
/// through a device scratch buffer.
class NcclReducer : public Reducer {
 public:
  /// Collective over all `parts`: every part must construct its reducer concurrently.
  NcclReducer(const NcclId& id, int parts, int part);
  ~NcclReducer() override;
  int parts() const override { return parts_; }
  int part() const override { return part_; }
  void exchange(const std::vector<Message>& sends, const std::vector<Message>& recvs, Memory where) override;
  void sum(float* data, int64_t n, Memory where) override;
  void sum(double* data, int64_t n, Memory where) override;
  void agree(const Failure& mine) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int parts_ = 1, part_ = 0;
};

}  // namespace phasis
