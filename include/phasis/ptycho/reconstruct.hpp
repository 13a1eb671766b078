// Ptychographic reconstruction with any solver: what every solver shares (its options, its
// result, how progress and pictures are reported) and the entry that runs one by name. The
// solvers this build has are listed by solver_names(); each has its own options (dm.hpp:
// DmOptions for "dm"; pie.hpp: EpieOptions for "epie", RpieOptions for "rpie"; ml.hpp: MlOptions
// for "ml"; lsqml.hpp: LsqmlOptions for "lsqml"), derived from
// SolverOptions, and its own folder in src/ptycho/.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/core/device.hpp"
#include "phasis/exec/events.hpp"
#include "phasis/comm/communicator.hpp"
#include "phasis/ptycho/problem.hpp"

namespace phasis {

/// Where a solver starts: an object (L x H x W on the problem's object planes) and probe modes
/// (K x M x M), for instance another solver's result. Either may be empty (the default start).
/// With fewer modes than the solver runs, one mode is split as a fresh start would be.
/// A checkpoint is a start too (SolverOptions::checkpoint writes one): then `stage` and `iteration`
/// say where the run was, `errors` its history, and for the solvers whose per-frame state is more
/// than object and probe (dm, raar, er: the exit waves) `exit_waves` holds it, so the resumed run
/// continues exactly as the uninterrupted one would have.
struct SolverStart {
  Array<Complex<double>> object;
  Array<Complex<double>> probe;
  Array<double> positions;  // scan N x 2 corners in object pixels (a stage's refined ones); empty: the problem's
  // A checkpoint's state (empty, 0: a fresh start of the stage).
  Array<Complex<double>> exit_waves;  // N x K x L x M x M, the frames in the problem's order
  std::vector<double> occupancy;      // K probe-mode occupancies
  int stage = 0;                      // the chain's stage that was running
  int iteration = 0;                  // that stage's iterations done
  std::vector<double> errors;         // the whole chain's error history so far
  std::vector<double> seconds;        // and its iterations' times
};

/// When and how a run saves its state (SolverStart) between iterations: every `every`
/// iterations of the whole chain (0: never on a schedule) and when it stops on request; `write`
/// runs on part 0's thread. With several parts the state is part 0's object and probe only.
struct CheckpointPolicy {
  int every = 0;
  std::function<void(const SolverStart&)> write;
};

/// Options every solver reads. A solver's own options derive from this (DmOptions for "dm"), and
/// override clone() so that a copy keeps its type.
struct SolverOptions {
  virtual ~SolverOptions() = default;
  virtual std::unique_ptr<SolverOptions> clone() const { return std::make_unique<SolverOptions>(*this); }
  int iterations = 100;
  int probe_modes = 1;           // K: mutually incoherent probe modes (seed 000, fly scans)
  int object_modes = 1;          // L: object modes
  int orthogonalize_every = 1;   // iterations between probe-mode orthogonalisations (K > 1)
  int probe_start = 2;           // first iteration (0-based) that updates the probe
  double object_inertia = 1e-3;  // relative to the mean object denominator
  double probe_inertia = 1e-3;   // relative to the mean probe denominator
  int64_t batch_frames = 0;      // frames per Fourier batch; 0: chosen from memory (64 MiB CPU, 512 MiB GPU)
  // Device memory the solver may use, in bytes; 0: 90% of what is free. When the frames' exit waves
  // and amplitudes do not fit, they stay in pinned host memory and stream through the GPU in
  // batches, copies overlapping compute.
  int64_t device_memory_limit = 0;
  // Object sums gathered per object pixel over the frames above it (tile lists, no atomics, the same
  // order on every backend); false: scattered from every frame pixel (atomic adds on the GPU).
  bool object_gather = true;
  bool stream_frames = false;    // stream even when the frames fit (tests the streamed path anywhere)
  int snapshot_every = 10;       // iterations between snapshots, for event sinks that want them (and the last)
  // Position refinement (ePIE, rPIE; src/ptycho/model/positions.hpp): from this iteration (0-based)
  // of the solver on, each frame's position moves by the least-squares step of the data misfit's
  // gradient with respect to its shift; -1: never. Solvers that do not refine refuse >= 0.
  int refine_positions_from = -1;
  double position_step_limit = 1;     // largest move of one position in one iteration, pixels (> 0)
  double position_affine_gain = 1;    // the affine part of each iteration's steps taken this many times, in [1, 100]
  double position_affine_weight = 0;  // pull toward the affine scan model per iteration, in [0, 1] (0: none)
  // Probe supports, applied after every iteration that updates the probe (model/probe_support.hpp;
  // dm, raar, er, epie, rpie, lsqml): zero outside a disc of this radius about the frame's centre, pixels
  // (0: none; at most half the frame), and zero spectrum beyond this fraction of the detector's
  // half-width (0: none; at most 1).
  double probe_support_radius = 0;
  double probe_pupil = 0;
  // Every this many iterations (from probe_start), probe and object move back together when the
  // probe's intensity centroid is a pixel or more off the frame's centre (model/recentre.hpp;
  // dm, raar, er, epie, rpie, lsqml); 0: never.
  int probe_recentre_every = 0;
  // Start from this object and probe (null: the unit object and the problem's probe). A chain
  // sets it for each stage from the stage before; a user may set it to continue a run.
  std::shared_ptr<const SolverStart> start;
  // Checkpoints of the run (null: none); the chain's stages share one.
  std::shared_ptr<const CheckpointPolicy> checkpoint;
};

/// What every solver returns.
struct SolverResult {
  std::string algorithm;          // the solver that ran ("dm")
  Array<Complex<double>> object;  // L x object_h x object_w
  Array<Complex<double>> probe;   // K x M x M
  std::vector<double> occupancy;  // K probe-mode occupancies (fractions of the power), largest first
  std::vector<double> fourier_error;  // the solver's error per iteration (dm.hpp for DM's)
  std::vector<double> iteration_seconds;
  std::string device;             // "cpu" or "cuda"
  bool streamed = false;          // frames streamed from host memory (did not fit the device)
  bool interrupted = false;       // stopped early on request (exec/interrupt.hpp): fewer iterations ran
  int64_t batch_frames = 0;       // frames per Fourier batch used
  std::string precision;          // "float" or "double"
  std::string fourier_path;       // the Fourier pass that ran: "fused 256" or "separate"
  // Scan N x 2 frame corners in object pixels (y, x) as given and as the solver left them (refined
  // or sub-pixel); empty when the solver neither refines nor reports them.
  Array<double> positions_given, positions;
  // The R-factor of the final object and probe against the data, the same measure for every
  // solver (model/misfit.hpp: sum |a - A| / sum A over valid pixels); -1: not computed.
  double r_factor = -1;
};

/// The solvers of this build, by the name reconstruct() takes ("dm").
std::vector<std::string> solver_names();

/// Solver `name`'s own options type at its defaults (DmOptions for "dm", EpieOptions for "epie",
/// ...), to be changed and passed to reconstruct(); InputError for an unknown name.
std::unique_ptr<SolverOptions> default_solver_options(const std::string& name);

/// Runs solver `algorithm` on `device` in `precision`. `options` must be that solver's options type
/// (DmOptions for "dm"; InputError otherwise). `events` (may be null) receives, from part 0 of a
/// distributed run, one Progress per iteration (task = the algorithm, unit "iterations", values:
/// the error and, with several probe modes, each mode's occupancy in %), notes (frames streaming
/// from host memory), the object and probe as snapshots when it wants them (every
/// `snapshot_every` iterations, and the last), and from every part one span per iteration
/// (category "chunk", worker = part, chunk = iteration). `reducer`: the communicator of a distributed
/// run's parts, this run being one of them (comm/communicator.hpp; with `problem.regions` set, the
/// solver exchanges region overlaps through it); null for a whole run. Throws InputError for an unknown solver or bad
/// options, DeviceError for a device this build or machine lacks.
SolverResult reconstruct(const PtychoProblem& problem, const std::string& algorithm, const SolverOptions& options,
                           const Device& device, Precision precision, exec::EventSink* events = nullptr,
                           comm::Communicator* reducer = nullptr);

/// One stage of a chain of solvers (as PtyPy's engine lists): its solver and that solver's own
/// options, whose `iterations` are the stage's.
struct SolverStage {
  std::string algorithm;
  std::shared_ptr<const SolverOptions> options;
};
using SolverChain = std::vector<SolverStage>;

/// "dm:50,ml:100" -> the stages' solvers and iteration counts; a name alone ("dm") takes
/// `iterations`. InputError for an unknown solver, a count below 1, or an empty stage.
std::vector<std::pair<std::string, int>> parse_chain(const std::string& text, int iterations);

/// Runs the stages one after another on one backend, each starting from the object and probe the
/// one before left (SolverOptions::start). The result is the last stage's, with the error and
/// time histories of every stage in order and `algorithm` naming the chain ("dm:50,er:20").
/// Events as reconstruct()'s, per stage.
SolverResult reconstruct(const PtychoProblem& problem, const SolverChain& chain, const Device& device,
                         Precision precision, exec::EventSink* events = nullptr, comm::Communicator* reducer = nullptr);

}  // namespace phasis
