// The communicator of a run in one part: sums and broadcasts leave the data as it is, an
// all-gather copies this part's bytes, an exchange delivers messages the part sends to itself, and
// agree() throws this part's own failure.
#pragma once

#include "phasis/comm/communicator.hpp"

namespace phasis::comm {

class Local final : public Communicator {
 public:
  using Communicator::sum;
  int size() const override { return 1; }
  int rank() const override { return 0; }
  void sum(float* data, int64_t n, Memory where) override;
  void sum(double* data, int64_t n, Memory where) override;
  void broadcast(void* data, int64_t bytes, int root, Memory where) override;
  void all_gather(const void* mine, int64_t bytes, void* all, Memory where) override;
  /// Every message names part 0; sends[i] arrives in recvs[i], of the same size.
  void exchange(const std::vector<Message>& sends, const std::vector<Message>& recvs, Memory where) override;
  void barrier() override {}
  void agree(const Failure& mine) override;
};

}  // namespace phasis::comm
