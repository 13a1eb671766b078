// FFT plans behind one interface: FftwPlan (CPU, float and double, threaded) and CufftPlan (CUDA).
// Both transform `batch` contiguous arrays of shape `dims` (rank 2 or 3, row-major) in place, and
// are unnormalised in both directions: inverse(forward(x)) = x * prod(dims). Callers that want the
// unitary transform scale by 1/sqrt(prod(dims)) in the kernel they already run.
// Plans are made once and executed many times on any buffer of the planned size and alignment
// (host buffers from Array are 64-byte aligned).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "phasis/core/complex.hpp"  // for Complex

namespace phasis {

/// How FftwPlan plans. estimate (the default): FFTW_ESTIMATE, deterministic, planned in
/// microseconds, but on some CPUs far from FFTW's best (a 1024^2 float transform took 42 ms against
/// 4 ms measured, 256^2 1.45 against 0.22 ms, on this project's 2-core machine). measure:
/// FFTW_MEASURE for plans of one thread (planning times candidate algorithms, 0.1-0.5 s per new
/// shape, remembered for the process; threaded plans stay estimated, as measuring them takes
/// seconds), and every such plan transforms one array at a time, so a process uses one algorithm per
/// shape whatever the batch. The algorithm FFTW_MEASURE picks may differ between processes, so
/// results of different processes agree to float rounding rather than bit for bit.
enum class FftPlanning { estimate, measure };
/// The planning of plans made from now on; initially PHASIS_FFTW_PLANNING ("estimate" or
/// "measure"; unset: estimate).
void set_fftw_planning(FftPlanning p);
FftPlanning fftw_planning();

template <class T>
class FftwPlan {
 public:
  /// dims: {ny, nx} or {nz, ny, nx}; batch: number of consecutive transforms.
  /// `threads` <= 0 uses OpenMP's maximum.
  FftwPlan(std::vector<int> dims, int64_t batch, int threads = 0);
  /// As above, with one FFTW plan covering at most `max_batch_per_plan` transforms (> 0); longer
  /// batches run as several executions. The 3-argument form uses the most FFTW's int sizes allow.
  FftwPlan(std::vector<int> dims, int64_t batch, int threads, int64_t max_batch_per_plan);
  ~FftwPlan();
  FftwPlan(const FftwPlan&) = delete;
  FftwPlan& operator=(const FftwPlan&) = delete;

  void forward(Complex<T>* data) const;
  void inverse(Complex<T>* data) const;
  int64_t batch() const { return batch_; }
  int64_t elements_per_transform() const { return per_transform_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int64_t batch_ = 0;
  int64_t per_transform_ = 0;
};

/// cuFFT plan on the current device; executes on `stream` (nullptr: the default stream).
/// Batches beyond cuFFT's 32-bit limit are split into several plans.
template <class T>
class CufftPlan {
 public:
  CufftPlan(std::vector<int> dims, int64_t batch, void* stream = nullptr);
  /// As above, with one cuFFT plan covering at most `max_batch_per_plan` transforms (> 0), which
  /// also bounds the plan's work area.
  CufftPlan(std::vector<int> dims, int64_t batch, void* stream, int64_t max_batch_per_plan);
  ~CufftPlan();
  CufftPlan(const CufftPlan&) = delete;
  CufftPlan& operator=(const CufftPlan&) = delete;

  void forward(Complex<T>* device_data) const;
  void inverse(Complex<T>* device_data) const;
  int64_t batch() const { return batch_; }
  int64_t elements_per_transform() const { return per_transform_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int64_t batch_ = 0;
  int64_t per_transform_ = 0;
};

}  // namespace phasis
