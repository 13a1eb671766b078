// The Difference Map solver, written once against a backend B (CpuBackend or CudaBackend) and a
// real type T. dm_cpu.cpp and dm_cuda.cu instantiate it; nothing else includes this file.
// Memory on the backend: psi (N M^2 complex), amplitudes (N M^2 float), one Fourier batch, the
// object with its numerator and denominator, and the probe: about 3x the input in float.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <vector>

#include "phasis/core/error.hpp"
#include "phasis/ptycho/dm.hpp"
#include "phasis/ptycho/dm_kernels.hpp"

namespace phasis::dm {

/// Unit transmission with a 1% deterministic pseudo-random perturbation. A perfectly flat start
/// makes F(P O) vanish outside a band-limited probe's pupil, where the modulus projection then
/// picks phases from rounding noise: runs in float and double, or on CPU and GPU, would part ways
/// at the first iteration. The perturbation gives those pixels a defined phase.
template <class T>
Array<Complex<T>> initial_object(int64_t h, int64_t w) {
  Array<Complex<T>> o(Shape{h, w});
  uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&state] {  // splitmix64, uniform in [-0.5, 0.5)
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return double((z ^ (z >> 31)) >> 11) * 0x1.0p-53 - 0.5;
  };
  for (int64_t i = 0; i < h * w; ++i) o[i] = {T(1 + 0.02 * next()), T(0.02 * next())};
  return o;
}

template <class To, class From>
Array<Complex<To>> convert(const Array<Complex<From>>& a) {
  Array<Complex<To>> out(a.shape());
  for (int64_t i = 0; i < a.size(); ++i) out[i] = {To(a[i].re), To(a[i].im)};
  return out;
}

inline void check_options(const DmOptions& o) {
  if (o.iterations < 1) throw InputError("iterations: expected at least 1; found " + std::to_string(o.iterations));
  if (o.overlap_iterations < 1)
    throw InputError("overlap iterations: expected at least 1; found " + std::to_string(o.overlap_iterations));
  if (o.probe_start < 0) throw InputError("probe start: expected >= 0; found " + std::to_string(o.probe_start));
  if (!(o.object_inertia > 0) || !(o.probe_inertia > 0))
    throw InputError("inertia: expected positive object and probe inertia");
  if (!(o.fourier_relax >= 0)) throw InputError("fourier relax: expected >= 0; found " + std::to_string(o.fourier_relax));
  if (o.batch_frames < 0) throw InputError("batch frames: expected >= 0; found " + std::to_string(o.batch_frames));
}

template <class B, class T>
class DifferenceMap {
 public:
  DifferenceMap(const PtychoProblem& pr, const DmOptions& opt)
      : opt_(opt), n_(pr.frames), m_(pr.frame_size), pix_(m_ * m_), h_(pr.object_h), w_(pr.object_w),
        batch_(choose_batch()),
        probe_(convert<T>(pr.probe).to(B::memory)),
        object_(Shape{h_, w_}, B::memory),
        offsets_(pr.offsets.to(B::memory)),
        amp_(pr.amplitudes.to(B::memory)),
        valid_(pr.valid.to(B::memory)),
        psi_(Shape{n_, m_, m_}, B::memory),
        buf_(Shape{batch_, m_, m_}, B::memory),
        onum_(Shape{h_, w_}, B::memory), oden_(Shape{h_, w_}, B::memory),
        pnum_(Shape{m_, m_}, B::memory), pden_(Shape{m_, m_}, B::memory), relax_(Shape{batch_}, B::memory),
        plan_({int(m_), int(m_)}, batch_) {
    if (n_ % batch_) tail_plan_ = std::make_unique<typename B::template Fft<T>>(std::vector<int>{int(m_), int(m_)}, n_ % batch_);
    object_.assign(initial_object<T>(h_, w_));
    B::for_each(n_ * pix_, ExitWave<T>{psi_.data(), probe_.data(), object_.data(), offsets_.data(), m_, w_, 0});
    valid_power_ = B::sum(n_ * pix_, ValidPower{amp_.data(), valid_.data(), pix_});
    for (int64_t p = 0; p < pix_; ++p) valid_count_ += pr.valid[p] ? 1 : 0;
    if (!(valid_power_ > 0)) throw InputError("data: expected some signal on valid pixels; found all zero");
  }

  /// One DM iteration; returns the difference-map error (see dm.hpp).
  double iterate(int it) {
    double change = 0;
    for (int64_t j0 = 0; j0 < n_; j0 += batch_) {
      const int64_t nb = std::min(batch_, n_ - j0), len = nb * pix_;
      const auto& plan = nb == batch_ ? plan_ : *tail_plan_;
      Complex<T>* psi = psi_.data() + j0 * pix_;
      B::for_each(len, Reflect<T>{buf_.data(), psi, probe_.data(), object_.data(), offsets_.data(), m_, w_, j0});
      plan.forward(buf_.data());
      const T* relax = opt_.fourier_relax > 0 ? power_bound(nb, j0) : nullptr;
      B::for_each(len, ModulusProject<T>{buf_.data(), amp_.data() + j0 * pix_, valid_.data(), pix_, T(1) / T(m_), relax});
      plan.inverse(buf_.data());
      change += B::sum(len, UpdateExit<T>{psi, buf_.data(), probe_.data(), object_.data(), offsets_.data(), m_, w_, j0});
    }
    for (int k = 0; k < opt_.overlap_iterations; ++k) {
      update_object();
      if (it >= opt_.probe_start) update_probe();
    }
    return change / valid_power_;
  }

  DmResult result() const {
    DmResult r;
    r.object = convert<double>(object_.to(Memory::host));
    r.probe = convert<double>(probe_.to(Memory::host));
    r.device = B::name;
    r.precision = sizeof(T) == 4 ? "float" : "double";
    return r;
  }

 private:
  int64_t choose_batch() const {
    const int64_t bytes = opt_.batch_frames > 0 ? 0 : (B::memory == Memory::device ? (512ll << 20) : (64ll << 20));
    int64_t b = opt_.batch_frames > 0 ? opt_.batch_frames : bytes / int64_t(pix_ * sizeof(Complex<T>));
    return std::clamp<int64_t>(b, 1, n_);
  }

  /// Per-frame relaxation of the batch in buf_: frames whose mean squared amplitude misfit lies
  /// within the bound (fourier_relax times the Poisson variance of an amplitude, 1/4 photon) are
  /// left alone, others are moved only onto the bound's surface.
  const T* power_bound(int64_t nb, int64_t j0) {
    std::vector<double> misfit(nb);
    B::sum_segments(nb, pix_, FourierMisfit<T>{buf_.data(), amp_.data() + j0 * pix_, valid_.data(), pix_, T(1) / T(m_)},
                    misfit.data());
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
    onum_.zero();
    oden_.zero();
    B::template scatter_add<T>(n_, m_, m_, ObjectTerms<T>{psi_.data(), probe_.data(), offsets_.data(), m_, w_},
                               onum_.data(), oden_.data());
    const double mean_den = B::sum(h_ * w_, ValueOf<T>{oden_.data()}) / double(h_ * w_);
    B::for_each(h_ * w_, InertialQuotient<T>{object_.data(), onum_.data(), oden_.data(), T(opt_.object_inertia * mean_den)});
  }

  void update_probe() {
    B::for_each(pix_, ProbeTerms<T>{pnum_.data(), pden_.data(), psi_.data(), object_.data(), offsets_.data(), m_, w_, n_});
    const double mean_den = B::sum(pix_, ValueOf<T>{pden_.data()}) / double(pix_);
    B::for_each(pix_, InertialQuotient<T>{probe_.data(), pnum_.data(), pden_.data(), T(opt_.probe_inertia * mean_den)});
  }

  DmOptions opt_;
  int64_t n_, m_, pix_, h_, w_, batch_;
  Array<Complex<T>> probe_, object_;
  Array<int32_t> offsets_;
  Array<float> amp_;
  Array<uint8_t> valid_;
  Array<Complex<T>> psi_, buf_, onum_;
  Array<T> oden_;
  Array<Complex<T>> pnum_;
  Array<T> pden_, relax_;
  int64_t valid_count_ = 0;
  typename B::template Fft<T> plan_;
  std::unique_ptr<typename B::template Fft<T>> tail_plan_;
  double valid_power_ = 0;
};

template <class B, class T>
DmResult run(const PtychoProblem& pr, const DmOptions& opt, const IterationCallback& cb) {
  check_options(opt);
  DifferenceMap<B, T> solver(pr, opt);
  std::vector<double> errors, seconds;
  for (int it = 0; it < opt.iterations; ++it) {
    const auto t0 = std::chrono::steady_clock::now();
    const double err = solver.iterate(it);
    B::synchronize();
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    errors.push_back(err);
    seconds.push_back(dt);
    if (cb) cb(IterationInfo{it, opt.iterations, err, dt});
  }
  DmResult r = solver.result();
  r.fourier_error = std::move(errors);
  r.iteration_seconds = std::move(seconds);
  return r;
}

}  // namespace phasis::dm
