// The object's overlap sums, for any ptychography solver: numerator and denominator planes that
// frames add their terms to (gathered per object pixel over the frames above it, TileFrames, or
// scattered per frame pixel), combined over the parts of a distributed run (all-reduce of the
// whole planes, or, with the parts' regions, each part's overlaps sent to its neighbours), then
// turned into the object by the inertial quotient. A solver supplies the terms (a functor of
// ObjectTerms' form); the sums, their order and their communication are the same for every solver.
#pragma once

#include <algorithm>
#include <vector>

#include "backend/tile_frames.hpp"
#include "phasis/comm/communicator.hpp"
#include "phasis/ptycho/problem.hpp"
#include "ptycho/model/overlap_terms.hpp"  // Geometry and the sums' functors (ValueOf, InertialQuotient, regions)

namespace phasis::model {

template <class B, class T>
class ObjectSums {
 public:
  /// `offsets`: the frames' offsets on the backend (the tile lists are built from pr.offsets on the
  /// host); `gather`: per object pixel (no atomics, the same order on every backend), else scattered.
  ObjectSums(const B& backend, const model::Geometry& g, const PtychoProblem& pr, const Array<int32_t>& offsets,
             bool gather, comm::Communicator& parts)
      : b_(backend), g_(g), offsets_(offsets), gather_(gather), parts_(parts),
        tiles_(pr.offsets, g.m, g.h, g.w, B::memory, B::gather_tile[0], B::gather_tile[1]),
        num_(Shape{g.l, g.h, g.w}, B::memory), den_(Shape{g.l, g.h, g.w}, B::memory) {
    if (!pr.regions.empty()) plan_exchange(pr.regions);
  }

  void zero() {
    num_.zero();
    den_.zero();
  }

  /// Adds the terms of frames [j0, j0 + nb) (functor f of ObjectTerms' form, "frames" j L + l of
  /// the batch).
  template <class F>
  void add(int64_t j0, int64_t nb, F f) {
    if (gather_)
      b_.template gather_add<T>(tiles_.view(offsets_.data()), g_.l, j0, nb, f, num_.data(), den_.data());
    else
      b_.template scatter_add<T>(nb * g_.l, g_.m, g_.m, f, num_.data(), den_.data(), g_.l * g_.plane());
  }

  /// add() for functors that also return a scalar per pixel; the scalars' sum is added to slot k of
  /// `sums` (on the backend: nothing waits for it).
  template <class F>
  void add_with_extra(int64_t j0, int64_t nb, F f, typename B::Sums& sums, int k) {
    if (gather_)
      b_.template gather_add_sum<T>(tiles_.view(offsets_.data()), g_.l, j0, nb, f, num_.data(), den_.data(), sums, k);
    else
      b_.template scatter_add_sum<T>(nb * g_.l, g_.m, g_.m, f, num_.data(), den_.data(), g_.l * g_.plane(), sums, k);
  }

  /// Collective: combines this part's sums over the parts and sets object = the inertial quotient,
  /// with inertia `inertia` times the mean weight.
  void finish(Complex<T>* object, double inertia) {
    const int64_t all = g_.l * g_.plane();
    // The mean weight from this part's own sums, before they are combined: the same total either way.
    const double mean_den = parts_.sum(b_.sum(all, model::ValueOf<T>{den_.data()})) / double(all);
    if (exchanges_regions()) {
      exchange();
    } else {
      parts_.sum(reinterpret_cast<T*>(num_.data()), 2 * all, B::memory);
      parts_.sum(den_.data(), all, B::memory);
    }
    b_.for_each(all, model::InertialQuotient<T>{object, num_.data(), den_.data(), T(inertia * mean_den)});
  }

  /// Collective when the parts exchange regions: each pixel of `object` from its owner (the sums'
  /// numerator serves as the scratch); nothing to do otherwise.
  void gather_owned(Array<Complex<T>>& object) {
    if (!exchanges_regions()) return;
    const int64_t all = g_.l * g_.plane();
    b_.for_each(all, model::OwnedObject<T>{num_.data(), object.data(), owned_.data(), g_.plane()});
    parts_.sum(reinterpret_cast<T*>(num_.data()), 2 * all, B::memory);
    object.assign(num_);
  }

  bool exchanges_regions() const { return !owned_.empty(); }

 private:
  /// With regions, a part needs the summed numerator and denominator only where its own frames
  /// fall, and only parts whose regions overlap contribute there: each part sends its sums over
  /// every overlap to that neighbour and adds what comes back, instead of an all-reduce over the
  /// whole object. Pixels outside the region keep stale values that no frame of this part reads.
  void plan_exchange(const std::vector<Region>& regions) {
    const int me = parts_.rank();
    const Region mine = regions[size_t(me)];
    Array<uint8_t> owned(Shape{g_.h, g_.w});
    for (int64_t y = 0; y < g_.h; ++y)
      for (int64_t x = 0; x < g_.w; ++x) {
        // Owner: the first part whose region holds the pixel; part 0 owns pixels no frame covers.
        int owner = 0;
        for (size_t q = 0; q < regions.size(); ++q) {
          const Region& r = regions[q];
          if (y >= r.y0 && y < r.y1 && x >= r.x0 && x < r.x1) {
            owner = int(q);
            break;
          }
        }
        owned[y * g_.w + x] = owner == me;
      }
    owned_ = owned.to(B::memory);
    for (size_t q = 0; q < regions.size(); ++q) {
      if (int(q) == me) continue;
      Region o{std::max(mine.y0, regions[q].y0), std::min(mine.y1, regions[q].y1), std::max(mine.x0, regions[q].x0),
               std::min(mine.x1, regions[q].x1)};
      if (o.y1 <= o.y0 || o.x1 <= o.x0) continue;
      Neighbour nb;
      nb.peer = int(q);
      nb.region = o;
      nb.send = Array<T>(Shape{3 * g_.l * o.pixels()}, B::memory);
      nb.recv = Array<T>(Shape{3 * g_.l * o.pixels()}, B::memory);
      neighbours_.push_back(std::move(nb));
    }
  }

  void exchange() {
    std::vector<comm::Communicator::Message> sends, recvs;
    for (Neighbour& nb : neighbours_) {
      const Region& r = nb.region;
      b_.for_each(g_.l * r.pixels(), model::PackRegion<T>{nb.send.data(), num_.data(), den_.data(), g_, r.y0, r.x0,
                                                       r.y1 - r.y0, r.x1 - r.x0});
      sends.push_back({nb.peer, nb.send.data(), int64_t(nb.send.bytes())});
      recvs.push_back({nb.peer, nb.recv.data(), int64_t(nb.recv.bytes())});
    }
    b_.synchronize();  // packed before any MPI send reads the buffers
    parts_.exchange(sends, recvs, B::memory);
    for (Neighbour& nb : neighbours_) {
      const Region& r = nb.region;
      b_.for_each(g_.l * r.pixels(), model::AddRegion<T>{nb.recv.data(), num_.data(), den_.data(), g_, r.y0, r.x0,
                                                      r.y1 - r.y0, r.x1 - r.x0});
    }
  }

  struct Neighbour {
    int peer = 0;
    Region region;        // overlap of this part's region with the peer's
    Array<T> send, recv;  // packed sums over it
  };

  const B& b_;
  model::Geometry g_;
  const Array<int32_t>& offsets_;
  bool gather_;
  comm::Communicator& parts_;
  TileFrames tiles_;  // frames per object tile, for the gathered sums
  Array<Complex<T>> num_;
  Array<T> den_;
  std::vector<Neighbour> neighbours_;
  Array<uint8_t> owned_;  // object pixels this part owns (region exchange only)
};

}  // namespace phasis::model
