// Where the Difference Map keeps its per-frame state (exit waves psi and amplitudes), and how the
// solver visits it batch by batch. Resident: both live in backend memory and a batch is a pointer
// into them. Streaming (data larger than the GPU): both live in pinned host memory and batches pass
// through two device slots, the next batch's copy in flight while the current one computes
// (Staging in the backend). Every pass of the solver over frames goes through each_batch(), so the
// two modes run the same kernels on the same batches.
#pragma once

#include "phasis/exec/chunks.hpp"  // for ChunkPlan

#include <algorithm>
#include <cstdint>

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/core/error.hpp"
#include "ptycho/model/start.hpp"

namespace phasis::dm {

template <class B, class T>
class FrameStore {
 public:
  /// n frames of `block` exit-wave elements and `pix` amplitudes; batches of `batch` frames.
  /// `backend` queues the staging's compute side (its stream on CUDA).
  FrameStore(const B& backend, const Array<float>& amplitudes, int64_t n, int64_t block, int64_t pix, int64_t batch,
             bool stream)
      : n_(n), capacity_(n), block_(block), pix_(pix), batch_(batch), plan_{n, batch}, stream_(stream),
        staging_(backend.staging()) {
    allocate(n_);
    copy_bytes(amp_store().data(), amp_store().memory(), amplitudes.data(), amplitudes.memory(),
               size_t(n_ * pix_) * sizeof(float));
  }

  /// A store of n frames that takes over `from`'s first frames where they are (the exit waves
  /// and amplitudes of a grown scan, streaming input) and appends the amplitudes of frames
  /// [from.frames(), n) from `fresh` (host, (n - from.frames()) x pix). Room is kept for half as
  /// many frames again, so a scan growing a few frames at a time moves its stored frames
  /// O(log n) times, not at every growth (and when the grown scan no longer fits on the device,
  /// they move once to host memory).
  FrameStore(const B& backend, FrameStore&& from, const float* fresh, int64_t n, int64_t batch, bool stream)
      : n_(n), capacity_(from.capacity_), block_(from.block_), pix_(from.pix_), batch_(batch), plan_{n, batch},
        stream_(stream), staging_(backend.staging()) {
    const int64_t kept = from.n_;
    if (n < kept || from.block_ <= 0) throw InternalError("FrameStore: grown from a larger store");
    if (n <= capacity_ && stream == from.stream_) {
      psi_host_ = std::move(from.psi_host_), amp_host_ = std::move(from.amp_host_);
      if (!stream_) psi_ = std::move(from.psi_), amp_ = std::move(from.amp_);
    } else {
      capacity_ = std::max(n, kept + kept / 2);
      allocate(capacity_);
      copy_bytes(psi_store().data(), psi_store().memory(), from.psi_store().data(), from.psi_store().memory(),
                 size_t(kept * block_) * sizeof(Complex<T>));
      copy_bytes(amp_store().data(), amp_store().memory(), from.amp_store().data(), from.amp_store().memory(),
                 size_t(kept * pix_) * sizeof(float));
    }
    if (stream_) slots();
    copy_bytes(amp_store().data() + kept * pix_, amp_store().memory(), fresh, Memory::host,
               size_t((n - kept) * pix_) * sizeof(float));
  }

  /// Every frame's exit waves as double on the host (a checkpoint's; float converts exactly).
  Array<Complex<double>> exit_waves() const {
    Array<Complex<T>> h(Shape{n_ * block_});
    copy_bytes(h.data(), Memory::host, psi_store().data(), psi_store().memory(), h.bytes());
    return model::convert<double>(h);
  }
  /// Sets every frame's exit waves from a checkpoint's (n x block values, any shape).
  void load_exit_waves(const Array<Complex<double>>& from) {
    if (from.size() != n_ * block_) throw InternalError("FrameStore::load_exit_waves: sizes differ");
    const Array<Complex<T>> h = model::convert<T>(from);
    copy_bytes(psi_store().data(), psi_store().memory(), h.data(), Memory::host, h.bytes());
  }

  bool streaming() const { return stream_; }
  int64_t frames() const { return n_; }
  int64_t batch() const { return batch_; }

  /// fn(j0, nb, psi, amp) for every batch, in order; psi and amp (backend memory) hold frames
  /// [j0, j0 + nb). `need_psi` / `need_amp`: the pass reads them; `writes_psi`: it changes psi.
  template <class F>
  void each_batch(bool need_psi, bool need_amp, bool writes_psi, F fn) {
    if (!stream_) {
      for (int64_t b = 0; b < plan_.count(); ++b) {
        const exec::Range r = plan_.at(b);
        fn(r.begin, r.size(), psi_.data() + r.begin * block_, amp_.data() + r.begin * pix_);
      }
      return;
    }
    const int64_t batches = plan_.count();
    auto fetch = [&](int64_t b) {
      const int s = int(b % 2);
      const int64_t j0 = plan_.at(b).begin, nb = plan_.at(b).size();
      if (need_psi)
        staging_.fetch(s, slot_psi(s), psi_host_.data() + j0 * block_, size_t(nb * block_) * sizeof(Complex<T>));
      if (need_amp) staging_.fetch(s, slot_amp(s), amp_host_.data() + j0 * pix_, size_t(nb * pix_) * sizeof(float));
      staging_.fetched(s);
    };
    fetch(0);
    for (int64_t b = 0; b < batches; ++b) {
      if (b + 1 < batches) fetch(b + 1);
      const int s = int(b % 2);
      const int64_t j0 = plan_.at(b).begin, nb = plan_.at(b).size();
      staging_.use(s);
      fn(j0, nb, slot_psi(s), slot_amp(s));
      if (writes_psi)
        staging_.store(s, psi_host_.data() + j0 * block_, slot_psi(s), size_t(nb * block_) * sizeof(Complex<T>));
      else
        staging_.release(s);
    }
    staging_.drain();
  }

 private:
  // Where every frame's state lives: backend memory (resident) or pinned host memory (streaming).
  Array<Complex<T>>& psi_store() { return stream_ ? psi_host_ : psi_; }
  const Array<Complex<T>>& psi_store() const { return stream_ ? psi_host_ : psi_; }
  Array<float>& amp_store() { return stream_ ? amp_host_ : amp_; }
  const Array<float>& amp_store() const { return stream_ ? amp_host_ : amp_; }

  /// Room for `frames` frames of state, and the device slots when streaming.
  void allocate(int64_t frames) {
    if (!stream_) {
      psi_ = Array<Complex<T>>(Shape{frames * block_}, B::memory);
      amp_ = Array<float>(Shape{frames * pix_}, B::memory);
      return;
    }
    // Pinned, so that copies to the GPU run asynchronously (plain host memory for the CPU backend).
    constexpr Memory host = B::memory == Memory::device ? Memory::pinned : Memory::host;
    psi_host_ = Array<Complex<T>>(Shape{frames * block_}, host);
    amp_host_ = Array<float>(Shape{frames * pix_}, host);
    slots();
  }
  void slots() {
    psi_ = Array<Complex<T>>(Shape{2 * batch_ * block_}, B::memory);
    amp_ = Array<float>(Shape{2 * batch_ * pix_}, B::memory);
  }

  Complex<T>* slot_psi(int s) { return psi_.data() + s * batch_ * block_; }
  float* slot_amp(int s) { return amp_.data() + s * batch_ * pix_; }

  int64_t n_, capacity_, block_, pix_, batch_;  // capacity_: frames the stores have room for
  exec::ChunkPlan plan_;  // the batches: chunks of `batch_` frames (the last one shorter)
  bool stream_;
  Array<Complex<T>> psi_, psi_host_;
  Array<float> amp_, amp_host_;
  typename B::Staging staging_;
};

}  // namespace phasis::dm
