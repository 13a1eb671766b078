// What the loops that run solvers (driver.hpp, streaming_loop.hpp) do to the probe after each
// iteration, whatever the solver: its supports (model/probe_support.hpp) and its recentring
// (model/recentre.hpp), for the solvers that allow a changed probe (Solver::constrained_probe).
#pragma once

#include <memory>
#include <string>

#include "phasis/core/error.hpp"
#include "phasis/exec/events.hpp"
#include "ptycho/model/probe_support.hpp"
#include "ptycho/model/recentre.hpp"
#include "ptycho/solver.hpp"

namespace phasis {

template <class B, class T>
class ProbeConstraints {
 public:
  /// InputError (one line) for impossible options, or options `solver` (named `algorithm`) cannot take.
  ProbeConstraints(const B& backend, Solver<B, T>& solver, const SolverOptions& o, int64_t frame_size,
                   const std::string& algorithm)
      : b_(backend), s_(&solver), o_(o), m_(frame_size) {
    model::check_probe_support(o, m_);
    if (o.probe_recentre_every < 0)
      throw InputError("probe recentre every: expected 0 (never) or a number of iterations; found " +
                       std::to_string(o.probe_recentre_every));
    support_ = o.probe_support_radius > 0 || o.probe_pupil > 0;
    const char* what = support_ ? "a probe support" : "probe recentring";
    if ((support_ || o.probe_recentre_every > 0) && !s_->constrained_probe())
      throw InputError(algorithm + ": " + what + ": expected a solver that takes it (dm, raar, er, epie, rpie, lsqml); found " +
                       algorithm);
    k_ = s_->probe().shape().rank == 3 ? s_->probe().shape()[0] : 1;
    if (o.probe_pupil > 0) plan_ = b_.template fft<T>({int(m_), int(m_)}, k_);
  }

  /// The solver a streamed scan grew into (the same algorithm and probe modes): the plan stays.
  void use(Solver<B, T>& grown) { s_ = &grown; }

  /// After iteration `it` (0-based): the supports, then, when due, the recentring (said to `events`).
  void after_iteration(int it, exec::EventSink* events) {
    if (it < o_.probe_start) return;
    if (support_) model::apply_probe_support(b_, *s_->constrained_probe(), k_, m_, o_, plan_.get());
    if (o_.probe_recentre_every > 0 && (it + 1) % o_.probe_recentre_every == 0) {
      // Every part holds the same probe, so every part makes the same move.
      const auto [sy, sx] = model::probe_recentring(s_->probe(), m_);
      if ((sy || sx) && s_->recentre(sy, sx) && events)
        events->note("probe: recentred by (" + std::to_string(-sy) + ", " + std::to_string(-sx) + ") pixels after iteration " +
                     std::to_string(it + 1));
    }
  }

 private:
  const B& b_;
  Solver<B, T>* s_;
  const SolverOptions& o_;
  int64_t m_, k_ = 1;
  bool support_ = false;
  std::unique_ptr<typename B::template Fft<T>> plan_;
};

}  // namespace phasis
