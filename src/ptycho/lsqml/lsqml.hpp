// LSQML (phasis/ptycho/lsqml.hpp: the equations, the options), written once against a backend B
// (CpuBackend or CudaBackend) and a real type T, registered in solvers.hpp as "lsqml";
// reconstruct_cpu.cpp and reconstruct_cuda.cu instantiate it through the registry.
//
// One iteration: the whole scan's frames in a random order (pie/frame_order.hpp), cut into
// batches; per batch, on this part's frames of it (consecutive in the part's order, possibly none):
//   psi = P O_j;  FFT;  the misfit;  the noise model's far-field update (gaussian: the modulus
//   projection; poisson: the per-frame step alpha_j by Newton steps, each one sum_segments pass);
//   inverse FFT;  chi;  the object's and probe's sums (PIE's functors with gamma = 0) packed into
//   ONE buffer and summed over the parts;  the maxima of both denominators (delta's scale) and the
//   directions dO (over the batch's box) and dP;  the five sums of every frame's 2 x 2 system
//   (one sum_segments pass), solved on the host;  the batch's mean steps summed over the parts;
//   the steps.
// Per batch only the box of the object (the rectangle its frames cover, joined over the parts) is
// zeroed, packed, reduced and stepped, as PIE's.
// Memory on the backend: the amplitudes (4 M^2 per frame), one batch of exit waves (8 K L M^2 per
// batch frame in float), the object, its sums and the packed sums (about 4.5 planes of complex per
// object mode), the probe's direction.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "backend/tile_frames.hpp"
#include "phasis/core/error.hpp"
#include "phasis/ptycho/lsqml.hpp"
#include "phasis/ptycho/modes.hpp"
#include "ptycho/lsqml/lsqml_kernels.hpp"
#include "ptycho/lsqml/step_length.hpp"
#include "ptycho/model/fourier.hpp"
#include "ptycho/model/overlap_terms.hpp"
#include "ptycho/model/probe_modes.hpp"
#include "ptycho/model/recentre.hpp"
#include "ptycho/model/start.hpp"  // where every solver starts
#include "ptycho/pie/batching.hpp"
#include "ptycho/pie/frame_order.hpp"
#include "ptycho/pie/pie_kernels.hpp"
#include "ptycho/solver.hpp"

namespace phasis::lsqml {

/// One line per bad value.
inline void check_options(const LsqmlOptions& o) {
  const std::string s = "lsqml ";
  if (o.iterations < 1) throw InputError(s + "iterations: expected at least 1; found " + std::to_string(o.iterations));
  if (o.mini_batch < 1)
    throw InputError(s + "mini batch: expected >= 1 frames; found " + std::to_string(o.mini_batch));
  if (o.noise != NoiseModel::poisson && o.noise != NoiseModel::gaussian)
    throw InputError(s + "noise model: expected poisson or gaussian; found value " + std::to_string(int(o.noise)));
  if (!(o.delta >= 0 && o.delta < 1)) throw InputError(s + "delta: expected in [0, 1); found " + std::to_string(o.delta));
  if (!(o.step_limit > 0 && o.step_limit <= 10))
    throw InputError(s + "step limit: expected in (0, 10]; found " + std::to_string(o.step_limit));
  if (o.probe_start < 0) throw InputError(s + "probe start: expected >= 0; found " + std::to_string(o.probe_start));
  if (o.probe_modes < 1 || o.probe_modes > 16)
    throw InputError(s + "probe modes: expected 1 to 16; found " + std::to_string(o.probe_modes));
  if (o.object_modes < 1 || o.object_modes > 8)
    throw InputError(s + "object modes: expected 1 to 8; found " + std::to_string(o.object_modes));
  if (o.orthogonalize_every < 1)
    throw InputError(s + "orthogonalize every: expected at least 1; found " + std::to_string(o.orthogonalize_every));
  if (!(o.modulus_gain_limit == 0 || o.modulus_gain_limit >= 1))
    throw InputError(s + "modulus gain limit: expected 0 (none) or >= 1; found " + std::to_string(o.modulus_gain_limit));
  if (o.batch_frames != 0)
    throw InputError(s + "batch frames: expected 0 (its batch is the mini batch, which changes the algorithm); found " +
                     std::to_string(o.batch_frames));
  if (o.stream_frames) throw InputError(s + "stream frames: expected false (the amplitudes stay on the device); found true");
  if (o.device_memory_limit < 0)
    throw InputError(s + "device memory limit: expected >= 0 bytes; found " + std::to_string(o.device_memory_limit));
}

/// What the last batch of an iteration did (progress and tests): the mean steps taken.
struct StepReport {
  double object = 0, probe = 0;
};

template <class B, class T>
class Lsqml final : public Solver<B, T> {
 public:
  /// `reducer` sums each batch's terms, its steps, the misfit and the data power over the parts of
  /// a distributed run (pr then holds this part's frames, pr.frame_ids their places in the scan).
  Lsqml(const B& backend, const PtychoProblem& pr, const LsqmlOptions& opt, comm::Communicator& reducer)
      : serial_(pie::serial_backend<B>(pr, std::max<int64_t>(opt.mini_batch, 1), opt.probe_modes, opt.object_modes)),
        b_(serial_ ? *serial_ : backend), opt_(opt), reducer_(reducer), pr_(pr),
        n_(pr.frames),
        g_{pr.frame_size, pr.frame_size * pr.frame_size, opt.probe_modes, opt.object_modes, pr.object_h, pr.object_w},
        probe_(model::starting_probe<T>(pr, opt, g_.k).to(B::memory)),
        object_(model::starting_object<T>(pr, opt, g_.l).to(B::memory)),
        amplitudes_(pr.amplitudes.to(B::memory)), valid_(pr.valid.to(B::memory)),
        object_num_(Shape{g_.l, g_.h, g_.w}, B::memory), object_den_(Shape{g_.l, g_.h, g_.w}, B::memory),
        packed_(Shape{3 * g_.l * g_.plane() + 1 + 3 * g_.k * g_.pix}, B::memory),
        dprobe_(Shape{g_.k, g_.m, g_.m}, B::memory),
        rows_(Shape{rows_for(g_.l * g_.plane()) + rows_for(g_.k * g_.pix)}, B::memory), maxima_(Shape{2}, B::memory),
        coeff_(Shape{g_.k, g_.k}, B::memory), scratch_(Shape{g_.k, g_.m, g_.m}, B::memory),
        occupancy_(size_t(g_.k), 1.0 / double(g_.k)) {
    if (!pr.frame_ids.empty() && int64_t(pr.frame_ids.size()) != n_)
      throw InputError("frame ids: expected one per frame (" + std::to_string(n_) + "); found " +
                       std::to_string(pr.frame_ids.size()));
    object_num_.zero();
    object_den_.zero();
    dprobe_.zero();
    if (g_.k > 1) orthogonalize_probe();
    misfit_ = b_.sums(1);
  }

  /// Collective: the scan's frame count and the data power over the parts; the batches' buffers.
  void start() override {
    int64_t scan = 0;
    const std::vector<int64_t> ids = pie::scan_frame_ids(pr_, n_, reducer_, scan);
    batch_ = std::min(opt_.mini_batch, scan);
    order_ = std::make_unique<pie::GlobalBatches>(ids, scan, batch_);
    capacity_ = std::max<int64_t>(1, std::min(batch_, n_));
    buf_ = Array<Complex<T>>(Shape{capacity_ * g_.modes(), g_.m, g_.m}, B::memory);
    buf_.zero();  // slots past a short batch go through the FFT too (BatchPlans), never read
    batch_amp_ = Array<float>(Shape{capacity_, g_.pix}, B::memory);
    zeros_ = Array<T>(Shape{capacity_}, B::memory);
    zeros_.zero();
    alpha_dev_ = Array<T>(Shape{capacity_}, B::memory);
    order_dev_ = Array<int32_t>(Shape{std::max<int64_t>(n_, 1)}, B::memory);
    offsets_dev_ = Array<int32_t>(Shape{std::max<int64_t>(n_, 1), 2}, B::memory);
    fourier_sums_.assign(size_t(2 * capacity_), 0.0);
    system_sums_.assign(size_t(5 * capacity_), 0.0);

    auto power = b_.sums(1);
    b_.sum_into(n_ * g_.pix, model::ValidPower{amplitudes_.data(), valid_.data(), g_.pix}, power, 0);
    valid_power_ = reducer_.sum(power.read()[0]);
    if (!(valid_power_ > 0)) throw InputError("data: expected some signal on valid pixels; found all zero");
  }

  /// One iteration over every batch; returns the misfit (lsqml.hpp).
  double iterate(int it) override {
    draw_order(uint64_t(it));
    misfit_.zero();
    const bool probe = it >= opt_.probe_start;
    double sum_o = 0, sum_p = 0;
    for (int64_t b = 0; b < order_->batches(); ++b) {
      const StepReport s = update_batch(order_->start(b), order_->size(b), probe);
      sum_o += s.object, sum_p += s.probe;
    }
    steps_ = {sum_o / double(order_->batches()), sum_p / double(order_->batches())};
    if (g_.k > 1 && probe && (it + 1) % opt_.orthogonalize_every == 0) orthogonalize_probe();
    return reducer_.sum(misfit_.read()[0]) / valid_power_;  // the iteration's one wait for the misfit
  }

  /// The error, the iteration's mean object and probe steps, each mode's occupancy.
  exec::Values values(double error) const override {
    return model::with_occupancies({{"error", error}, {"step O", steps_.object}, {"step P", steps_.probe}}, occupancy_);
  }
  const Array<Complex<T>>& object() const override { return object_; }
  const Array<Complex<T>>& probe() const override { return probe_; }
  Array<Complex<T>>* constrained_probe() override { return &probe_; }
  /// Probe and object only: the solver keeps no per-frame waves.
  bool recentre(int64_t sy, int64_t sx) override {
    model::recentre_probe_and_object(b_, probe_, object_, g_.m, g_.h, g_.w, sy, sx);
    return true;
  }
  int64_t batch() const override { return batch_; }
  /// The last iteration's mean steps over its batches (for tests and progress).
  const StepReport& steps() const { return steps_; }

  /// Every part already holds the whole object and probe (every batch's sums are reduced over the
  /// parts before the steps).
  SolverResult result() override {
    SolverResult r;
    r.algorithm = "lsqml";
    r.object = model::convert<double>(object_.to(Memory::host));
    r.probe = model::convert<double>(probe_.to(Memory::host));
    r.occupancy = occupancy_;
    r.batch_frames = batch_;
    r.device = B::name;
    r.fourier_path = "separate";
    r.precision = sizeof(T) == 4 ? "float" : "double";
    return r;
  }

 private:
  /// Elements per row of the maxima's first pass (StridedRowMax), and the rows n values take.
  static constexpr int64_t kRow = 256;
  static int64_t rows_for(int64_t n) { return (n + kRow - 1) / kRow; }

  /// The iteration's order (the same on every part) on the backend: this part's frames as they
  /// come, their offsets in that order, and the tile lists of those offsets for the gathered sums.
  void draw_order(uint64_t it) {
    order_->draw(opt_.seed + it);
    const std::vector<int32_t>& order = order_->order();
    Array<int32_t> frames(Shape{std::max<int64_t>(n_, 1)}), offsets(Shape{std::max<int64_t>(n_, 1), 2});
    for (int64_t i = 0; i < n_; ++i) {
      const int64_t f = order[size_t(i)];
      frames[i] = int32_t(f);
      offsets[2 * i] = pr_.offsets[2 * f];
      offsets[2 * i + 1] = pr_.offsets[2 * f + 1];
    }
    order_dev_.assign(frames);
    offsets_dev_.assign(offsets);
    if (opt_.object_gather && n_ > 0)
      tiles_ = TileFrames(offsets, g_.m, g_.h, g_.w, B::memory, B::gather_tile[0], B::gather_tile[1]);
    order_offsets_ = std::move(offsets);
  }

  /// Step 1 of a batch of nb > 0 frames (lsqml.hpp): buf_ from the exit waves to their change chi.
  void exit_change(int64_t s, int64_t nb) {
    const int64_t len = nb * g_.modes() * g_.pix;
    const int64_t slots = pie::BatchPlans<B, T>::slots(nb, capacity_);
    const auto& plan = plans_.get(b_, g_.m, g_.modes(), slots);
    if (slots > nb)  // slots past the batch: zeros, so repeated transforms never grow them
      zero_bytes(buf_.data() + len, B::memory, size_t((slots - nb) * g_.modes() * g_.pix) * sizeof(Complex<T>));
    const Complex<T>* p = probe_.data();
    const Complex<T>* o = object_.data();
    const int32_t* off = offsets_dev_.data() + 2 * s;
    b_.for_each(len, model::ExitWave<T>{buf_.data(), p, o, off, g_});
    b_.for_each(nb * g_.pix, pie::GatherAmplitudes{batch_amp_.data(), amplitudes_.data(), order_dev_.data() + s, g_.pix});
    plan.forward(buf_.data());
    const T inv_m = T(1) / T(g_.m), inv_pix = T(1) / T(g_.pix);
    const double gain = opt_.modulus_gain_limit;
    b_.sum_into(nb * g_.pix, model::FourierMisfit<T>{buf_.data(), batch_amp_.data(), valid_.data(), g_, inv_m}, misfit_, 0);
    if (opt_.noise == NoiseModel::gaussian) {
      const T inv_gain = gain > 0 ? T(1.0 / gain) : T(0);
      b_.for_each(nb * g_.pix,
                  model::ModulusProject<T>{buf_.data(), batch_amp_.data(), valid_.data(), g_, inv_m, nullptr, inv_gain});
      plan.inverse(buf_.data());
      b_.for_each(len, pie::ExitChange<T>{buf_.data(), p, o, off, g_});
      return;
    }
    // Poisson: each frame's step along -(1 - n / I) Psi, Newton steps on its convex cost from
    // alpha = 1/2 (the per-pixel optimum 1 / (1 + sqrt(n / I)) at a consistent model), each step
    // one pass of per-frame sums; then the change itself, which the inverse FFT turns into chi.
    const T inv_gain2 = gain > 0 ? T(1.0 / (gain * gain)) : T(0);  // the gain limit's floor of I (lsqml_kernels.hpp)
    std::vector<double> alpha(size_t(nb), 0.5);
    Array<T> host(Shape{capacity_});
    for (int step = 0; step < kPoissonNewtonSteps; ++step) {
      for (int64_t j = 0; j < nb; ++j) host[j] = T(alpha[size_t(j)]);
      alpha_dev_.assign(host);
      b_.sum_segments(2 * nb, g_.pix,
                      PoissonStepTerms<T>{buf_.data(), batch_amp_.data(), valid_.data(), g_, inv_pix, inv_gain2, alpha_dev_.data()},
                      fourier_sums_.data());
      for (int64_t j = 0; j < nb; ++j)
        alpha[size_t(j)] = poisson_newton(alpha[size_t(j)], fourier_sums_[size_t(2 * j)], fourier_sums_[size_t(2 * j + 1)],
                                          kPoissonAlphaMax);
    }
    for (int64_t j = 0; j < nb; ++j) host[j] = T(alpha[size_t(j)]);
    alpha_dev_.assign(host);
    b_.for_each(nb * g_.pix, PoissonChange<T>{buf_.data(), batch_amp_.data(), valid_.data(), g_, inv_pix, inv_gain2, alpha_dev_.data()});
    plan.inverse(buf_.data());
  }

  /// One batch: this part's frames [s, s + nb) of the iteration's order (nb may be 0: the part
  /// still takes part in the reductions and the steps). Returns the mean steps taken.
  StepReport update_batch(int64_t s, int64_t nb, bool probe) {
    const Region box = pie::batch_box(order_offsets_, s, nb, g_, reducer_);
    const int64_t bh = box.y1 - box.y0, bw = box.x1 - box.x0, box_all = g_.l * bh * bw, probe_all = g_.k * g_.pix;
    // The packed sums of the one reduction: the object's over the box (re, im, den per pixel), then,
    // from an even offset (complex alignment), the probe's numerator and denominator.
    const int64_t probe_at = (3 * box_all + 1) / 2 * 2;
    T* packed = packed_.data();
    Complex<T>* probe_num = reinterpret_cast<Complex<T>*>(packed + probe_at);
    T* probe_den = packed + probe_at + 2 * probe_all;
    const Complex<T>* p = probe_.data();
    const Complex<T>* o = object_.data();
    const int32_t* off = offsets_dev_.data() + 2 * s;

    b_.for_each(box_all, pie::ZeroRectangle<T>{object_num_.data(), object_den_.data(), g_, box.y0, box.x0, bh, bw});
    if (nb > 0) {
      exit_change(s, nb);
      // sum_j P* chi_j and sum_j |P|^2 (PIE's terms with gamma = 0: no max|P|^2 in the weight).
      const pie::ObjectStepTerms<T> terms{buf_.data(), p, off, g_, T(0), zeros_.data(), 0};
      if (opt_.object_gather)
        b_.template gather_add<T>(tiles_.view(offsets_dev_.data()), g_.l, s, nb, terms, object_num_.data(),
                                  object_den_.data());
      else
        b_.template scatter_add<T>(nb * g_.l, g_.m, g_.m, terms, object_num_.data(), object_den_.data(), g_.l * g_.plane());
    }
    // sum_j O_j* chi_j and sum_j |O_j|^2; a part without frames here writes zeros (frames = 0).
    if (probe)
      b_.for_each(probe_all, pie::ProbeStepTerms<T>{probe_num, probe_den, buf_.data(), o, off, g_, nb, T(0), zeros_.data()});
    b_.for_each(box_all, model::PackRegion<T>{packed, object_num_.data(), object_den_.data(), g_, box.y0, box.x0, bh, bw});
    if (reducer_.size() > 1) b_.synchronize();  // packed before the communicator reads it
    // The first reduction of the batch: object and probe sums together.
    reducer_.sum(packed, probe ? probe_at + 3 * probe_all : 3 * box_all, B::memory);

    // The directions, with delta relative to each denominator's maximum (two passes each, on the
    // backend: every part computes the same from the same reduced sums).
    const T delta = T(opt_.delta);
    T* rows = rows_.data();
    const int64_t box_rows = rows_for(box_all);
    b_.for_each(box_rows, StridedRowMax<T>{rows, packed + 2, 3, box_all, kRow});
    b_.for_each(1, pie::MaxOfRows<T>{maxima_.data(), rows, box_rows});
    b_.for_each(box_all, ObjectDirection<T>{object_num_.data(), packed, g_, box.y0, box.x0, bh, bw, delta, maxima_.data()});
    if (probe) {
      const int64_t probe_rows = rows_for(probe_all);
      b_.for_each(probe_rows, StridedRowMax<T>{rows + box_rows, probe_den, 1, probe_all, kRow});
      b_.for_each(1, pie::MaxOfRows<T>{maxima_.data() + 1, rows + box_rows, probe_rows});
      b_.for_each(probe_all, ProbeDirection<T>{dprobe_.data(), probe_num, probe_den, delta, maxima_.data() + 1});
    }

    // Each frame's steps from its 2 x 2 system; their sum and count over the parts.
    double steps[3] = {0, 0, double(nb)};
    if (nb > 0) {
      b_.sum_segments(5 * nb, g_.pix,
                      StepSystemTerms<T>{buf_.data(), p, dprobe_.data(), o, object_num_.data(), off, g_, probe},
                      system_sums_.data());
      for (int64_t j = 0; j < nb; ++j) {
        const double* q = &system_sums_[size_t(5 * j)];
        const Steps st = limit_steps(solve_steps(StepSystem{q[0], q[1], q[2], q[3], q[4]}, probe), opt_.step_limit);
        steps[0] += st.object, steps[1] += st.probe;
      }
    }
    reducer_.sum(steps, 3, Memory::host);
    const StepReport mean{steps[2] > 0 ? steps[0] / steps[2] : 0, steps[2] > 0 ? steps[1] / steps[2] : 0};
    b_.for_each(box_all, ObjectStep<T>{object_.data(), object_num_.data(), g_, box.y0, box.x0, bh, bw, T(mean.object)});
    if (probe) b_.for_each(probe_all, StepAlong<T>{probe_.data(), dprobe_.data(), T(mean.probe)});
    return mean;
  }

  void orthogonalize_probe() { occupancy_ = model::orthogonalize_modes(b_, probe_, g_.k, g_.pix, coeff_, scratch_); }

  // The Poisson far-field step: Newton steps per batch (from 1/2 on a convex cost: three reach
  // its minimum to a few 1e-4 where most pixels are near the fit; the fourth costs one pass of
  // sums and no FFT), and the largest step (u = 1 - alpha w stays >= 1 - alpha_max > 0).
  static constexpr int kPoissonNewtonSteps = 4;
  static constexpr double kPoissonAlphaMax = 0.99;

  std::unique_ptr<B> serial_;
  const B& b_;  // the backend every pass runs on: the caller's, or serial_
  LsqmlOptions opt_;
  comm::Communicator& reducer_;
  const PtychoProblem& pr_;  // outlives the solver (run_solver); offsets and frame ids, on the host
  int64_t n_;
  model::Geometry g_;
  Array<Complex<T>> probe_, object_;
  Array<float> amplitudes_;
  Array<uint8_t> valid_;
  // The object's sums (numerator planes, then the direction dO there; denominator planes; each
  // batch zeroes and reads its box), every batch's sums packed for its one reduction, the probe's
  // direction, and the denominators' row maxima and maxima (object, probe).
  Array<Complex<T>> object_num_;
  Array<T> object_den_, packed_;
  Array<Complex<T>> dprobe_;
  Array<T> rows_, maxima_;
  Array<Complex<T>> coeff_, scratch_;  // probe-mode orthogonalisation
  std::vector<double> occupancy_;
  typename B::Sums misfit_;  // the iteration's misfit, on the backend
  StepReport steps_;

  // Made in start(), once the scan's frame count is known.
  int64_t batch_ = 1, capacity_ = 1;  // frames per batch of the scan; of this part at most
  std::unique_ptr<pie::GlobalBatches> order_;
  Array<Complex<T>> buf_;  // the batch's exit waves, then their change chi
  Array<float> batch_amp_;
  Array<T> zeros_;      // PIE's max|P|^2 and max|O_j|^2 slots, unused at gamma = 0
  Array<T> alpha_dev_;  // the Poisson far-field steps of the batch's frames
  Array<int32_t> order_dev_, offsets_dev_;  // the iteration's order of this part's frames
  Array<int32_t> order_offsets_;            // offsets_dev_ on the host, for the batches' boxes
  TileFrames tiles_;                        // tile lists of offsets_dev_, for the gathered object sums
  pie::BatchPlans<B, T> plans_;  // the batches' transforms (pie/batching.hpp)
  std::vector<double> fourier_sums_, system_sums_;  // per batch frame: 2 (Newton), 5 (the 2 x 2 system)
  double valid_power_ = 0;
};

/// The registry's factory (solvers.hpp): LSQML from its own options.
template <class B, class T>
std::unique_ptr<Solver<B, T>> make_solver(const B& backend, const PtychoProblem& pr, const SolverOptions& options,
                                          comm::Communicator& reducer) {
  const LsqmlOptions& opt = options_as<LsqmlOptions>(options, "lsqml");
  check_options(opt);
  return std::make_unique<Lsqml<B, T>>(backend, pr, opt, reducer);
}

}  // namespace phasis::lsqml
