// The maximum-likelihood solver (Thibault & Guizar-Sicairos 2012), written once against a backend
// B (CpuBackend or CudaBackend) and a real type T, registered in solvers.hpp; the model, the
// gradients, the preconditioned Polak-Ribiere directions and the exact line search are stated in
// include/phasis/ptycho/ml.hpp. Per iteration:
//   1. gradient pass over the frames' batches: P O_j, FFT, the likelihood's gradient in detector
//      space (and the cost and R-factor), inverse FFT, object and probe terms (GradientSums);
//      one reduction over the parts; the regulariser's gradient;
//   2. the preconditioned gradient and the conjugate direction (vectors over object and probe);
//   3. line pass: three exit-wave terms along the direction, their FFTs, and the quartic's five
//      coefficients per detector pixel, kept per frame in the frame store;
//   4. the line search (line_search.hpp): each point is one pass of sums over those coefficients
//      (no FFT), read once and summed over the parts;
//   5. the step.
// Memory per frame of M x M: the coefficients (5 M^2 reals) and the amplitudes; per batch frame,
// 3 K L M^2 complex values of FFT buffer. Frames stream from host memory when they do not fit (the
// same FrameStore as DM's, its per-frame block holding the coefficients).
#pragma once

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "phasis/comm/communicator.hpp"
#include "phasis/core/error.hpp"
#include "phasis/ptycho/ml.hpp"
#include "phasis/ptycho/modes.hpp"
#include "ptycho/dm/difference_map.hpp"  // DM's overlap functors
#include "ptycho/model/start.hpp"  // where every solver starts
#include "ptycho/frame_store.hpp"
#include "ptycho/ml/gradient_sums.hpp"
#include "ptycho/ml/line_search.hpp"
#include "ptycho/ml/ml_kernels.hpp"
#include "ptycho/model/fourier.hpp"
#include "ptycho/model/frame_plan.hpp"
#include "ptycho/model/overlap_terms.hpp"
#include "ptycho/model/probe_modes.hpp"
#include "ptycho/solver.hpp"

namespace phasis::ml {

inline void check_options(const MlOptions& o) {
  if (o.iterations < 1) throw InputError("iterations: expected at least 1; found " + std::to_string(o.iterations));
  if (o.noise != NoiseModel::poisson && o.noise != NoiseModel::gaussian)
    throw InputError("noise model: expected poisson or gaussian; found value " + std::to_string(int(o.noise)));
  if (!(o.object_smoothness >= 0) || !std::isfinite(o.object_smoothness))
    throw InputError("object smoothness: expected a finite value >= 0; found " + std::to_string(o.object_smoothness));
  if (o.line_search_steps < 1 || o.line_search_steps > 50)
    throw InputError("line search steps: expected 1 to 50; found " + std::to_string(o.line_search_steps));
  if (!(o.line_search_tolerance > 0 && o.line_search_tolerance < 1))
    throw InputError("line search tolerance: expected a value in (0, 1); found " + std::to_string(o.line_search_tolerance));
  if (o.probe_start < 0) throw InputError("probe start: expected >= 0; found " + std::to_string(o.probe_start));
  if (!(o.object_inertia > 0) || !(o.probe_inertia > 0))
    throw InputError("inertia: expected positive object and probe inertia (the preconditioner's floor)");
  if (o.device_memory_limit < 0)
    throw InputError("device memory limit: expected >= 0 bytes; found " + std::to_string(o.device_memory_limit));
  if (o.batch_frames < 0) throw InputError("batch frames: expected >= 0; found " + std::to_string(o.batch_frames));
  if (o.probe_modes < 1 || o.probe_modes > 16)
    throw InputError("probe modes: expected 1 to 16; found " + std::to_string(o.probe_modes));
  if (o.object_modes < 1 || o.object_modes > 8)
    throw InputError("object modes: expected 1 to 8; found " + std::to_string(o.object_modes));
}

/// What one iteration's line search did (for progress and tests).
struct LineReport {
  double gamma = 0;          // the step taken (0: none)
  double slope_start = 0;    // f'(0)
  double slope_end = 0;      // f' at the step taken
  int evaluations = 0;       // points evaluated past gamma = 0
  bool restarted = false;    // the direction was the preconditioned steepest descent
};

template <class B, class T>
class MaximumLikelihood final : public Solver<B, T> {
 public:
  MaximumLikelihood(const B& backend, const PtychoProblem& pr, const MlOptions& opt, comm::Communicator& reducer)
      : b_(backend), opt_(opt), reducer_(reducer), n_(pr.frames),
        g_{pr.frame_size, pr.frame_size * pr.frame_size, opt.probe_modes, opt.object_modes, pr.object_h, pr.object_w},
        block_((5 * g_.pix + 1) / 2),
        memory_(plan_memory()),
        probe_(model::starting_probe<T>(pr, opt, g_.k).to(B::memory)),
        object_(Shape{g_.l, g_.h, g_.w}, B::memory),
        offsets_(pr.offsets.to(B::memory)),
        valid_(pr.valid.to(B::memory)),
        grad_(backend, g_, pr.offsets, offsets_, opt.object_gather),
        frames_(backend, pr.amplitudes, n_, block_, g_.pix, memory_.batch, memory_.stream),
        buf_(Shape{3 * memory_.batch * g_.modes() * g_.pix}, B::memory),
        s_(Shape{grad_.size()}, B::memory), s_prev_(Shape{grad_.size()}, B::memory), d_(Shape{grad_.size()}, B::memory) {
    const std::vector<int> dims{int(g_.m), int(g_.m)};
    const int64_t tail = n_ % memory_.batch;
    plan_ = b_.template fft<T>(dims, memory_.batch * g_.modes());
    line_plan_ = b_.template fft<T>(dims, 3 * memory_.batch * g_.modes());
    if (tail) {
      tail_plan_ = b_.template fft<T>(dims, tail * g_.modes());
      tail_line_plan_ = b_.template fft<T>(dims, 3 * tail * g_.modes());
    }
    if (B::memory == Memory::device) {
      probe_chunks_ = std::clamp<int64_t>((int64_t(1) << 21) / (g_.k * g_.pix), 1, memory_.batch);
      if (probe_chunks_ > 1) {
        pparts_num_ = Array<Complex<T>>(Shape{probe_chunks_ * g_.k * g_.pix}, B::memory);
        pparts_den_ = Array<T>(Shape{probe_chunks_ * g_.k * g_.pix}, B::memory);
      }
    }
    object_.assign(model::starting_object<T>(pr, opt, g_.l));
    if (g_.k > 1) {  // the modes start orthogonal, as DM's do
      Array<Complex<T>> coeff(Shape{g_.k, g_.k}, B::memory), scratch(Shape{g_.k, g_.m, g_.m}, B::memory);
      model::orthogonalize_modes(b_, probe_, g_.k, g_.pix, coeff, scratch);
    }
    s_.zero(), s_prev_.zero(), d_.zero();
    scalars_ = b_.sums(3), means_ = b_.sums(2), dots_ = b_.sums(3);
    for (int64_t p = 0; p < g_.pix; ++p) valid_count_ += pr.valid[p] ? 1 : 0;
  }

  /// Collective: the data's power and the number of measurements over the parts.
  void start() override {
    auto power = b_.sums(1);
    frames_.each_batch(false, true, false, [&](int64_t, int64_t nb, Complex<T>*, const float* amp) {
      b_.sum_into(nb * g_.pix, model::ValidPower{amp, valid_.data(), g_.pix}, power, 0);
    });
    double totals[2] = {power.read()[0], double(n_ * valid_count_)};
    reducer_.sum(totals, 2, Memory::host);
    power_ = totals[0], measurements_ = totals[1];
    if (!(power_ > 0)) throw InputError("data: expected some signal on valid pixels; found all zero");
    mu_ = opt_.object_smoothness * power_ / double(g_.plane());
  }

  double iterate(int it) override {
    const bool probe_on = it >= opt_.probe_start;
    gradient_pass(probe_on);
    const bool restart = it == 0 || (probe_on && it == opt_.probe_start) || !moved_;
    line_.restarted = conjugate_direction(restart);
    line_pass();
    const LineOutcome o = minimise_along_line([&](double gamma) { return evaluate(gamma); }, opt_.line_search_steps,
                                              opt_.line_search_tolerance, last_gamma_ > 0 ? last_gamma_ : 1.0);
    moved_ = o.moved();
    line_.gamma = o.best.gamma, line_.slope_start = o.start.slope, line_.slope_end = o.best.slope;
    line_.evaluations = o.evaluations;
    if (moved_) {
      last_gamma_ = o.best.gamma;
      const int64_t split = grad_.object_size();
      b_.for_each(split, StepAlong<T>{object_.data(), d_.data(), T(o.best.gamma)});
      if (probe_on) b_.for_each(g_.k * g_.pix, StepAlong<T>{probe_.data(), d_.data() + split, T(o.best.gamma)});
    }
    return o.best.value / measurements_;
  }

  /// The error, the R-factor of the state the iteration started from, and the step.
  exec::Values values(double error) const override {
    return {{"error", error}, {"R", rfactor_}, {"step", line_.gamma}};
  }
  const Array<Complex<T>>& object() const override { return object_; }
  const Array<Complex<T>>& probe() const override { return probe_; }
  bool streaming() const override { return memory_.stream; }
  int64_t batch() const override { return memory_.batch; }

  /// The normalised cost (data and regulariser) of the state the last iteration started from, as
  /// its gradient pass computed it (FFTs of P O_j), and its R-factor.
  double start_error() const { return start_cost_ / measurements_; }
  double rfactor() const { return rfactor_; }
  const LineReport& line() const { return line_; }

  /// The normalised cost of the current state, by a gradient pass (for tests: independent of the
  /// line search's coefficients). Leaves the conjugate-gradient state alone.
  double current_error() {
    gradient_pass(false);
    return start_error();
  }

  /// The gradient dL/dz* of the current state (object planes, then probe modes) on the host, and
  /// the cost L (unnormalised, with the regulariser), for the finite-difference test.
  Array<Complex<double>> gradient(double& cost) {
    gradient_pass(true);
    cost = start_cost_;
    Array<Complex<T>> host(Shape{grad_.size()});
    copy_bytes(host.data(), Memory::host, grad_.gradient(), B::memory, host.bytes());
    return model::convert<double>(host);
  }
  /// Replaces the object and probe (L x H x W and K x M x M, host), for the finite-difference
  /// tests; runs start from SolverOptions::start instead (model/start.hpp).
  void set_state(const Array<Complex<T>>& object, const Array<Complex<T>>& probe) {
    if (object.size() != object_.size() || probe.size() != probe_.size())
      throw InputError("ml state: expected an object of " + std::to_string(object_.size()) + " and a probe of " +
                       std::to_string(probe_.size()) + " values; found " + std::to_string(object.size()) + " and " +
                       std::to_string(probe.size()));
    object_.assign(object), probe_.assign(probe);
    moved_ = false;  // the next direction restarts
  }

  SolverResult result() override {
    SolverResult r;
    r.algorithm = "ml";
    r.object = model::convert<double>(object_.to(Memory::host));
    r.probe = model::convert<double>(probe_.to(Memory::host));
    r.occupancy = occupancy(r.probe);
    r.streamed = memory_.stream;
    r.batch_frames = memory_.batch;
    r.device = B::name;
    r.fourier_path = "separate";
    r.precision = sizeof(T) == 4 ? "float" : "double";
    return r;
  }

 private:
  /// Coefficients (block_ complex values per frame) and amplitudes stored per frame; three
  /// exit-wave terms per batch frame.
  model::FramePlan plan_memory() const {
    const int64_t cx = sizeof(Complex<T>);
    const int64_t v = g_.l * g_.plane() + g_.k * g_.pix;
    const int64_t th = B::gather_tile[0], tw = B::gather_tile[1];
    const int64_t tiles = (g_.h + th - 1) / th * ((g_.w + tw - 1) / tw);
    const int64_t tile_bytes = 4 * (tiles + 1) + 4 * n_ * ((g_.m + th - 1) / th + 1) * ((g_.m + tw - 1) / tw + 1);
    const int64_t part_bytes = B::memory == Memory::device
                                   ? std::min<int64_t>(int64_t(1) << 21, n_ * g_.k * g_.pix) * int64_t(cx + sizeof(T))
                                   : 0;
    const int64_t fixed = v * (3 * int64_t(sizeof(T)) + 4 * cx) + tile_bytes + part_bytes;
    const model::FrameNeeds needs{n_, block_ * cx + 4 * g_.pix, 3 * g_.modes() * g_.pix * cx, fixed};
    return model::plan_frames(needs, B::memory, model::memory_limit(B::memory, opt_.device_memory_limit),
                              opt_.stream_frames, opt_.batch_frames);
  }

  /// Step 1: the gradients and weights (combined over the parts), the cost and the R-factor of the
  /// current state; the regulariser's share added.
  void gradient_pass(bool probe_on) {
    grad_.zero();
    scalars_.zero();
    const T inv_pix = T(1) / T(g_.pix);
    const bool poisson = opt_.noise == NoiseModel::poisson;
    frames_.each_batch(false, true, false, [&](int64_t j0, int64_t nb, Complex<T>*, const float* amp) {
      const auto& plan = nb == memory_.batch ? *plan_ : *tail_plan_;
      const int32_t* off = offsets_.data() + 2 * j0;
      b_.for_each(nb * g_.modes() * g_.pix, model::ExitWave<T>{buf_.data(), probe_.data(), object_.data(), off, g_});
      plan.forward(buf_.data());
      b_.sum_into(nb * g_.pix, model::FourierMisfit<T>{buf_.data(), amp, valid_.data(), g_, T(1) / T(g_.m)}, scalars_, 1);
      b_.sum_into(nb * g_.pix, DetectorGradient<T>{buf_.data(), amp, valid_.data(), g_, inv_pix, poisson}, scalars_, 0);
      plan.inverse(buf_.data());
      if (g_.modes() == 1)
        grad_.add_object(j0, nb, model::ObjectTermsSingle<T>{buf_.data(), probe_.data(), off, g_});
      else
        grad_.add_object(j0, nb, model::ObjectTerms<T>{buf_.data(), probe_.data(), off, g_});
      if (probe_on) add_probe_terms(j0, nb, off);
    });
    grad_.combine(reducer_);
    std::vector<double> s = scalars_.read();
    reducer_.sum(s.data(), 2, Memory::host);
    rfactor_ = s[1] / power_;
    start_cost_ = s[0];
    if (mu_ > 0) {
      b_.for_each(grad_.object_size(), SmoothnessGradient<T>{grad_.gradient(), object_.data(), g_, T(mu_)});
      start_cost_ += mu_ * b_.sum(grad_.object_size(), SmoothnessLine<T>{object_.data(), object_.data(), g_, LineTerm::value});
    }
  }

  /// sum_j sum_l conj(O^l_j) chi^{kl}_j and sum_j sum_l |O^l_j|^2 over the batch, added to the
  /// probe's part: the CPU by contiguous runs of a row per call, a GPU split over chunks of frames
  /// so that about 2^21 threads share the batch (DM's probe sums, model/overlap_terms.hpp).
  void add_probe_terms(int64_t j0, int64_t nb, const int32_t* off) {
    Complex<T>* num = grad_.probe_gradient();
    T* den = grad_.probe_weight();
    const int64_t all = g_.k * g_.pix, chunks = std::min(nb, probe_chunks_);
    if constexpr (B::memory == Memory::host) {
      b_.for_each(g_.k * g_.m * model::ProbeTermRuns<T>::runs(g_.m),
                  model::ProbeTermRuns<T>{num, den, buf_.data(), object_.data(), off, g_, nb, j0 > 0});
    } else if (chunks <= 1) {
      b_.for_each(all, model::ProbeTerms<T>{num, den, buf_.data(), object_.data(), off, g_, nb, j0 > 0});
    } else {
      b_.for_each(chunks * all, model::ProbeTermChunks<T>{pparts_num_.data(), pparts_den_.data(), buf_.data(),
                                                          object_.data(), off, g_, nb, chunks});
      b_.for_each(all, model::AddProbeChunks<T>{num, den, pparts_num_.data(), pparts_den_.data(), all, chunks, j0 > 0});
    }
  }

  /// Step 2: s = M g, beta (Polak-Ribiere, restarted when negative, when asked, or when the
  /// direction would not descend), d = -s + beta d. Returns whether it restarted. Every part holds
  /// the same combined gradient, so these sums need no reduction.
  bool conjugate_direction(bool restart) {
    const int64_t v = grad_.size(), split = grad_.object_size();
    means_.zero();
    b_.sum_into(split, model::ValueOf<T>{grad_.weight()}, means_, 0);
    b_.sum_into(v - split, model::ValueOf<T>{grad_.probe_weight()}, means_, 1);
    const std::vector<double> m = means_.read();
    const T c_object = T(opt_.object_inertia * m[0] / double(split));
    const T c_probe = T(opt_.probe_inertia * m[1] / double(v - split));
    std::swap(s_, s_prev_);
    dots_.zero();
    b_.sum_into(v, Precondition<T>{s_.data(), grad_.gradient(), grad_.weight(), split, c_object, c_probe}, dots_, 0);
    b_.sum_into(v, model::InnerTerm<T>{grad_.gradient(), s_prev_.data(), false}, dots_, 1);
    b_.sum_into(v, model::InnerTerm<T>{grad_.gradient(), d_.data(), false}, dots_, 2);
    const std::vector<double> r = dots_.read();
    const double gs = r[0], gs_prev = r[1], gd = r[2];
    double beta = restart || !(gs_prev_ > 0) ? 0.0 : std::max(0.0, (gs - gs_prev) / gs_prev_);
    if (beta > 0 && -gs + beta * gd >= 0) beta = 0;  // Re <g, d> >= 0: not a descent direction
    gs_prev_ = gs;
    b_.for_each(v, ConjugateDirection<T>{d_.data(), s_.data(), T(beta)});
    return beta == 0;
  }

  /// Step 3: the quartic's coefficients of every frame's intensities along the direction.
  void line_pass() {
    const int64_t split = grad_.object_size();
    const T inv_pix = T(1) / T(g_.pix);
    frames_.each_batch(false, false, true, [&](int64_t j0, int64_t nb, Complex<T>* coeff, const float*) {
      const auto& plan = nb == memory_.batch ? *line_plan_ : *tail_line_plan_;
      const int64_t stride = nb * g_.modes() * g_.pix;
      b_.for_each(stride, LineWaves<T>{buf_.data(), stride, probe_.data(), d_.data() + split, object_.data(), d_.data(),
                                       offsets_.data() + 2 * j0, g_});
      plan.forward(buf_.data());
      b_.for_each(nb * g_.pix, LineCoefficients<T>{reinterpret_cast<T*>(coeff), 2 * block_, buf_.data(), stride, g_, inv_pix});
    });
    if (mu_ > 0) {
      dots_.zero();
      for (int t = 0; t < 3; ++t)
        b_.sum_into(split, SmoothnessLine<T>{object_.data(), d_.data(), g_, LineTerm(t)}, dots_, t);
      const std::vector<double> v = dots_.read();
      for (int t = 0; t < 3; ++t) reg_line_[t] = mu_ * v[size_t(t)];
    } else {
      reg_line_[0] = reg_line_[1] = reg_line_[2] = 0;
    }
  }

  /// Step 4's evaluation: the cost and its first two derivatives at gamma along the direction, one
  /// pass over the coefficients, read once and summed over the parts; the regulariser's quadratic
  /// added.
  LinePoint evaluate(double gamma) {
    scalars_.zero();
    const bool poisson = opt_.noise == NoiseModel::poisson;
    frames_.each_batch(true, true, false, [&](int64_t, int64_t nb, Complex<T>* coeff, const float* amp) {
      const T* c = reinterpret_cast<const T*>(coeff);
      for (int t = 0; t < 3; ++t)
        b_.sum_into(nb * g_.pix, LineCost<T>{c, 2 * block_, amp, valid_.data(), g_.pix, T(gamma), poisson, LineTerm(t)},
                    scalars_, t);
    });
    std::vector<double> s = scalars_.read();
    reducer_.sum(s.data(), 3, Memory::host);
    const double* r = reg_line_;
    return {gamma, s[0] + r[0] + gamma * (r[1] + gamma * r[2]), s[1] + r[1] + 2 * gamma * r[2], s[2] + 2 * r[2]};
  }

  /// Each probe mode's share of the power (the modes are not re-orthogonalised during ML).
  std::vector<double> occupancy(const Array<Complex<double>>& probe) const {
    std::vector<double> power(size_t(g_.k), 0.0);
    double total = 0;
    for (int64_t k = 0; k < g_.k; ++k)
      for (int64_t p = 0; p < g_.pix; ++p) power[size_t(k)] += norm2(probe[k * g_.pix + p]);
    for (double p : power) total += p;
    for (double& p : power) p = total > 0 ? p / total : 0;
    return power;
  }

  const B& b_;
  MlOptions opt_;
  comm::Communicator& reducer_;
  int64_t n_;
  model::Geometry g_;
  int64_t block_;  // complex values per frame in the frame store: the 5 M^2 line coefficients
  model::FramePlan memory_;
  Array<Complex<T>> probe_, object_;
  Array<int32_t> offsets_;
  Array<uint8_t> valid_;
  GradientSums<B, T> grad_;
  dm::FrameStore<B, T> frames_;
  Array<Complex<T>> buf_;            // three exit-wave terms of a batch (the gradient pass uses the first)
  Array<Complex<T>> s_, s_prev_, d_;  // preconditioned gradients (this and the last iteration's), direction
  std::unique_ptr<typename B::template Fft<T>> plan_, tail_plan_, line_plan_, tail_line_plan_;
  int64_t probe_chunks_ = 1;  // probe sums on a GPU: chunks of the batch's frames, and their parts
  Array<Complex<T>> pparts_num_;
  Array<T> pparts_den_;
  // Sums on the backend, each read once where it is needed: the frames' cost terms (gradient pass,
  // line points), the weights' means, the vectors' inner products and the regulariser's line.
  typename B::Sums scalars_, means_, dots_;
  double reg_line_[3] = {0, 0, 0};  // the regulariser along the line: r0 + r1 gamma + r2 gamma^2
  double power_ = 0, measurements_ = 1, mu_ = 0;
  double start_cost_ = 0, rfactor_ = 0, gs_prev_ = 0, last_gamma_ = 0;
  int64_t valid_count_ = 0;
  bool moved_ = false;
  LineReport line_;
};

/// The registry's factory (solvers.hpp): ML from its own options.
template <class B, class T>
std::unique_ptr<Solver<B, T>> make_solver(const B& backend, const PtychoProblem& pr, const SolverOptions& options,
                                          comm::Communicator& reducer) {
  const MlOptions& opt = options_as<MlOptions>(options, "ml");
  check_options(opt);
  return std::make_unique<MaximumLikelihood<B, T>>(backend, pr, opt, reducer);
}

}  // namespace phasis::ml
