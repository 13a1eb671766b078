// The parts of a distributed run talking to each other, whatever the run computes: all-reduce
// sums, broadcasts, all-gathers, point-to-point exchanges and the agreement on a failure. Every
// call except exchange() is collective: every part makes it, in the same order, with the same
// sizes. Buffers live in the Memory the caller names (host, pinned or device); an implementation
// that cannot hand device memory to its transport stages it through host memory.
// Implementations: Local (one part, local.hpp), Mpi (the ranks of an MPI job, mpi.hpp), Nccl (GPUs
// of one or several hosts, nccl.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "phasis/comm/failure.hpp"
#include "phasis/core/array.hpp"  // for Memory

namespace phasis::comm {

class Communicator {
 public:
  virtual ~Communicator() = default;

  /// How many parts take part in each collective call.
  virtual int size() const = 0;
  /// This part's index in [0, size()).
  virtual int rank() const = 0;

  /// In-place sum over all parts of n values at `data`: afterwards every part holds the total.
  virtual void sum(float* data, int64_t n, Memory where) = 0;
  virtual void sum(double* data, int64_t n, Memory where) = 0;
  /// One host scalar, summed.
  double sum(double value) {
    sum(&value, 1, Memory::host);
    return value;
  }

  /// Copies `bytes` at `data` on part `root` to `data` on every part.
  virtual void broadcast(void* data, int64_t bytes, int root, Memory where) = 0;
  /// Every part's `bytes` at `mine`, in part order, into `all` (size() * bytes) on every part.
  /// `mine` and `all` do not overlap.
  virtual void all_gather(const void* mine, int64_t bytes, void* all, Memory where) = 0;

  /// A message of `bytes` bytes at `data` to or from part `peer`.
  struct Message {
    int peer;
    void* data;
    int64_t bytes;
  };
  /// Point to point, all at once: sends every `sends[i]`, receives every `recvs[i]`; returns when
  /// all are done. Messages between the same two parts match in the order they are listed. Only
  /// the parts named take part.
  virtual void exchange(const std::vector<Message>& sends, const std::vector<Message>& recvs, Memory where) = 0;

  /// Blocks until every part arrives.
  virtual void barrier() = 0;

  /// Collective: when any part failed, every part throws the error of the first (lowest) part that
  /// failed, so no part waits forever in a collective its peers never reach.
  virtual void agree(const Failure& mine) = 0;

 protected:
  /// InternalError unless `root` is a part.
  void check_root(int root, const char* call) const;
};

}  // namespace phasis::comm
