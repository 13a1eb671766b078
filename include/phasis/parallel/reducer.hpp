// Sums across the parts of a distributed run. A solver split over devices and ranks keeps its own
// frames and calls sum() on its partial numerators and denominators; afterwards every part holds
// the total. The base class is the single-part case: every call leaves the data as it is.
// Implementations: MpiReducer (ranks; host memory, device buffers staged through host memory
// unless the MPI is CUDA-aware) and NcclReducer (GPUs of one or several hosts).
#pragma once

#include <cstdint>

#include "phasis/core/array.hpp"  // for Memory

namespace phasis {

class Reducer {
 public:
  virtual ~Reducer() = default;
  /// How many parts contribute to each sum.
  virtual int parts() const { return 1; }
  /// In-place sum over all parts of n values at `data`, which lives in `where`.
  virtual void sum(float* data, int64_t n, Memory where) { (void)data, (void)n, (void)where; }
  virtual void sum(double* data, int64_t n, Memory where) { (void)data, (void)n, (void)where; }
  /// One host scalar, summed.
  double sum(double value) {
    sum(&value, 1, Memory::host);
    return value;
  }
};

}  // namespace phasis
