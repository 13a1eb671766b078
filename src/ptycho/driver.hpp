// The one loop that runs any solver (solver.hpp) on one part of a reconstruction: build it through
// the registry (solvers.hpp), agree with the other parts that every one could, then iterate,
// reporting progress (part 0), spans (every part) and snapshots (part 0, when the sink wants
// them), and collect the result. reconstruct_on makes the backend for a Device; its
// instantiations for each backend live in reconstruct_cpu.cpp and reconstruct_cuda.cu.
#pragma once

#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "phasis/core/error.hpp"
#include "phasis/exec/events.hpp"
#include "phasis/exec/interrupt.hpp"
#include "ptycho/model/misfit.hpp"
#include "ptycho/probe_constraints.hpp"
#include "ptycho/reconstruct_entry.hpp"
#include "ptycho/solvers.hpp"

namespace phasis {

/// The registry's solver of that name, built; InputError naming the known ones otherwise.
template <class B, class T>
std::unique_ptr<Solver<B, T>> make_solver(const std::string& algorithm, const B& backend, const PtychoProblem& pr,
                                          const SolverOptions& options, comm::Communicator& reducer) {
  std::string known;
  for (const SolverEntry<B, T>& e : kSolvers<B, T>) {
    if (algorithm == e.name) return e.make(backend, pr, options, reducer);
    known += known.empty() ? e.name : std::string(", ") + e.name;
  }
  throw InputError("algorithm: expected one of " + known + "; found '" + algorithm + "'");
}

/// Runs one stage: stage `stage` of a chain whose earlier iterations left the errors `before` and
/// times `seconds_before` (checkpoints record them). A start with `iteration` set continues that stage from there.
template <class B, class T>
SolverResult run_solver(const B& backend, const std::string& algorithm, const PtychoProblem& pr,
                        const SolverOptions& options, exec::EventSink* events, comm::Communicator& reducer,
                        int stage = 0, const std::vector<double>& before = {},
                        const std::vector<double>& seconds_before = {}) {
  // A part that cannot start (bad options, out of device memory) must stop the others too, before
  // any of them waits in a sum.
  std::unique_ptr<Solver<B, T>> made;
  std::unique_ptr<ProbeConstraints<B, T>> constraints;  // supports and recentring, after each iteration
  comm::Failure failure;
  try {
    if (options.iterations < 1)
      throw InputError("iterations: expected at least 1; found " + std::to_string(options.iterations));
    if (pr.frames < 1) throw InputError("frames: expected at least one frame in each part; found none");
    if (!std::isfinite(options.object_inertia) || !std::isfinite(options.probe_inertia))
      throw InputError("inertia: expected finite object and probe inertia; found " + std::to_string(options.object_inertia) +
                       " and " + std::to_string(options.probe_inertia));
    made = make_solver<B, T>(algorithm, backend, pr, options, reducer);
    constraints = std::make_unique<ProbeConstraints<B, T>>(backend, *made, options, pr.frame_size, algorithm);
    if (options.refine_positions_from >= 0 && !made->refines_positions())
      throw InputError(algorithm + ": position refinement: expected a solver that refines positions (epie, rpie); found " +
                       algorithm);
  } catch (...) {
    failure = comm::failure_of(std::current_exception());
  }
  reducer.agree(failure);
  Solver<B, T>& solver = *made;
  solver.start();
  const int part = reducer.rank();
  exec::EventSink* reporter = part == 0 ? events : nullptr;  // progress, notes and snapshots: part 0
  if (reporter && solver.streaming())
    reporter->note("streaming: the frames do not fit the GPU; they stay in pinned host memory and pass through it in "
                   "batches of " + std::to_string(solver.batch()));
  const int first = options.start ? options.start->iteration : 0;  // a checkpoint's stage continues
  exec::ProgressMeter meter(reporter, algorithm, options.iterations, "iterations", first);
  std::vector<double> errors, seconds;
  bool interrupted = false;
  // Checkpoints: part 0 saves the state after the due iterations (counted over the whole chain) and
  // when it stops on request; every frame's state only when it holds every frame.
  const CheckpointPolicy* checkpoint = options.checkpoint && options.checkpoint->write ? options.checkpoint.get() : nullptr;
  auto save = [&](int done) {
    SolverStart s;
    solver.save_state(s, reducer.size() == 1);
    s.stage = stage;
    s.iteration = done;
    s.errors = before;
    s.errors.insert(s.errors.end(), errors.begin(), errors.end());
    s.seconds = seconds_before;
    s.seconds.insert(s.seconds.end(), seconds.begin(), seconds.end());
    checkpoint->write(s);
  };
  for (int it = first; it < options.iterations; ++it) {
    const auto t0 = std::chrono::steady_clock::now();
    double err = 0;
    {
      exec::ScopedSpan span(events, "iteration", "chunk", part, it);  // the device's work included
      err = solver.iterate(it);
      constraints->after_iteration(it, reporter);  // after the probe's update, before anyone sees it
      backend.synchronize();
    }
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    errors.push_back(err);
    seconds.push_back(dt);
    meter.update(it + 1, solver.values(err));
    const bool last = it + 1 == options.iterations;
    if (reporter && reporter->wants_snapshots() && options.snapshot_every > 0 &&
        ((it + 1) % options.snapshot_every == 0 || last)) {
      reporter->snapshot(exec::snapshot_of("object", it, solver.object()));
      reporter->snapshot(exec::snapshot_of("probe", it, solver.probe()));
    }
    exec::wait_while_paused();  // the live view's pause: between iterations, after the snapshot
    // Stop-and-save: every part must stop after the same iteration, so with several parts the
    // request is summed (one host scalar; a signal to any part stops them all).
    bool stop = exec::stop_requested();
    if (reducer.size() > 1) stop = reducer.sum(stop ? 1.0 : 0.0) > 0;
    const int total = int(before.size() + errors.size());
    if (checkpoint && part == 0 && !last && (stop || (checkpoint->every > 0 && total % checkpoint->every == 0)))
      save(it + 1);
    if (stop && !last) {
      interrupted = true;
      break;
    }
  }
  SolverResult r = solver.result();
  r.interrupted = interrupted;
  r.fourier_error = std::move(errors);
  r.iteration_seconds = std::move(seconds);
  return r;
}

/// The stages of a chain one after another on one backend, each from the object and probe the one
/// before left; the histories joined, the last stage's result.
template <class B, class T>
SolverResult run_chain(const B& backend, const SolverChain& chain, const PtychoProblem& pr, exec::EventSink* events,
                       comm::Communicator& reducer) {
  if (chain.empty()) throw InputError("algorithm: expected at least one solver; found none");
  SolverResult out;
  std::string name;
  // A checkpoint's start (on the first stage's options) resumes its stage; the stages before it ran.
  std::size_t resume = 0;
  const auto& given = chain[0].options ? chain[0].options->start : nullptr;
  if (given && (given->stage > 0 || given->iteration > 0)) {
    resume = std::size_t(given->stage);
    if (resume >= chain.size() || given->iteration >= chain[resume].options->iterations)
      throw InputError("resume: expected a checkpoint with iterations left in this chain of " + std::to_string(chain.size()) +
                       " stages; found stage " + std::to_string(given->stage + 1) + " with " +
                       std::to_string(given->iteration) + " iterations done");
    out.fourier_error = given->errors;
    out.iteration_seconds = given->seconds;
  }
  for (std::size_t s = 0; s < chain.size(); ++s) {
    const SolverStage& stage = chain[s];
    if (!stage.options) throw InputError("algorithm " + stage.algorithm + ": expected its options; found none");
    if (s < resume) {
      name += (s ? "," : "") + stage.algorithm + ":" + std::to_string(stage.options->iterations);
      continue;
    }
    std::unique_ptr<SolverOptions> own;
    const SolverOptions* options = stage.options.get();
    if (s == resume && resume > 0) {  // the checkpoint's stage continues from its state
      own = options->clone();
      own->start = given;
      options = own.get();
    } else if (s > 0) {  // every stage after the first starts where the one before stopped
      own = options->clone();
      auto start = std::make_shared<SolverStart>();
      start->object = std::move(out.object);
      start->probe = std::move(out.probe);
      if (!out.positions.empty()) start->positions = out.positions.to(Memory::host);  // refined by a stage before: the next starts from them
      own->start = std::move(start);
      options = own.get();
    }
    SolverResult r = run_solver<B, T>(backend, stage.algorithm, pr, *options, events, reducer, int(s), out.fourier_error,
                                      out.iteration_seconds);
    name += (s ? "," : "") + stage.algorithm + (chain.size() > 1 ? ":" + std::to_string(options->iterations) : "");
    r.fourier_error.insert(r.fourier_error.begin(), out.fourier_error.begin(), out.fourier_error.end());
    r.iteration_seconds.insert(r.iteration_seconds.begin(), out.iteration_seconds.begin(), out.iteration_seconds.end());
    if (r.positions.empty()) r.positions = std::move(out.positions), r.positions_given = std::move(out.positions_given);
    out = std::move(r);
    if (out.interrupted) break;  // the later stages do not start
  }
  if (chain.size() > 1) out.algorithm = name;
  return out;
}

/// The entry the dispatch point calls (reconstruct.cpp): a backend for `device`, then the chain,
/// then the result's R-factor against the data.
template <class B, class T>
SolverResult reconstruct_on(const Device& device, const PtychoProblem& pr, const SolverChain& chain,
                            exec::EventSink* events, comm::Communicator& reducer) {
  const B backend(device);
  SolverResult r = run_chain<B, T>(backend, chain, pr, events, reducer);
  r.r_factor = model::r_factor<B, T>(backend, pr, r, reducer);  // every part: a sum over all
  return r;
}

}  // namespace phasis
