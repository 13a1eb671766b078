// Sums across the parts of a distributed run. A solver split over devices and ranks keeps its own
// frames and calls sum() on its partial numerators and denominators; afterwards every part holds
// the total. The base class is the single-part case: every call leaves the data as it is.
// Implementations: MpiReducer (ranks; host memory, device buffers staged through host memory
// unless the MPI is CUDA-aware) and NcclReducer (GPUs of one or several hosts).
#pragma once

#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "phasis/core/array.hpp"  // for Memory
#include "phasis/parallel/partition.hpp"  // for Region

namespace phasis {

/// What went wrong in one part, in a form that can travel to the others.
struct Failure {
  enum Kind : int { none = 0, input = 1, device = 2, internal = 3 };
  int kind = none;
  std::string message;
  explicit operator bool() const { return kind != none; }
};

/// The failure an exception describes (InputError -> input, DeviceError or bad_alloc -> device).
Failure failure_of(std::exception_ptr e);
/// Throws the phasis error of `f`'s kind with its message.
[[noreturn]] void raise(const Failure& f);

class Reducer {
 public:
  virtual ~Reducer() = default;
  /// How many parts contribute to each sum.
  virtual int parts() const { return 1; }
  /// In-place sum over all parts of n values at `data`, which lives in `where`.
  virtual void sum(float* data, int64_t n, Memory where) { (void)data, (void)n, (void)where; }
  virtual void sum(double* data, int64_t n, Memory where) { (void)data, (void)n, (void)where; }
  /// This part's index among parts().
  virtual int part() const { return 0; }

  /// A message of `bytes` bytes at `data` to or from part `peer`.
  struct Message {
    int peer;
    void* data;
    int64_t bytes;
  };
  /// Point to point, all at once: sends every `sends[i]`, receives every `recvs[i]`; returns when
  /// all are done. `where` says where the buffers live.
  virtual void exchange(const std::vector<Message>& sends, const std::vector<Message>& recvs, Memory where) {
    (void)sends, (void)recvs, (void)where;
  }

  /// Object regions of every part (set by the driver of a spatially partitioned run). When set, the
  /// solver exchanges only the overlaps of its region with its neighbours' instead of summing the
  /// whole object.
  const std::vector<Region>& regions() const { return regions_; }
  void set_regions(std::vector<Region> regions) { regions_ = std::move(regions); }

  /// Collective: when any part failed, every part throws the error of the first part that failed
  /// (so no part waits forever in a sum its peers never reach).
  virtual void agree(const Failure& mine) {
    if (mine) raise(mine);
  }
  /// One host scalar, summed.
  double sum(double value) {
    sum(&value, 1, Memory::host);
    return value;
  }

 private:
  std::vector<Region> regions_;
};

}  // namespace phasis
