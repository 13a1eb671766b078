// The Difference Map solver, written once against a backend B (CpuBackend or CudaBackend) and a
// real type T: the first implementation of Solver<B, T> (solver.hpp), registered in solvers.hpp;
// reconstruct_cpu.cpp and reconstruct_cuda.cu instantiate it through the registry.
// Memory on the backend, per frame of M x M: exit waves 8 K L M^2 bytes (float) and amplitudes
// 4 M^2, plus one Fourier batch, the object planes with numerator and denominator, and the probe
// modes: about (8 K L + 4) / 4 times the input, 3x for a single mode.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <type_traits>
#include <vector>

#include "backend/tile_frames.hpp"
#include "phasis/core/error.hpp"
#include "phasis/ptycho/dm.hpp"
#include "ptycho/dm/dm_fused_fourier.hpp"
#include "phasis/exec/chunks.hpp"
#include "phasis/exec/events.hpp"
#include "ptycho/solver.hpp"
#include "ptycho/dm/dm_kernels.hpp"
#include "ptycho/frame_store.hpp"
#include "ptycho/model/frame_plan.hpp"
#include "ptycho/model/object_sums.hpp"
#include "ptycho/model/probe_modes.hpp"
#include "ptycho/model/recentre.hpp"
#include "ptycho/model/start.hpp"
#include "phasis/ptycho/modes.hpp"
#include "phasis/comm/communicator.hpp"

namespace phasis::dm {

inline void check_options(const DmOptions& o) {
  if (o.iterations < 1) throw InputError("iterations: expected at least 1; found " + std::to_string(o.iterations));
  if (o.overlap_iterations < 1)
    throw InputError("overlap iterations: expected at least 1; found " + std::to_string(o.overlap_iterations));
  if (o.probe_start < 0) throw InputError("probe start: expected >= 0; found " + std::to_string(o.probe_start));
  if (!(o.object_inertia > 0) || !(o.probe_inertia > 0))
    throw InputError("inertia: expected positive object and probe inertia");
  if (!(o.modulus_gain_limit == 0 || o.modulus_gain_limit >= 1))
    throw InputError("modulus gain limit: expected 0 (none) or >= 1; found " + std::to_string(o.modulus_gain_limit));
  if (!(o.fourier_relax >= 0)) throw InputError("fourier relax: expected >= 0; found " + std::to_string(o.fourier_relax));
  if (o.device_memory_limit < 0)
    throw InputError("device memory limit: expected >= 0 bytes; found " + std::to_string(o.device_memory_limit));
  if (o.batch_frames < 0) throw InputError("batch frames: expected >= 0; found " + std::to_string(o.batch_frames));
  if (o.probe_modes < 1 || o.probe_modes > 16)
    throw InputError("probe modes: expected 1 to 16; found " + std::to_string(o.probe_modes));
  if (o.object_modes < 1 || o.object_modes > 8)
    throw InputError("object modes: expected 1 to 8; found " + std::to_string(o.object_modes));
  if (o.orthogonalize_every < 1)
    throw InputError("orthogonalize every: expected at least 1; found " + std::to_string(o.orthogonalize_every));
}

/// How the Fourier pass runs; chosen once when the solver is built (choose_fourier_path).
enum class FourierPath { separate, fused256 };

template <class B, class T>
class DifferenceMap final : public Solver<B, T> {
 public:
  /// `reducer` sums the object and probe updates, the error and the data power over the parts of
  /// a distributed run (pr then holds this part's frames, in the whole scan's object frame).
  /// `name` and `step`: which member of the projection family runs (dm, raar, er; dm_kernels.hpp).
  /// `grow_from`: the frame store of the solver this one grows from (grown()): its frames stay
  /// where they are with their exit waves, and pr.amplitudes holds either every frame or only
  /// those after them.
  DifferenceMap(const B& backend, const PtychoProblem& pr, const DmOptions& opt, comm::Communicator& reducer,
                const char* name = "dm", ProjectionStep<T> step = ProjectionStep<T>::dm(),
                FrameStore<B, T>* grow_from = nullptr)
      : b_(backend), opt_(opt), name_(name), step_(step), reducer_(reducer), n_(pr.frames),
        g_{pr.frame_size, pr.frame_size * pr.frame_size, opt.probe_modes, opt.object_modes, pr.object_h, pr.object_w},
        memory_(plan_memory()),
        fourier_path_(choose_fourier_path()),
        probe_(model::starting_probe<T>(pr, opt, g_.k).to(B::memory)),
        object_(Shape{g_.l, g_.h, g_.w}, B::memory),
        offsets_(pr.offsets.to(B::memory)),
        sums_(backend, g_, pr, offsets_, opt.object_gather, reducer),
        valid_(pr.valid.to(B::memory)),
        frames_(grow_from ? FrameStore<B, T>(backend, std::move(*grow_from), fresh_amplitudes(pr, grow_from->frames()), n_,
                                             memory_.batch, memory_.stream)
                          : FrameStore<B, T>(backend, pr.amplitudes, n_, g_.modes() * g_.pix, g_.pix, memory_.batch,
                                             memory_.stream)),
        buf_(Shape{memory_.batch * g_.modes(), g_.m, g_.m}, B::memory),
        pnum_(Shape{g_.k, g_.m, g_.m}, B::memory), pden_(Shape{g_.k, g_.m, g_.m}, B::memory),
        relax_(Shape{memory_.batch}, B::memory), coeff_(Shape{g_.k, g_.k}, B::memory),
        occupancy_(size_t(g_.k), 1.0 / double(g_.k)) {
    // FFT plans (and cuFFT's work areas) only for runs whose Fourier pass uses them: the fused
    // kernels transform by themselves.
    if (fourier_path_ == FourierPath::separate) {
      const std::vector<int> dims{int(g_.m), int(g_.m)};
      plan_ = b_.template fft<T>(dims, memory_.batch * g_.modes());
      if (n_ % memory_.batch) tail_plan_ = b_.template fft<T>(dims, (n_ % memory_.batch) * g_.modes());
    }
    if (B::memory == Memory::device) {
      probe_chunks_ = std::clamp<int64_t>((int64_t(1) << 21) / (g_.k * g_.pix), 1, memory_.batch);
      if (probe_chunks_ > 1) {
        pparts_num_ = Array<Complex<T>>(Shape{probe_chunks_ * g_.k * g_.pix}, B::memory);
        pparts_den_ = Array<T>(Shape{probe_chunks_ * g_.k * g_.pix}, B::memory);
      }
    }
    change_ = b_.sums(1);
    object_.assign(model::starting_object<T>(pr, opt, g_.l));
    if (g_.k > 1) orthogonalize_probe();
    if (opt.start && opt.start->exit_waves.size() > 0) {
      restore(*opt.start, pr);
    } else {
      const int64_t carried = grow_from ? grow_from->frames() : 0;  // frames that keep their exit waves
      frames_.each_batch(false, false, true, [&](int64_t j0, int64_t nb, Complex<T>* psi, const float*) {
        const int64_t skip = std::clamp<int64_t>(carried - j0, 0, nb);
        if (skip == nb) return;
        b_.for_each((nb - skip) * g_.modes() * g_.pix, ExitWave<T>{psi + skip * g_.modes() * g_.pix, probe_.data(),
                                                                   object_.data(), offsets_.data() + 2 * (j0 + skip), g_});
      });
    }
    exits_ready_ = true;
    for (int64_t p = 0; p < g_.pix; ++p) valid_count_ += pr.valid[p] ? 1 : 0;
  }

  /// The first sum over the parts; call once every part has been constructed.
  void start() override {
    auto power = b_.sums(1);
    frames_.each_batch(false, true, false, [&](int64_t, int64_t nb, Complex<T>*, const float* amp) {
      b_.sum_into(nb * g_.pix, ValidPower{amp, valid_.data(), g_.pix}, power, 0);
    });
    valid_power_ = reducer_.sum(power.read()[0]);
    if (!(valid_power_ > 0)) throw InputError("data: expected some signal on valid pixels; found all zero");
  }

  /// One DM iteration; returns the difference-map error (see dm.hpp).
  double iterate(int it) override {
    change_.zero();  // |psi' - psi|^2 of every batch, summed on the backend and read once below
    const int64_t block = g_.modes() * g_.pix;  // exit-wave elements of one frame
    const bool fuse = opt_.fuse_exit_update;
    if (fuse) {  // the first object scatter runs inside the Fourier pass
      sums_.zero();
    }
    frames_.each_batch(true, true, true, [&](int64_t j0, int64_t nb, Complex<T>* psi, const float* amp) {
      const int64_t len = nb * block;
      const T inv_gain = opt_.modulus_gain_limit > 0 ? T(1.0 / opt_.modulus_gain_limit) : T(0);
      if (fourier_path_ == FourierPath::fused256) {
        fused_fourier(j0, nb, psi, amp, inv_gain);
      } else {
        const auto& plan = nb == memory_.batch ? *plan_ : *tail_plan_;
        b_.for_each(len, Reflect<T>{buf_.data(), psi, probe_.data(), object_.data(), offsets_.data(), g_, j0, step_});
        plan.forward(buf_.data());
        const T* relax = opt_.fourier_relax > 0 ? power_bound(nb, amp) : nullptr;
        b_.for_each(nb * g_.pix, ModulusProject<T>{buf_.data(), amp, valid_.data(), g_, T(1) / T(g_.m), relax, inv_gain});
        plan.inverse(buf_.data());
      }
      if (!fuse) {
        b_.sum_into(len, UpdateExit<T>{psi, buf_.data(), probe_.data(), object_.data(), offsets_.data(), g_, j0, step_},
                    change_, 0);
        return;
      }
      const int32_t* off = offsets_.data() + 2 * j0;
      if (g_.modes() == 1)
        sums_.add_with_extra(j0, nb, UpdateExitScatterSingle<T>{psi, buf_.data(), probe_.data(), object_.data(), off, g_, step_},
                             change_, 0);
      else
        sums_.add_with_extra(j0, nb, UpdateExitScatter<T>{psi, buf_.data(), probe_.data(), object_.data(), off, g_, step_},
                             change_, 0);
    });
    for (int k = 0; k < opt_.overlap_iterations; ++k) {
      if (fuse && k == 0)
        sums_.finish(object_.data(), opt_.object_inertia);  // its sums ran in the Fourier pass
      else
        update_object();
      if (it >= opt_.probe_start) update_probe();
    }
    if (g_.k > 1 && it >= opt_.probe_start && (it + 1) % opt_.orthogonalize_every == 0) orthogonalize_probe();
    return reducer_.sum(change_.read()[0]) / valid_power_;  // the iteration's one wait for a sum
  }

  const std::vector<double>& occupancy() const { return occupancy_; }
  /// The error and, with several probe modes, each mode's occupancy in %.
  exec::Values values(double error) const override {
    return model::with_occupancies({{"error", error}}, occupancy_);
  }
  /// The current object and probe modes (this part's view: pixels outside its region are stale
  /// in a region exchange), on the backend.
  const Array<Complex<T>>& object() const override { return object_; }
  const Array<Complex<T>>& probe() const override { return probe_; }
  Array<Complex<T>>* constrained_probe() override { return &probe_; }
  /// Probe, object and every frame's exit waves, rolled within the frame as the probe moves.
  bool recentre(int64_t sy, int64_t sx) override {
    model::recentre_probe_and_object(b_, probe_, object_, g_.m, g_.h, g_.w, sy, sx);
    frames_.each_batch(true, false, true, [&](int64_t, int64_t nb, Complex<T>* psi, const float*) {
      const int64_t len = nb * g_.modes() * g_.pix;
      b_.for_each(len, model::RollFrames<T>{buf_.data(), psi, g_.m, sy, sx});
      copy_bytes(psi, B::memory, buf_.data(), B::memory, len * sizeof(Complex<T>));
    });
    return true;
  }
  bool streaming() const override { return memory_.stream; }
  int64_t batch() const override { return memory_.batch; }

  /// Streaming input: a solver on the grown scan from this one's object (placed in the new box;
  /// new pixels start as a fresh object would), probe modes and old exit waves; new frames start
  /// from P O, as every frame of a fresh start does. The old frames' state moves over (no copy
  /// while the store has room), so this solver is spent; `pr.amplitudes` may hold only the new
  /// frames.
  std::unique_ptr<Solver<B, T>> grown(const PtychoProblem& pr, int64_t dy, int64_t dx) override {
    if (pr.frames < n_ || dy < 0 || dx < 0 || pr.object_h < g_.h + dy || pr.object_w < g_.w + dx)
      throw InternalError("dm grown: expected the old frames and object box inside the new ones");
    const Array<Complex<T>> old = object_.to(Memory::host);
    Array<Complex<T>> placed = model::initial_object<T>(g_.l, pr.object_h, pr.object_w);
    for (int64_t l = 0; l < g_.l; ++l)
      for (int64_t y = 0; y < g_.h; ++y)
        for (int64_t x = 0; x < g_.w; ++x)
          placed[(l * pr.object_h + y + dy) * pr.object_w + x + dx] = old[(l * g_.h + y) * g_.w + x];
    auto start = std::make_shared<SolverStart>();
    start->object = model::convert<double>(placed);
    start->probe = model::convert<double>(probe_.to(Memory::host));
    DmOptions opt = opt_;
    opt.start = std::move(start);
    // This solver's frames move into the new one: it cannot iterate afterwards.
    auto next = std::make_unique<DifferenceMap>(b_, pr, opt, reducer_, name_, step_, &frames_);
    next->probe_.assign(probe_);  // exactly this probe (the constructor re-orthogonalises modes)
    next->occupancy_ = occupancy_;
    return next;
  }

  /// A checkpoint's state: object and probe modes, occupancies and (one part holding every frame)
  /// the exit waves, which with them determine every later iteration.
  void save_state(SolverStart& s, bool whole) const override {
    s.object = convert<double>(object_.to(Memory::host));
    s.probe = convert<double>(probe_.to(Memory::host));
    s.occupancy = occupancy_;
    if (!whole) return;
    s.exit_waves = frames_.exit_waves();
    s.exit_waves.reshape(Shape{n_, g_.modes(), g_.m, g_.m});
  }

  /// Collective when the parts exchange regions: each pixel of the object comes from its owner.
  SolverResult result() override {
    SolverResult r;
    r.algorithm = name_;
    sums_.gather_owned(object_);
    r.object = convert<double>(object_.to(Memory::host));
    r.probe = convert<double>(probe_.to(Memory::host));
    r.occupancy = occupancy_;
    r.streamed = memory_.stream;
    r.batch_frames = memory_.batch;
    r.device = B::name;
    r.fourier_path = fourier_path_ == FourierPath::fused256 ? "fused 256" : "separate";
    r.precision = sizeof(T) == 4 ? "float" : "double";
    return r;
  }

 private:
  /// The amplitudes of frames [kept, pr.frames) in pr: all frames given, or only those.
  static const float* fresh_amplitudes(const PtychoProblem& pr, int64_t kept) {
    const int64_t pix = pr.frame_size * pr.frame_size, given = pr.amplitudes.size() / std::max<int64_t>(pix, 1);
    if (pr.amplitudes.memory() == Memory::device || (given != pr.frames && given != pr.frames - kept))
      throw InternalError("dm grown: expected host amplitudes of every frame or of the new ones");
    return pr.amplitudes.data() + (given == pr.frames ? kept * pix : 0);
  }

  /// A checkpoint's exit waves, exact probe modes (not orthogonalised again) and occupancies.
  void restore(const SolverStart& s, const PtychoProblem& pr) {
    const Shape want{n_, g_.modes(), g_.m, g_.m};
    if (s.exit_waves.shape() != want)
      throw InputError("checkpoint exit waves: expected " + want.str() + " (frames, probe x object modes, frame); found " +
                       s.exit_waves.shape().str());
    frames_.load_exit_waves(s.exit_waves);
    probe_.assign(model::starting_probe<T>(pr, opt_, g_.k).to(B::memory));
    if (s.occupancy.size() == size_t(g_.k)) occupancy_ = s.occupancy;
  }

  /// Bytes per frame of exit waves and amplitudes, and of everything that does not grow with frames
  /// apart from the Fourier batch: object planes with numerator and denominator, probe arrays.
  int64_t frame_bytes() const { return g_.modes() * g_.pix * int64_t(sizeof(Complex<T>)) + g_.pix * 4; }
  int64_t fixed_bytes() const {
    // Tile lists: 4 bytes per tile and per (frame, tile) pair.
    const int64_t th = B::gather_tile[0], tw = B::gather_tile[1];
    const int64_t tiles = (g_.h + th - 1) / th * ((g_.w + tw - 1) / tw);
    const int64_t tile_bytes = 4 * (tiles + 1) + 4 * n_ * ((g_.m + th - 1) / th + 1) * ((g_.m + tw - 1) / tw + 1);
    // Chunked probe sums on a GPU (at most 2^21 elements of parts).
    const int64_t part_bytes =
        B::memory == Memory::device ? std::min<int64_t>(int64_t(1) << 21, n_ * g_.k * g_.pix) * int64_t(sizeof(Complex<T>) + sizeof(T)) : 0;
    return g_.l * g_.plane() * int64_t(2 * sizeof(Complex<T>) + sizeof(T)) + 4 * g_.k * g_.pix * int64_t(sizeof(Complex<T>)) +
           tile_bytes + part_bytes;
  }
  /// The frames' memory plan (model/frame_plan.hpp): exit waves and amplitudes stored per frame,
  /// the Fourier buffer per batch frame.
  model::FramePlan plan_memory() const {
    const model::FrameNeeds needs{n_, frame_bytes(), g_.modes() * g_.pix * int64_t(sizeof(Complex<T>)), fixed_bytes()};
    return model::plan_frames(needs, B::memory, model::memory_limit(B::memory, opt_.device_memory_limit),
                              opt_.stream_frames, opt_.batch_frames);
  }

  /// The Fourier pass's strategy, chosen once: phasis' fused 256-point kernels (float CUDA, one
  /// mode, 256 x 256 frames, no power bound, DmOptions::fused_fourier) or FFT plans and separate
  /// passes; both compute the same math. DmResult::fourier_path records which ran.
  FourierPath choose_fourier_path() const {
    // The fused kernels load 2 P O_j - psi: DM's and RAAR's Fourier input, not ER's.
    const bool fused = kCudaFloat && opt_.fused_fourier && fused_fourier_applies(g_) && opt_.fourier_relax == 0 &&
                       step_.reflects();
    return fused ? FourierPath::fused256 : FourierPath::separate;
  }

  /// The whole Fourier projection of a batch, psi -> buf_ through the inverse FFT, in the fused
  /// kernels (dm_fused_fourier.hpp), on the backend's stream.
  void fused_fourier(int64_t j0, int64_t nb, const Complex<T>* psi, const float* amp, T inv_gain) {
    if constexpr (kCudaFloat) {
      fused_fourier_projection(g_, j0, nb, psi, amp, buf_.data(), probe_.data(), object_.data(), offsets_.data(),
                               valid_.data(), inv_gain, b_.stream());
    } else {
      (void)j0, (void)nb, (void)psi, (void)amp, (void)inv_gain;
      throw InternalError("dm: the fused Fourier kernels exist for float CUDA runs only");
    }
  }

  /// Per-frame relaxation of the batch in buf_: frames whose mean squared amplitude misfit lies
  /// within the bound (fourier_relax times the Poisson variance of an amplitude, 1/4 photon) are
  /// left alone, others are moved only onto the bound's surface.
  const T* power_bound(int64_t nb, const float* amp) {
    std::vector<double> misfit(nb);
    b_.sum_segments(nb, g_.pix, FourierMisfit<T>{buf_.data(), amp, valid_.data(), g_, T(1) / T(g_.m)}, misfit.data());
    const double bound = 0.25 * opt_.fourier_relax;
    Array<T> relax(Shape{nb});
    for (int64_t k = 0; k < nb; ++k) {
      const double mean = misfit[k] / double(valid_count_);
      relax[k] = T(mean > bound ? std::sqrt(bound / mean) : 1.0);
    }
    copy_bytes(relax_.data(), B::memory, relax.data(), Memory::host, nb * sizeof(T));
    return relax_.data();
  }

  void update_object() {
    sums_.zero();
    frames_.each_batch(true, false, false, [&](int64_t j0, int64_t nb, Complex<T>* psi, const float*) {
      const int32_t* off = offsets_.data() + 2 * j0;
      if (g_.modes() == 1)
        sums_.add(j0, nb, ObjectTermsSingle<T>{psi, probe_.data(), off, g_});
      else
        sums_.add(j0, nb, ObjectTerms<T>{psi, probe_.data(), off, g_});
    });
    sums_.finish(object_.data(), opt_.object_inertia);
  }

  void update_probe() {
    const int64_t all = g_.k * g_.pix;
    frames_.each_batch(true, false, false, [&](int64_t j0, int64_t nb, Complex<T>* psi, const float*) {
      const int32_t* off = offsets_.data() + 2 * j0;
      const int64_t chunks = std::min(nb, probe_chunks_);
      if constexpr (B::memory == Memory::host) {  // contiguous runs of a row per call (ProbeTermRuns)
        b_.for_each(g_.k * g_.m * ProbeTermRuns<T>::runs(g_.m),
                    ProbeTermRuns<T>{pnum_.data(), pden_.data(), psi, object_.data(), off, g_, nb, j0 > 0});
        return;
      }
      if (chunks <= 1) {
        b_.for_each(all, ProbeTerms<T>{pnum_.data(), pden_.data(), psi, object_.data(), off, g_, nb, j0 > 0});
        return;
      }
      b_.for_each(chunks * all, ProbeTermChunks<T>{pparts_num_.data(), pparts_den_.data(), psi, object_.data(), off, g_, nb, chunks});
      b_.for_each(all, AddProbeChunks<T>{pnum_.data(), pden_.data(), pparts_num_.data(), pparts_den_.data(), all, chunks, j0 > 0});
    });
    reducer_.sum(reinterpret_cast<T*>(pnum_.data()), 2 * all, B::memory);
    reducer_.sum(pden_.data(), all, B::memory);
    const double mean_den = b_.sum(all, ValueOf<T>{pden_.data()}) / double(all);
    b_.for_each(all, InertialQuotient<T>{probe_.data(), pnum_.data(), pden_.data(), T(opt_.probe_inertia * mean_den)});
  }

  /// Diagonalises the probe modes' overlap matrix and recombines them (modes.hpp); records the
  /// occupancies.
  void orthogonalize_probe() {
    occupancy_ = model::orthogonalize_modes(b_, probe_, g_.k, g_.pix, coeff_, pnum_);
    if (!exits_ready_) return;
    const int64_t block = g_.modes() * g_.pix;
    frames_.each_batch(true, false, true, [&](int64_t, int64_t nb, Complex<T>* psi, const float*) {
      const int64_t len = nb * block;
      b_.for_each(len, MixExitModes<T>{buf_.data(), psi, coeff_.data(), g_});
      copy_bytes(psi, B::memory, buf_.data(), B::memory, len * sizeof(Complex<T>));
    });
  }

  // The fused Fourier kernels exist only in CUDA builds and for float; elsewhere the code that
  // names them is discarded (if constexpr), so CPU-only builds never reference them.
  static constexpr bool kCudaFloat = B::memory == Memory::device && std::is_same_v<T, float>;

  const B& b_;
  DmOptions opt_;
  const char* name_;
  ProjectionStep<T> step_;
  comm::Communicator& reducer_;
  int64_t n_;
  Geometry g_;
  model::FramePlan memory_;  // frames on the device or streamed, and the batch
  FourierPath fourier_path_;
  Array<Complex<T>> probe_, object_;
  Array<int32_t> offsets_;
  model::ObjectSums<B, T> sums_;  // the object's overlap sums, combined over the parts
  Array<uint8_t> valid_;
  FrameStore<B, T> frames_;
  Array<Complex<T>> buf_;
  Array<Complex<T>> pnum_;
  Array<T> pden_, relax_;
  // Probe sums on a GPU run in chunks of frames (ProbeTermChunks) so that about 2^21 threads share
  // the batch; the CPU's threads are busy with one probe pixel each (1 chunk, no parts).
  int64_t probe_chunks_ = 1;
  Array<Complex<T>> pparts_num_;
  Array<T> pparts_den_;
  Array<Complex<T>> coeff_;
  std::unique_ptr<typename B::template Fft<T>> plan_, tail_plan_;  // null on the fused path
  std::vector<double> occupancy_;
  double valid_power_ = 0;
  int64_t valid_count_ = 0;
  bool exits_ready_ = false;  // psi exists, so orthogonalisation must mix it too
  typename B::Sums change_;    // the iteration's exit-wave change, on the backend
};

/// The registry's factories (solvers.hpp): DM, RAAR and ER from their own options.
template <class B, class T>
std::unique_ptr<Solver<B, T>> make_solver(const B& backend, const PtychoProblem& pr, const SolverOptions& options,
                                          comm::Communicator& reducer) {
  const DmOptions& opt = options_as<DmOptions>(options, "dm");
  check_options(opt);
  return std::make_unique<DifferenceMap<B, T>>(backend, pr, opt, reducer);
}

template <class B, class T>
std::unique_ptr<Solver<B, T>> make_raar(const B& backend, const PtychoProblem& pr, const SolverOptions& options,
                                        comm::Communicator& reducer) {
  const RaarOptions& opt = options_as<RaarOptions>(options, "raar");
  check_options(opt);
  if (!(opt.beta > 0 && opt.beta <= 1))
    throw InputError("raar beta: expected a value in (0, 1] (1 is DM); found " + std::to_string(opt.beta));
  return std::make_unique<DifferenceMap<B, T>>(backend, pr, opt, reducer, "raar", ProjectionStep<T>::raar(opt.beta));
}

template <class B, class T>
std::unique_ptr<Solver<B, T>> make_er(const B& backend, const PtychoProblem& pr, const SolverOptions& options,
                                      comm::Communicator& reducer) {
  const DmOptions& opt = options_as<DmOptions>(options, "er");
  check_options(opt);
  return std::make_unique<DifferenceMap<B, T>>(backend, pr, opt, reducer, "er", ProjectionStep<T>::er());
}

}  // namespace phasis::dm
