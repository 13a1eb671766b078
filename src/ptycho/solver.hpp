// The interface every ptychography solver implements, over a backend B and a real type T. The
// driver (driver.hpp) builds a solver through the registry (solvers.hpp), makes every part agree
// that it could, then calls start() once and iterate() per iteration, reporting progress, spans
// and snapshots, and finally result(); the solver owns its model pieces (frame store, object sums,
// probe modes: model/ and frame_store.hpp) and the math between them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/core/error.hpp"
#include "phasis/exec/events.hpp"
#include "phasis/comm/communicator.hpp"
#include "phasis/ptycho/problem.hpp"
#include "phasis/ptycho/reconstruct.hpp"
#include "ptycho/model/start.hpp"

namespace phasis {

template <class B, class T>
class Solver {
 public:
  virtual ~Solver() = default;
  /// Collective first sums over the parts (the data's power); after every part is built.
  virtual void start() = 0;
  /// One iteration (0-based); returns the solver's error.
  virtual double iterate(int it) = 0;
  /// What a progress line shows after an iteration with `error` (the error first).
  virtual exec::Values values(double error) const { return {{"error", error}}; }
  /// The current object and probe modes, on the backend (this part's view in a region exchange).
  virtual const Array<Complex<T>>& object() const = 0;
  virtual const Array<Complex<T>>& probe() const = 0;
  /// Frames stream from host memory, in batches of batch() frames (said once, as a note).
  virtual bool streaming() const { return false; }
  virtual int64_t batch() const { return 0; }
  /// The probe modes on the backend, for the driver to constrain between iterations (a probe
  /// support); null for solvers whose state a changed probe would make inconsistent (ML's
  /// conjugate directions), which the driver then refuses a support.
  virtual Array<Complex<T>>* constrained_probe() { return nullptr; }
  /// Probe recentring (model/recentre.hpp): moves the probe modes by (sy, sx) within the frame and
  /// the object with them, every exit wave it keeps with them; false for solvers that cannot (the
  /// driver refuses them the option).
  virtual bool recentre(int64_t sy, int64_t sx) {
    (void)sy, (void)sx;
    return false;
  }
  /// Whether it refines scan positions (SolverOptions::refine_positions_from); the driver refuses
  /// refinement for solvers that do not.
  virtual bool refines_positions() const { return false; }
  /// The state a checkpoint keeps (SolverStart) after an iteration: by default the object and
  /// probe; solvers with more state (DM's exit waves) add it when `whole` (one part holds every
  /// frame). Not collective; stage, iteration and errors are the driver's.
  virtual void save_state(SolverStart& s, bool whole) const {
    (void)whole;
    s.object = model::convert<double>(object().to(Memory::host));
    s.probe = model::convert<double>(probe().to(Memory::host));
  }
  /// Collective: the reconstruction (every part then holds the same object and probe).
  virtual SolverResult result() = 0;
  /// Streaming input (ptycho/streaming.hpp): the same solver on `grown`, whose first frames are
  /// this problem's in the same order and whose object box holds this one's pixel (y, x) at
  /// (y + dy, x + dx), carrying the solver's state (object, probe, each old frame's own state).
  /// start() is then due again. Solvers that cannot take frames while running say so.
  virtual std::unique_ptr<Solver> grown(const PtychoProblem& grown, int64_t dy, int64_t dx) {
    (void)grown, (void)dy, (void)dx;
    throw InputError("streaming input: expected a solver that takes frames while it runs (dm, raar, er); found another");
  }
};

/// Makes a solver from its own options type (a SolverOptions of the registered type: InputError
/// otherwise).
template <class B, class T>
using SolverFactory = std::unique_ptr<Solver<B, T>> (*)(const B& backend, const PtychoProblem& problem,
                                                        const SolverOptions& options, comm::Communicator& reducer);

/// A solver's options at their defaults, as its own type.
using OptionsFactory = std::unique_ptr<SolverOptions> (*)();
template <class Options>
std::unique_ptr<SolverOptions> default_options_of() {
  return std::make_unique<Options>();
}

template <class B, class T>
struct SolverEntry {
  const char* name;
  SolverFactory<B, T> make;
  OptionsFactory options;
};

/// The options of solver `name` as its own type, or InputError naming what was given.
template <class Options>
const Options& options_as(const SolverOptions& o, const char* name) {
  const Options* own = dynamic_cast<const Options*>(&o);
  if (!own) throw InputError(std::string("options of solver ") + name + ": expected its own options type; found another");
  return *own;
}

}  // namespace phasis
