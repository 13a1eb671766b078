// CufftPlan: batched, in-place, unnormalised complex FFTs on the GPU through cuFFT (C2C for float,
// Z2Z for double). Plans use cuFFT's 64-bit interface, so a single transform may exceed 2^31
// elements; batches are split into plans of at most INT_MAX elements each, which also bounds the
// plan's work area. One plan serves both directions; it runs on the stream given at construction.
#include <cuda_runtime.h>
#include <cufft.h>

#include <string>

#include "cufft_errors.hpp"
#include "fft_layout.hpp"
#include "phasis/fft/fft.hpp"

namespace phasis {
namespace {

using fft_detail::check;

static_assert(sizeof(Complex<float>) == sizeof(cufftComplex) && alignof(Complex<float>) <= alignof(cufftComplex));
static_assert(sizeof(Complex<double>) == sizeof(cufftDoubleComplex) &&
              alignof(Complex<double>) <= alignof(cufftDoubleComplex));

/// The single and double precision cuFFT calls under one name.
template <class T>
struct Cufft;

template <>
struct Cufft<float> {
  using Cx = cufftComplex;
  static constexpr cufftType type = CUFFT_C2C;
  static cufftResult exec(cufftHandle h, Cx* data, int direction) { return cufftExecC2C(h, data, data, direction); }
};

template <>
struct Cufft<double> {
  using Cx = cufftDoubleComplex;
  static constexpr cufftType type = CUFFT_Z2Z;
  static cufftResult exec(cufftHandle h, Cx* data, int direction) { return cufftExecZ2Z(h, data, data, direction); }
};

}  // namespace

template <class T>
struct CufftPlan<T>::Impl {
  using Api = Cufft<T>;
  fft_detail::Layout layout;
  cufftHandle plans[2] = {0, 0};  // 0: full chunk, 1: remainder
  bool made[2] = {false, false};

  ~Impl() {
    for (int part = 0; part < 2; ++part)
      if (made[part]) cufftDestroy(plans[part]);
  }

  void make(void* stream) {
    long long n[3] = {0, 0, 0};
    const int rank = static_cast<int>(layout.dims.size());
    for (int d = 0; d < rank; ++d) n[d] = layout.dims[d];
    const long long dist = layout.per_transform;
    for (int part = 0; part < 2; ++part) {
      const long long howmany = part == 0 ? layout.chunk : layout.remainder;
      if (howmany == 0) continue;
      check(cufftCreate(&plans[part]), "creating a handle for", layout);
      made[part] = true;
      std::size_t work_bytes = 0;
      check(cufftMakePlanMany64(plans[part], rank, n, nullptr, 1, dist, nullptr, 1, dist, Api::type, howmany,
                                &work_bytes),
            "planning", layout);
      check(cufftSetStream(plans[part], static_cast<cudaStream_t>(stream)), "setting the stream of", layout);
    }
  }

  void run(int direction, Complex<T>* data) const {
    if (!data) throw InternalError("CufftPlan: null data pointer");
    auto* p = reinterpret_cast<typename Api::Cx*>(data);
    const int64_t full = layout.batch / layout.chunk;
    const int64_t step = layout.chunk * layout.per_transform;
    const char* doing = direction == CUFFT_FORWARD ? "running forward" : "running inverse";
    for (int64_t i = 0; i < full; ++i) check(Api::exec(plans[0], p + i * step, direction), doing, layout);
    if (layout.remainder) check(Api::exec(plans[1], p + full * step, direction), doing, layout);
  }
};

template <class T>
CufftPlan<T>::CufftPlan(std::vector<int> dims, int64_t batch, void* stream)
    : CufftPlan(std::move(dims), batch, stream, INT64_MAX) {}

template <class T>
CufftPlan<T>::CufftPlan(std::vector<int> dims, int64_t batch, void* stream, int64_t max_batch_per_plan)
    : impl_(std::make_unique<Impl>()) {
  impl_->layout = fft_detail::make_layout("CufftPlan", std::move(dims), batch, max_batch_per_plan);
  impl_->make(stream);
  batch_ = impl_->layout.batch;
  per_transform_ = impl_->layout.per_transform;
}

template <class T>
CufftPlan<T>::~CufftPlan() = default;

template <class T>
void CufftPlan<T>::forward(Complex<T>* device_data) const {
  impl_->run(CUFFT_FORWARD, device_data);
}

template <class T>
void CufftPlan<T>::inverse(Complex<T>* device_data) const {
  impl_->run(CUFFT_INVERSE, device_data);
}

template class CufftPlan<float>;
template class CufftPlan<double>;

}  // namespace phasis
