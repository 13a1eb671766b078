// ePIE and rPIE (phasis/ptycho/pie.hpp: the update rules, the options), written once against a
// backend B (CpuBackend or CudaBackend) and a real type T, registered in solvers.hpp as "epie" and
// "rpie"; reconstruct_cpu.cpp and reconstruct_cuda.cu instantiate it through the registry.
//
// One iteration: the whole scan's frames in a random order (frame_order.hpp), cut into batches;
// per batch, on this part's frames of it (consecutive in the part's order, possibly none):
//   psi = P O_j;  FFT;  modulus projection (model::ModulusProject) with the misfit summed in the
//   same pass;  inverse FFT;  Delta = psi' - psi;  the object's terms gathered per object pixel
//   (or scattered) and the probe's per probe pixel;  the object's sums over the batch's box (the
//   rectangle its frames cover, joined over the parts) and the probe's packed into ONE buffer,
//   summed over the parts in one reduction;  then both steps, every part alike.
// Per batch, only the box of the object is zeroed, packed, reduced and stepped: sequential PIE
// on a large object costs per frame, not per object pixel.
// So every part holds the same object and probe after every batch, and a distributed run updates
// the same frames together as one process: np 1, 2, 3 differ by float summation order only.
// max|P|^2 and max|O_j|^2 are formed on the backend in two passes (row maxima, then their
// maximum), so a batch waits for nothing; the misfit is read once per iteration.
// Memory on the backend: the amplitudes (4 M^2 per frame), one batch of exit waves (8 K L M^2 per
// batch frame in float), the object, its sums and the packed sums (about 4.5 planes of complex per
// object mode).
// Sub-pixel positions (model/subpixel.hpp), when some frame of the part sits off the object grid or
// positions are refined: each batch frame's probe modes are shifted by its sub-pixel rest (a
// Fourier phase ramp: one FFT of the probe, one inverse FFT per frame and mode), and its probe
// term shifted back before the sum (a forward and an inverse FFT more); two more batch buffers of
// K M^2 per frame, three with refinement (the probe's derivatives along y and x). Positions on the
// grid take the integer path unchanged. Refinement (model/positions.hpp): from
// refine_positions_from on, each frame's step is formed in its batch from the same Delta as the
// object's, taken at the end of the iteration.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "backend/tile_frames.hpp"
#include "phasis/core/error.hpp"
#include "phasis/ptycho/modes.hpp"
#include "phasis/ptycho/pie.hpp"
#include "ptycho/model/recentre.hpp"
#include "ptycho/model/start.hpp"  // where every solver starts
#include "ptycho/model/overlap_terms.hpp"
#include "ptycho/model/positions.hpp"
#include "ptycho/model/probe_modes.hpp"
#include "ptycho/model/subpixel.hpp"
#include "ptycho/pie/batching.hpp"
#include "ptycho/pie/frame_order.hpp"
#include "ptycho/pie/pie_kernels.hpp"
#include "ptycho/solver.hpp"

namespace phasis::pie {

/// Which update rule (pie.hpp): the steps and the weights of max|P|^2, max|O_j|^2.
enum class Rule { epie, rpie };

/// One line per bad value; `name` is the solver's.
inline void check_options(const PieOptions& o, const char* name) {
  const std::string s = std::string(name) + " ";
  if (!(o.alpha > 0 && o.alpha <= 1)) throw InputError(s + "alpha: expected in (0, 1]; found " + std::to_string(o.alpha));
  if (!(o.beta > 0 && o.beta <= 1)) throw InputError(s + "beta: expected in (0, 1]; found " + std::to_string(o.beta));
  if (o.mini_batch < 0)
    throw InputError(s + "mini batch: expected >= 1 frames, or 0 for the whole scan; found " + std::to_string(o.mini_batch));
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
  model::check_position_options(o, name);
  if (o.refine_positions_from >= o.iterations)
    throw InputError(s + "refine positions from: expected an iteration below the " + std::to_string(o.iterations) +
                     " iterations; found " + std::to_string(o.refine_positions_from));
}

template <class B, class T>
class Pie final : public Solver<B, T> {
 public:
  /// `reducer` sums each batch's terms, the misfit and the data power over the parts of a
  /// distributed run (pr then holds this part's frames, pr.frame_ids their places in the scan).
  Pie(const B& backend, const PtychoProblem& pr, const PieOptions& opt, Rule rule, comm::Communicator& reducer)
      : serial_(serial_backend<B>(pr, opt.mini_batch == 0 ? pr.frames : opt.mini_batch, opt.probe_modes, opt.object_modes)),
        b_(serial_ ? *serial_ : backend), opt_(opt), rule_(rule),
        reducer_(reducer), pr_(pr), n_(pr.frames),
        g_{pr.frame_size, pr.frame_size * pr.frame_size, opt.probe_modes, opt.object_modes, pr.object_h, pr.object_w},
        probe_(model::starting_probe<T>(pr, opt, g_.k).to(B::memory)),
        object_(model::starting_object<T>(pr, opt, g_.l).to(B::memory)),
        amplitudes_(pr.amplitudes.to(B::memory)), valid_(pr.valid.to(B::memory)),
        object_num_(Shape{g_.l, g_.h, g_.w}, B::memory), object_den_(Shape{g_.l, g_.h, g_.w}, B::memory),
        packed_(Shape{3 * g_.l * g_.plane() + 1 + 3 * g_.k * g_.pix}, B::memory),
        probe_rows_(Shape{g_.m}, B::memory), probe_max_(Shape{1}, B::memory),
        coeff_(Shape{g_.k, g_.k}, B::memory), scratch_(Shape{g_.k, g_.m, g_.m}, B::memory),
        occupancy_(size_t(g_.k), 1.0 / double(g_.k)), positions_(pr, opt),
        subpixel_(opt.refine_positions_from >= 0 || positions_.off_grid()) {
    if (!pr.frame_ids.empty() && int64_t(pr.frame_ids.size()) != n_)
      throw InputError("frame ids: expected one per frame (" + std::to_string(n_) + "); found " +
                       std::to_string(pr.frame_ids.size()));
    object_num_.zero();
    object_den_.zero();
    if (g_.k > 1) orthogonalize_probe();
    misfit_ = b_.sums(1);
  }

  /// Collective: the scan's frame count and the data power over the parts; the batches' buffers.
  void start() override {
    int64_t scan = 0;
    const std::vector<int64_t> ids = scan_frame_ids(pr_, n_, reducer_, scan);
    batch_ = opt_.mini_batch == 0 ? scan : std::min(opt_.mini_batch, scan);
    order_ = std::make_unique<GlobalBatches>(ids, scan, batch_);
    capacity_ = std::min(batch_, n_);
    buf_ = Array<Complex<T>>(Shape{capacity_ * g_.modes(), g_.m, g_.m}, B::memory);
    buf_.zero();  // slots past a short batch go through the FFT too (BatchPlans), never read
    batch_amp_ = Array<float>(Shape{capacity_, g_.pix}, B::memory);
    frame_rows_ = Array<T>(Shape{capacity_ * g_.m}, B::memory);
    frame_max_ = Array<T>(Shape{capacity_}, B::memory);
    order_dev_ = Array<int32_t>(Shape{n_}, B::memory);
    offsets_dev_ = Array<int32_t>(Shape{n_, 2}, B::memory);

    auto power = b_.sums(1);
    b_.sum_into(n_ * g_.pix, model::ValidPower{amplitudes_.data(), valid_.data(), g_.pix}, power, 0);
    valid_power_ = reducer_.sum(power.read()[0]);
    if (!(valid_power_ > 0)) throw InputError("data: expected some signal on valid pixels; found all zero");
    if (opt_.refine_positions_from >= 0 && scan < 2)
      throw InputError("position refinement: expected a scan of at least 2 frames (a lone frame's position is the "
                       "unobservable global translation); found " + std::to_string(scan));
    if (subpixel_) {
      shifts_dev_ = Array<T>(Shape{n_, 2}, B::memory);
      spec_ = Array<Complex<T>>(Shape{g_.k, g_.m, g_.m}, B::memory);
      spec_plan_ = b_.template fft<T>({int(g_.m), int(g_.m)}, g_.k);
      for (Array<Complex<T>>* a : {&fp_, &aux_}) *a = Array<Complex<T>>(Shape{capacity_ * g_.k, g_.m, g_.m}, B::memory);
      if (opt_.refine_positions_from >= 0) aux2_ = Array<Complex<T>>(Shape{capacity_ * g_.k, g_.m, g_.m}, B::memory);
      for (Array<Complex<T>>* a : {&fp_, &aux_, &aux2_}) a->zero();
      position_sums_.assign(size_t(4 * capacity_), 0.0);
    }
  }

  /// One iteration over every batch; returns the misfit (pie.hpp).
  double iterate(int it) override {
    draw_order(uint64_t(it));
    misfit_.zero();
    const bool probe = it >= opt_.probe_start;
    refine_now_ = opt_.refine_positions_from >= 0 && it >= opt_.refine_positions_from;
    for (int64_t b = 0; b < order_->batches(); ++b) update_batch(order_->start(b), order_->size(b), probe);
    if (refine_now_) positions_.end_iteration(reducer_);
    if (g_.k > 1 && probe && (it + 1) % opt_.orthogonalize_every == 0) orthogonalize_probe();
    return reducer_.sum(misfit_.read()[0]) / valid_power_;  // the iteration's one wait for a sum
  }

  exec::Values values(double error) const override {
    return model::with_occupancies({{"error", error}}, occupancy_);
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
  bool refines_positions() const override { return true; }

  /// Every part already holds the whole object and probe (every batch's sums are reduced over the
  /// parts before the steps).
  SolverResult result() override {
    SolverResult r;
    r.algorithm = rule_ == Rule::epie ? "epie" : "rpie";
    r.object = model::convert<double>(object_.to(Memory::host));
    r.probe = model::convert<double>(probe_.to(Memory::host));
    r.occupancy = occupancy_;
    r.batch_frames = batch_;
    r.device = B::name;
    r.fourier_path = "separate";
    r.precision = sizeof(T) == 4 ? "float" : "double";
    if (subpixel_) {  // collective: every part takes both branches alike (refinement is global)
      r.positions = positions_.scan_positions(pr_, reducer_);
      model::ScanPositions given(pr_, SolverOptions{});
      r.positions_given = given.scan_positions(pr_, reducer_);
    }
    return r;
  }

 private:
  /// The iteration's order (the same on every part) on the backend: this part's frames as they
  /// come, their offsets in that order, and the tile lists of those offsets for the gathered sums.
  void draw_order(uint64_t it) {
    order_->draw(opt_.seed + it);
    const std::vector<int32_t>& order = order_->order();
    Array<int32_t> frames(Shape{n_}), offsets(Shape{n_, 2});
    Array<T> shifts(Shape{n_, 2});
    for (int64_t i = 0; i < n_; ++i) {
      const int64_t f = order[size_t(i)];
      frames[i] = int32_t(f);
      offsets[2 * i] = positions_.offsets()[2 * f];
      offsets[2 * i + 1] = positions_.offsets()[2 * f + 1];
      shifts[2 * i] = T(positions_.rest(f, 0)), shifts[2 * i + 1] = T(positions_.rest(f, 1));
    }
    order_dev_.assign(frames);
    offsets_dev_.assign(offsets);
    if (subpixel_) shifts_dev_.assign(shifts);
    if (opt_.object_gather) tiles_ = TileFrames(offsets, g_.m, g_.h, g_.w, B::memory, B::gather_tile[0], B::gather_tile[1]);
    order_offsets_ = std::move(offsets);
  }

  void update_batch(int64_t s, int64_t nb, bool probe) {
    const Region box = batch_box(order_offsets_, s, nb, g_, reducer_);
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
    const T g_object = rule_ == Rule::epie ? T(1) : T(opt_.alpha), g_probe = rule_ == Rule::epie ? T(1) : T(opt_.beta);

    b_.for_each(box_all, ZeroRectangle<T>{object_num_.data(), object_den_.data(), g_, box.y0, box.x0, bh, bw});
    b_.for_each(g_.m, ProbeRowPowerMax<T>{probe_rows_.data(), p, g_});
    b_.for_each(1, MaxOfRows<T>{probe_max_.data(), probe_rows_.data(), g_.m});
    if (nb > 0) {
      const int64_t len = nb * g_.modes() * g_.pix;
      const int64_t slots = BatchPlans<B, T>::slots(nb, capacity_);
      const auto& plan = plans_.get(b_, g_.m, g_.modes(), slots);
      if (slots > nb)  // slots past the batch: zeros, so repeated transforms never grow them
        zero_bytes(buf_.data() + len, B::memory, size_t((slots - nb) * g_.modes() * g_.pix) * sizeof(Complex<T>));
      // Sub-pixel: the batch's own probes P_j (subpixel.hpp), made from one spectrum of the probe.
      const int64_t stride = subpixel_ ? g_.k * g_.pix : 0, fp_len = nb * g_.k * g_.pix;
      const Complex<T>* pw = subpixel_ ? fp_.data() : p;
      const T* sh = subpixel_ ? shifts_dev_.data() + 2 * s : nullptr;
      const typename B::template Fft<T>* pplan = subpixel_ ? &probe_plans_.get(b_, g_.m, g_.k, slots) : nullptr;
      if (subpixel_) {
        if (slots > nb)  // as buf_: zeros past the batch through the plan's transforms
          for (Array<Complex<T>>* a : {&fp_, &aux_, &aux2_})
            if (!a->empty()) zero_bytes(a->data() + fp_len, B::memory, size_t((slots - nb) * g_.k * g_.pix) * sizeof(Complex<T>));
        b_.for_each(g_.k * g_.pix, CopyComplex<T>{spec_.data(), p});
        spec_plan_->forward(spec_.data());
        b_.for_each(fp_len, ShiftedProbeSpectra<T>{fp_.data(), spec_.data(), sh, g_.m, g_.pix, g_.k, -1});
        pplan->inverse(fp_.data());
      }
      b_.for_each(len, ExitWave<T>{buf_.data(), pw, o, off, g_, stride});
      b_.for_each(nb * g_.pix, GatherAmplitudes{batch_amp_.data(), amplitudes_.data(), order_dev_.data() + s, g_.pix});
      plan.forward(buf_.data());
      const T inv_m = T(1) / T(g_.m);
      const T inv_gain = opt_.modulus_gain_limit > 0 ? T(1.0 / opt_.modulus_gain_limit) : T(0);
      b_.sum_into(nb * g_.pix,
                  ProjectAndMeasure<T>{FourierMisfit<T>{buf_.data(), batch_amp_.data(), valid_.data(), g_, inv_m},
                                       ModulusProject<T>{buf_.data(), batch_amp_.data(), valid_.data(), g_, inv_m,
                                                         nullptr, inv_gain}},
                  misfit_, 0);
      plan.inverse(buf_.data());
      b_.for_each(len, ExitChange<T>{buf_.data(), pw, o, off, g_, stride});
      if (refine_now_) {  // each frame's position step from this Delta and the old O and P
        for (int axis = 0; axis < 2; ++axis) {
          Array<Complex<T>>& d = axis == 0 ? aux_ : aux2_;
          b_.for_each(fp_len, ShiftedProbeSpectra<T>{d.data(), spec_.data(), sh, g_.m, g_.pix, g_.k, axis});
          pplan->inverse(d.data());
        }
        b_.sum_segments(4 * nb, g_.pix, PositionTerms<T>{buf_.data(), aux_.data(), aux2_.data(), o, off, g_},
                        position_sums_.data());
        for (int64_t j = 0; j < nb; ++j) positions_.propose(order_->order()[size_t(s + j)], &position_sums_[size_t(4 * j)]);
      }
      const ObjectStepTerms<T> terms{buf_.data(), pw, off, g_, g_object, probe_max_.data(), stride};
      if (opt_.object_gather)
        b_.template gather_add<T>(tiles_.view(offsets_dev_.data()), g_.l, s, nb, terms, object_num_.data(),
                                  object_den_.data());
      else
        b_.template scatter_add<T>(nb * g_.l, g_.m, g_.m, terms, object_num_.data(), object_den_.data(), g_.l * g_.plane());
      if (probe) {
        b_.for_each(nb * g_.m, FrameRowPowerMax<T>{frame_rows_.data(), o, off, g_});
        b_.for_each(nb, MaxOfRows<T>{frame_max_.data(), frame_rows_.data(), g_.m});
      }
      if (probe && subpixel_) {  // each frame's term conj(O_j) Delta_j shifted back by -delta_j, then summed
        b_.for_each(fp_len, FrameProbeTerms<T>{aux_.data(), buf_.data(), o, off, g_});
        pplan->forward(aux_.data());
        b_.for_each(fp_len, ShiftBack<T>{aux_.data(), sh, g_.m, g_.pix, g_.k});
        pplan->inverse(aux_.data());
        b_.for_each(probe_all, SumShiftedProbeTerms<T>{probe_num, probe_den, aux_.data(), o, off, g_, nb, g_probe,
                                                       frame_max_.data()});
      }
    }
    // A part without frames here writes zeros (frames = 0).
    if (probe && !(subpixel_ && nb > 0))
      b_.for_each(probe_all, ProbeStepTerms<T>{probe_num, probe_den, buf_.data(), o, off, g_, nb, g_probe, frame_max_.data()});
    b_.for_each(box_all, model::PackRegion<T>{packed, object_num_.data(), object_den_.data(), g_, box.y0, box.x0, bh, bw});
    if (reducer_.size() > 1) b_.synchronize();  // packed before the communicator reads it
    // The one reduction of the batch: object and probe sums together.
    reducer_.sum(packed, probe ? probe_at + 3 * probe_all : 3 * box_all, B::memory);
    const T step_object = rule_ == Rule::epie ? T(opt_.alpha) : T(1), step_probe = rule_ == Rule::epie ? T(opt_.beta) : T(1);
    b_.for_each(box_all, StepFromPacked<T>{object_.data(), packed, g_, box.y0, box.x0, bh, bw, step_object});
    if (probe) b_.for_each(probe_all, TakeStep<T>{probe_.data(), probe_num, probe_den, step_probe});
  }

  void orthogonalize_probe() { occupancy_ = model::orthogonalize_modes(b_, probe_, g_.k, g_.pix, coeff_, scratch_); }

  std::unique_ptr<B> serial_;
  const B& b_;  // the backend every pass runs on: the caller's, or serial_
  PieOptions opt_;
  Rule rule_;
  comm::Communicator& reducer_;
  const PtychoProblem& pr_;  // outlives the solver (run_solver); offsets and frame ids, on the host
  int64_t n_;
  Geometry g_;
  Array<Complex<T>> probe_, object_;
  Array<float> amplitudes_;
  Array<uint8_t> valid_;
  // The object's sums (numerator and denominator planes; each batch zeroes and reads its box),
  // and every batch's sums packed for its one reduction (batch_box, update_batch).
  Array<Complex<T>> object_num_;
  Array<T> object_den_, packed_;
  Array<T> probe_rows_, probe_max_;
  Array<Complex<T>> coeff_, scratch_;  // probe-mode orthogonalisation
  std::vector<double> occupancy_;
  typename B::Sums misfit_;  // the iteration's misfit, on the backend

  // Made in start(), once the scan's frame count is known.
  int64_t batch_ = 1, capacity_ = 1;  // frames per batch of the scan; of this part at most
  std::unique_ptr<GlobalBatches> order_;
  Array<Complex<T>> buf_;             // the batch's exit waves, then their change Delta
  Array<float> batch_amp_;
  Array<T> frame_rows_, frame_max_;   // max|O_j|^2 per batch frame (and its row maxima)
  Array<int32_t> order_dev_, offsets_dev_;  // the iteration's order of this part's frames
  Array<int32_t> order_offsets_;            // offsets_dev_ on the host, for the batches' boxes
  TileFrames tiles_;                  // tile lists of offsets_dev_, for the gathered object sums
  BatchPlans<B, T> plans_;  // the batches' exit-wave transforms (batching.hpp)
  double valid_power_ = 0;

  // Positions (model/positions.hpp) and the sub-pixel path (subpixel.hpp).
  model::ScanPositions positions_;
  bool subpixel_ = false, refine_now_ = false;
  Array<T> shifts_dev_;                  // the iteration's order's sub-pixel rests (dy, dx)
  Array<Complex<T>> spec_;               // the probe's spectrum, per batch
  Array<Complex<T>> fp_, aux_, aux2_;    // the batch's probes P_j; their terms or d_y P_j; d_x P_j
  std::unique_ptr<typename B::template Fft<T>> spec_plan_;
  BatchPlans<B, T> probe_plans_;  // the batches' probe transforms (sub-pixel)
  std::vector<double> position_sums_;    // four per batch frame (PositionTerms)
};

/// The registry's factories (solvers.hpp): ePIE and rPIE from their own options.
template <class B, class T>
std::unique_ptr<Solver<B, T>> make_epie(const B& backend, const PtychoProblem& pr, const SolverOptions& options,
                                        comm::Communicator& reducer) {
  const EpieOptions& opt = options_as<EpieOptions>(options, "epie");
  check_options(opt, "epie");
  return std::make_unique<Pie<B, T>>(backend, pr, opt, Rule::epie, reducer);
}

template <class B, class T>
std::unique_ptr<Solver<B, T>> make_rpie(const B& backend, const PtychoProblem& pr, const SolverOptions& options,
                                        comm::Communicator& reducer) {
  const RpieOptions& opt = options_as<RpieOptions>(options, "rpie");
  check_options(opt, "rpie");
  return std::make_unique<Pie<B, T>>(backend, pr, opt, Rule::rpie, reducer);
}

}  // namespace phasis::pie
