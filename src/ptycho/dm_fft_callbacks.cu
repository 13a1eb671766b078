// DmFftCallbacks: CufftCallbackPlans with the embedded LTO callbacks (dm_fft_callbacks.lto.cu,
// compiled and embedded by CMakeLists.txt) and the device copy of their caller info.
#include <cuda_runtime.h>

#include <string>

#include "phasis/core/error.hpp"
#include "fft/cufft_callback_plan.hpp"
#include "ptycho/dm_fft_callback_info.hpp"
#include "ptycho/dm_fft_callbacks.hpp"

// The LTO fatbin's bytes, generated at build time (cmake/embed_file.cmake).
extern "C" const unsigned char phasis_dm_fft_callbacks_fatbin[];
extern "C" const std::size_t phasis_dm_fft_callbacks_fatbin_size;

namespace phasis::dm {
namespace {

void check_cuda(cudaError_t e, const char* doing) {
  if (e != cudaSuccess) throw DeviceError(std::string("fft callbacks: ") + doing + ": " + cudaGetErrorString(e));
}

}  // namespace

struct DmFftCallbacks::Impl {
  Geometry g;
  int64_t batch = 0;
  FftCallbackInfo* info = nullptr;  // device; both plans' callbacks read it
  std::unique_ptr<CufftCallbackPlan> full, tail;

  ~Impl() {
    full.reset();
    tail.reset();
    if (info) cudaFree(info);
  }
};

DmFftCallbacks::DmFftCallbacks(const Geometry& g, int64_t batch, int64_t tail) : impl_(std::make_unique<Impl>()) {
  if (g.modes() != 1)
    throw InternalError("fft callbacks: expected a single-mode run; found " + std::to_string(g.k) + " probe and " +
                        std::to_string(g.l) + " object modes");
  impl_->g = g;
  impl_->batch = batch;
  check_cuda(cudaMalloc(&impl_->info, sizeof(FftCallbackInfo)), "allocating the caller info");
  FftCallbacks cb;
  cb.fatbin = phasis_dm_fft_callbacks_fatbin;
  cb.fatbin_bytes = phasis_dm_fft_callbacks_fatbin_size;
  cb.load_symbol = kReflectLoadSymbol;
  cb.store_symbol = kModulusStoreSymbol;
  cb.caller_info = impl_->info;
  const std::vector<int> dims{int(g.m), int(g.m)};
  impl_->full = std::make_unique<CufftCallbackPlan>(dims, batch, cb);
  if (tail > 0) impl_->tail = std::make_unique<CufftCallbackPlan>(dims, tail, cb);
}

DmFftCallbacks::~DmFftCallbacks() = default;

void DmFftCallbacks::forward_project(int64_t j0, int64_t nb, const Complex<float>* psi, const float* amp,
                                     Complex<float>* buf, const Complex<float>* probe, const Complex<float>* object,
                                     const int32_t* offsets, const uint8_t* valid, float inv_gain) {
  const CufftCallbackPlan* plan = nb == impl_->batch ? impl_->full.get() : impl_->tail.get();
  if (!plan || plan->batch() != nb)
    throw InternalError("fft callbacks: no plan for a batch of " + std::to_string(nb) + " frames");
  const FftCallbackInfo info{probe, object, offsets + 2 * j0, amp, valid, impl_->g, 1.0f / float(impl_->g.m), inv_gain};
  // On the default stream, ahead of the FFT that reads it and after the previous batch's FFT. A
  // pageable source is staged before cudaMemcpyAsync returns, so `info` may go out of scope.
  check_cuda(cudaMemcpyAsync(impl_->info, &info, sizeof info, cudaMemcpyHostToDevice, nullptr),
             "copying the caller info");
  plan->forward(psi, buf);
}

}  // namespace phasis::dm
