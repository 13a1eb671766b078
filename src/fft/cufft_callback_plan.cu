// CufftCallbackPlan: one cuFFT C2C plan with LTO load/store callbacks (cufftXtSetJITCallback, CUDA
// 12.6+; the CUDA 13 form takes the callback's symbol name). The callbacks must be attached after
// cufftCreate and before the plan is made, when cuFFT links them into its kernels with nvJitLink.
#include <cuda_runtime.h>
#include <cufftXt.h>

#include <climits>
#include <string>

#include "cufft_errors.hpp"
#include "fft_layout.hpp"
#include "fft/cufft_callback_plan.hpp"

namespace phasis {

static_assert(sizeof(Complex<float>) == sizeof(cufftComplex) && alignof(Complex<float>) <= alignof(cufftComplex));

struct CufftCallbackPlan::Impl {
  fft_detail::Layout layout;
  cufftHandle plan = 0;
  bool made = false;

  ~Impl() {
    if (made) cufftDestroy(plan);
  }
};

CufftCallbackPlan::CufftCallbackPlan(std::vector<int> dims, int64_t batch, const FftCallbacks& cb, void* stream)
    : impl_(std::make_unique<Impl>()) {
  using fft_detail::check;
  auto& l = impl_->layout;
  l = fft_detail::make_layout("CufftCallbackPlan", std::move(dims), batch, INT64_MAX);
  if (l.chunk != l.batch)
    throw InputError("CufftCallbackPlan: cannot plan " + fft_detail::describe(l.dims, l.batch) +
                     " with callbacks: expected at most " + std::to_string(INT_MAX) + " elements in one execution");
  if (!cb.fatbin || cb.fatbin_bytes == 0 || (!cb.load_symbol && !cb.store_symbol))
    throw InternalError("CufftCallbackPlan: expected an LTO fatbin and at least one callback symbol");
  check(cufftCreate(&impl_->plan), "creating a handle for", l);
  impl_->made = true;
  // cuFFT copies the caller-info pointer (one per GPU of the plan; this plan has one GPU).
  void* info[1] = {cb.caller_info};
  if (cb.load_symbol)
    check(cufftXtSetJITCallback(impl_->plan, cb.load_symbol, cb.fatbin, cb.fatbin_bytes, CUFFT_CB_LD_COMPLEX, info),
          "attaching the load callback to", l);
  if (cb.store_symbol)
    check(cufftXtSetJITCallback(impl_->plan, cb.store_symbol, cb.fatbin, cb.fatbin_bytes, CUFFT_CB_ST_COMPLEX, info),
          "attaching the store callback to", l);
  // The batch fits int (checked above), so the 32-bit planner, the one cuFFT's LTO callback
  // documentation pairs with cufftXtSetJITCallback, is enough.
  int n[3] = {0, 0, 0};
  const int rank = static_cast<int>(l.dims.size());
  for (int d = 0; d < rank; ++d) n[d] = l.dims[d];
  const int dist = static_cast<int>(l.per_transform);
  std::size_t work_bytes = 0;
  check(cufftMakePlanMany(impl_->plan, rank, n, nullptr, 1, dist, nullptr, 1, dist, CUFFT_C2C, static_cast<int>(l.batch),
                          &work_bytes),
        "planning (with LTO callbacks)", l);
  check(cufftSetStream(impl_->plan, static_cast<cudaStream_t>(stream)), "setting the stream of", l);
  batch_ = l.batch;
}

CufftCallbackPlan::~CufftCallbackPlan() = default;

void CufftCallbackPlan::forward(const Complex<float>* in, Complex<float>* out) const {
  if (!in || !out) throw InternalError("CufftCallbackPlan: null data pointer");
  if (in == out) throw InternalError("CufftCallbackPlan: expected an out-of-place transform");
  // cuFFT takes a non-const input. Callers rely on an out-of-place C2C leaving it intact (the DM
  // keeps psi): tests/gpu/test_dm_cuda.cpp would see psi change as a disagreement.
  auto* i = reinterpret_cast<cufftComplex*>(const_cast<Complex<float>*>(in));
  fft_detail::check(cufftExecC2C(impl_->plan, i, reinterpret_cast<cufftComplex*>(out), CUFFT_FORWARD),
                    "running forward (with LTO callbacks)", impl_->layout);
}

}  // namespace phasis
