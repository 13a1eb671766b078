// FftwPlan: batched, in-place, unnormalised complex FFTs on the CPU through FFTW3 and its OpenMP
// threads. Plans are made with FFTW_ESTIMATE (or FFTW_MEASURE: fft.hpp) on a scratch buffer, so
// planning never reads or writes user data, and run on any buffer through FFTW's new-array execute functions. FFTW's planner is
// not thread-safe, so every plan creation and destruction holds one process-wide mutex.
#include <fftw3.h>
#include <omp.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#include "fft_layout.hpp"
#include "phasis/core/array.hpp"  // for allocate_bytes
#include "phasis/fft/fft.hpp"

namespace phasis {
namespace {

std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}

std::atomic<int>& planning_state() {
  static std::atomic<int> p{[] {
    const char* e = std::getenv("PHASIS_FFTW_PLANNING");
    return e && std::strcmp(e, "measure") == 0 ? int(FftPlanning::measure) : int(FftPlanning::estimate);
  }()};
  return p;
}

/// The float and double FFTW APIs under one name.
template <class T>
struct Fftw;

template <>
struct Fftw<float> {
  using Plan = fftwf_plan;
  using Cx = fftwf_complex;
  static int init_threads() { return fftwf_init_threads(); }
  static void plan_with_nthreads(int n) { fftwf_plan_with_nthreads(n); }
  static Plan plan_many(int rank, const int* n, int howmany, Cx* data, int dist, int sign, unsigned flags) {
    return fftwf_plan_many_dft(rank, n, howmany, data, nullptr, 1, dist, data, nullptr, 1, dist, sign, flags);
  }
  static void execute(Plan p, Cx* data) { fftwf_execute_dft(p, data, data); }
  static void destroy(Plan p) { fftwf_destroy_plan(p); }
};

template <>
struct Fftw<double> {
  using Plan = fftw_plan;
  using Cx = fftw_complex;
  static int init_threads() { return fftw_init_threads(); }
  static void plan_with_nthreads(int n) { fftw_plan_with_nthreads(n); }
  static Plan plan_many(int rank, const int* n, int howmany, Cx* data, int dist, int sign, unsigned flags) {
    return fftw_plan_many_dft(rank, n, howmany, data, nullptr, 1, dist, data, nullptr, 1, dist, sign, flags);
  }
  static void execute(Plan p, Cx* data) { fftw_execute_dft(p, data, data); }
  static void destroy(Plan p) { fftw_destroy_plan(p); }
};

static_assert(sizeof(Complex<float>) == sizeof(fftwf_complex) && alignof(Complex<float>) == alignof(float));
static_assert(sizeof(Complex<double>) == sizeof(fftw_complex) && alignof(Complex<double>) == alignof(double));

/// FFTW's SIMD codelets assume the alignment seen at planning; a 64-byte scratch buffer plans for
/// 16-byte-aligned data.
constexpr std::uintptr_t kAlignment = 16;

bool aligned_offset(int64_t elements, std::size_t element_bytes) {
  return (static_cast<std::size_t>(elements) * element_bytes) % kAlignment == 0;
}

}  // namespace

template <class T>
struct FftwPlan<T>::Impl {
  using Api = Fftw<T>;
  fft_detail::Layout layout;
  // [direction][0: full chunk, 1: remainder]; direction 0 forward, 1 inverse.
  typename Api::Plan plans[2][2] = {{nullptr, nullptr}, {nullptr, nullptr}};

  ~Impl() {
    std::lock_guard<std::mutex> lock(planner_mutex());
    for (auto& dir : plans)
      for (auto p : dir)
        if (p) Api::destroy(p);
  }

  bool measure = false;

  void make(int threads) {
    const int64_t full = layout.batch / layout.chunk;
    const int64_t step = layout.chunk * layout.per_transform;
    // A plan executed at an offset that breaks the 16-byte alignment (odd float-complex steps) is
    // planned without SIMD alignment assumptions.
    const bool full_aligned = full == 1 || aligned_offset(step, sizeof(Complex<T>));
    const bool rest_aligned = aligned_offset(full * step, sizeof(Complex<T>));
    const std::size_t bytes = static_cast<std::size_t>(step) * sizeof(Complex<T>);
    // FFTW_ESTIMATE does not touch the arrays, so the scratch pages are never even mapped.
    std::unique_ptr<void, void (*)(void*)> scratch(allocate_bytes(bytes, Memory::host),
                                                   [](void* p) { free_bytes(p, Memory::host); });
    auto* data = static_cast<typename Api::Cx*>(scratch.get());
    const int rank = static_cast<int>(layout.dims.size());
    const int dist = layout.per_transform > INT_MAX ? 0 : static_cast<int>(layout.per_transform);

    std::lock_guard<std::mutex> lock(planner_mutex());
    static bool threads_ready = false;  // one flag per precision, guarded by the mutex
    if (!threads_ready) {
      if (!Api::init_threads()) throw InternalError("FFTW could not initialise its threads");
      threads_ready = true;
    }
    Api::plan_with_nthreads(threads);
    for (int dir = 0; dir < 2; ++dir) {
      const int sign = dir == 0 ? FFTW_FORWARD : FFTW_BACKWARD;
      for (int part = 0; part < 2; ++part) {
        const int64_t howmany = part == 0 ? layout.chunk : layout.remainder;
        if (howmany == 0) continue;
        const bool aligned = part == 0 ? full_aligned : rest_aligned;
        const unsigned effort = measure ? unsigned(FFTW_MEASURE) : unsigned(FFTW_ESTIMATE);
        const unsigned flags = effort | (aligned ? 0u : unsigned(FFTW_UNALIGNED));
        plans[dir][part] = Api::plan_many(rank, layout.dims.data(), static_cast<int>(howmany), data, dist,
                                          sign, flags);
        if (!plans[dir][part])
          throw InternalError("FFTW could not plan an FFT of " +
                              fft_detail::describe(layout.dims, layout.batch));
      }
    }
  }

  void run(int dir, Complex<T>* data) const {
    if (!data) throw InternalError("FftwPlan: null data pointer");
    if (reinterpret_cast<std::uintptr_t>(data) % kAlignment != 0)
      throw InternalError("FftwPlan: data is not 16-byte aligned (allocate it as a phasis Array)");
    auto* p = reinterpret_cast<typename Api::Cx*>(data);
    const int64_t full = layout.batch / layout.chunk;
    const int64_t step = layout.chunk * layout.per_transform;
    for (int64_t i = 0; i < full; ++i) Api::execute(plans[dir][0], p + i * step);
    if (layout.remainder) Api::execute(plans[dir][1], p + full * step);
  }
};

template <class T>
FftwPlan<T>::FftwPlan(std::vector<int> dims, int64_t batch, int threads)
    : FftwPlan(std::move(dims), batch, threads, INT64_MAX) {}

template <class T>
FftwPlan<T>::FftwPlan(std::vector<int> dims, int64_t batch, int threads, int64_t max_batch_per_plan)
    : impl_(std::make_unique<Impl>()) {
  const int team = threads > 0 ? threads : omp_get_max_threads();
  // Only one-thread plans are measured: measuring a threaded plan times thread counts too (seconds
  // for a 256^2 double transform on 2 busy cores, with its threads spinning).
  impl_->measure = fftw_planning() == FftPlanning::measure && team == 1;
  // Measured plans transform one array each: one algorithm per shape, whatever the batch.
  impl_->layout = fft_detail::make_layout("FftwPlan", std::move(dims), batch, impl_->measure ? 1 : max_batch_per_plan);
  impl_->make(team);
  batch_ = impl_->layout.batch;
  per_transform_ = impl_->layout.per_transform;
}

template <class T>
FftwPlan<T>::~FftwPlan() = default;

template <class T>
void FftwPlan<T>::forward(Complex<T>* data) const {
  impl_->run(0, data);
}

template <class T>
void FftwPlan<T>::inverse(Complex<T>* data) const {
  impl_->run(1, data);
}

void set_fftw_planning(FftPlanning p) { planning_state() = int(p); }
FftPlanning fftw_planning() { return FftPlanning(planning_state().load()); }

template class FftwPlan<float>;
template class FftwPlan<double>;

}  // namespace phasis
