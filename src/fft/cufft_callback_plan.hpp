// CufftCallbackPlan: a batched, out-of-place, unnormalised single-precision forward FFT on the GPU
// whose loads and stores go through cuFFT LTO callbacks (device functions compiled to LTO-IR and
// linked into cuFFT's kernels when the plan is made). A separate class from CufftPlan because
// LTO callbacks cannot be removed from a cuFFT plan once set (the same sizes' inverse FFT needs a
// plain plan), and out of place: the DM's load callback reads the exit waves, which must survive
// the transform, and the result goes to the Fourier buffer (cuFFT allows callbacks either way).
// Unlike CufftPlan it does not split batches: callback offsets count from the start of one
// execution's input, and callers index their own arrays with them, so the batch must be a single
// cuFFT execution (at most INT_MAX elements, CufftPlan's limit per plan; a DM batch is 2^26 at most).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "phasis/core/complex.hpp"

namespace phasis {

/// Where the callbacks come from: an LTO fatbin in host memory, the extern "C" symbol names of the
/// load and store callbacks in it (nullptr: none of that kind), and the device pointer cuFFT passes
/// to both as callerInfo.
struct FftCallbacks {
  const void* fatbin = nullptr;
  std::size_t fatbin_bytes = 0;
  const char* load_symbol = nullptr;
  const char* store_symbol = nullptr;
  void* caller_info = nullptr;
};

class CufftCallbackPlan {
 public:
  CufftCallbackPlan(std::vector<int> dims, int64_t batch, const FftCallbacks& callbacks, void* stream = nullptr);
  ~CufftCallbackPlan();
  CufftCallbackPlan(const CufftCallbackPlan&) = delete;
  CufftCallbackPlan& operator=(const CufftCallbackPlan&) = delete;

  /// out = FFT(load(in)) stored through the store callback. `in` and `out` must not overlap.
  void forward(const Complex<float>* device_in, Complex<float>* device_out) const;
  int64_t batch() const { return batch_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int64_t batch_ = 0;
};

}  // namespace phasis
