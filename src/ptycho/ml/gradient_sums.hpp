// The likelihood's gradients and their preconditioning weights in one buffer on the backend, so
// that one all-reduce combines them over the parts of a distributed run. Layout (reals): the
// gradient as V complex values (the object's L planes, then the probe's K modes), then the
// weights D as V reals (sum |P|^2 under each object pixel, sum |O|^2 over each probe pixel). The
// object's terms are gathered per object pixel over the frames above it (TileFrames: no atomics,
// the same order on every backend) or scattered from every frame pixel, as DM's overlap sums are.
#pragma once

#include <cstdint>

#include "backend/tile_frames.hpp"
#include "phasis/comm/communicator.hpp"
#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
#include "ptycho/model/forward.hpp"

namespace phasis::ml {

template <class B, class T>
class GradientSums {
 public:
  /// `host_offsets`: the frames' offsets on the host (for the tile lists); `offsets` the same on
  /// the backend.
  GradientSums(const B& backend, const model::Geometry& g, const Array<int32_t>& host_offsets,
               const Array<int32_t>& offsets, bool gather)
      : b_(backend), g_(g), offsets_(offsets), gather_(gather),
        tiles_(host_offsets, g.m, g.h, g.w, B::memory, B::gather_tile[0], B::gather_tile[1]),
        buf_(Shape{3 * size()}, B::memory) {}

  /// V: complex values of the gradient, reals of the weights.
  int64_t size() const { return g_.l * g_.plane() + g_.k * g_.pix; }
  int64_t object_size() const { return g_.l * g_.plane(); }

  void zero() { buf_.zero(); }
  Complex<T>* gradient() { return reinterpret_cast<Complex<T>*>(buf_.data()); }
  T* weight() { return buf_.data() + 2 * size(); }
  Complex<T>* probe_gradient() { return gradient() + object_size(); }
  T* probe_weight() { return weight() + object_size(); }

  /// Adds the object terms of frames [j0, j0 + nb): f of ObjectTerms' form.
  template <class F>
  void add_object(int64_t j0, int64_t nb, F f) {
    if (gather_)
      b_.template gather_add<T>(tiles_.view(offsets_.data()), g_.l, j0, nb, f, gradient(), weight());
    else
      b_.template scatter_add<T>(nb * g_.l, g_.m, g_.m, f, gradient(), weight(), object_size());
  }

  /// Collective: the one reduction of the iteration's gradients and weights over the parts.
  void combine(comm::Communicator& parts) { parts.sum(buf_.data(), 3 * size(), B::memory); }

 private:
  const B& b_;
  model::Geometry g_;
  const Array<int32_t>& offsets_;
  bool gather_;
  TileFrames tiles_;
  Array<T> buf_;
};

}  // namespace phasis::ml
