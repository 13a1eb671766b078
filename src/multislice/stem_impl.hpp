// STEM over one potential, written once against a backend B and a real type T (see stem.hpp);
// multislice_cpu.cpp and multislice_cuda.cu instantiate it.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>
#include <memory>
#include <type_traits>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "phasis/core/array.hpp"
#include "phasis/exec/interrupt.hpp"
#include "multislice/fused_multislice.hpp"
#include "multislice/ms_entries.hpp"
#include "multislice/multislice_impl.hpp"
#include "phasis/multislice/phonons.hpp"
#include "phasis/exec/chunk_queue.hpp"
#include "phasis/multislice/diffraction.hpp"
#include "phasis/multislice/simulation.hpp"
#include "phasis/multislice/stem.hpp"
#include "phasis/multislice/waves.hpp"

namespace phasis::ms {

inline void check_stem_options(const Grid& grid, const std::vector<Position>& positions, const StemOptions& o) {
  if (positions.empty()) throw InputError("stem: expected at least one probe position");
  if (o.detectors.empty()) throw InputError("stem: expected at least one detector");
  if (o.batch < 1) throw InputError("stem batch: expected at least 1 position; found " + std::to_string(o.batch));
  if (o.phonons < 1) throw InputError("stem phonons: expected at least 1 configuration; found " + std::to_string(o.phonons));
  for (const auto& d : o.detectors) check_detector(d, grid, o.probe.energy);
}

/// Adds the time since the last lap to one stage of StemTimings, after synchronising the backend;
/// does nothing without timings.
template <class B>
class StageClock {
 public:
  using Clock = std::chrono::steady_clock;
  StageClock(const B& backend, StemTimings* t) : b_(backend), t_(t), last_(Clock::now()) {}
  void lap(double StemTimings::*stage) {
    if (!t_) return;
    b_.synchronize();
    const auto now = Clock::now();
    t_->*stage += std::chrono::duration<double>(now - last_).count();
    last_ = now;
  }

 private:
  const B& b_;
  StemTimings* t_;
  Clock::time_point last_;
};

/// STEM over any number of potentials with one set of FFT plans, propagators, detector masks and
/// probe spectrum, made at construction. Probes are made on the backend batch by batch.
template <class B, class T>
class StemRunner {
 public:
  /// `readers`: for chunk(); with any other than annular, the detectors are read from the spectra
  /// (never inside the last fused pass).
  StemRunner(const B& backend, const Grid& g, const std::vector<Position>& positions, const StemOptions& o,
             std::vector<SpectrumReader> readers = {})
      : b_(backend), grid_(g), o_(o), n_(int64_t(positions.size())), batch_(std::min(o.batch, n_)),
        clock_(backend, o.timings), engine_(backend, g, o.probe.energy, batch_), readers_(std::move(readers)) {
    if (n_ % batch_) tail_ = std::make_unique<MultisliceEngine<B, T>>(backend, g, o.probe.energy, n_ % batch_);
    // The spectrum is made on the backend: on the host, its 2-4 MB of fresh memory cost 3-6 ms of
    // page faults beside the potential's worker thread (H100, 2026-11-23).
    spectrum_ = Array<Complex<T>>(Shape{g.ny, g.nx}, B::memory);
    b_.for_each(g.pixels(), probe_spectrum_of<T>(g, o.probe, spectrum_.data()));
    if (o.timings) o.timings->path = use_fused() ? "fused 512" : "separate";
    if (use_fused())
      live_groups_ = column_groups_within(g, probe_outer_frequency(g, o.probe)), aperture_groups_ = aperture_column_groups(g);
    Array<double> xy(Shape{n_, 2});
    for (int64_t j = 0; j < n_; ++j) xy[2 * j] = positions[std::size_t(j)].first, xy[2 * j + 1] = positions[std::size_t(j)].second;
    xy_ = xy.to(B::memory);
    waves_ = Array<Complex<T>>(Shape{batch_, g.ny, g.nx}, B::memory);
    ramps_ = Array<Complex<double>>(Shape{batch_, g.nx + g.ny}, B::memory);
    const int nd = int(o.detectors.size());
    const bool others = std::any_of(readers_.begin(), readers_.end(),
                                    [](const SpectrumReader& r) { return r.type != DetectorType::annular; });
    read_in_fused_pass_ = use_fused() && !others && nd >= 1 && nd <= AnnularBits::kMaxBits;
    if (!read_in_fused_pass_) {
      masks_ = engine_.annular_masks(o.detectors);
    } else {  // the detectors are read inside the last fused pass, from one bit per detector
      AnnularBits f{nullptr, g.ny, g.nx, g.dy, g.dx, {}, {}, nd};
      const double lambda = wavelength(o.probe.energy);
      for (int d = 0; d < nd; ++d)
        f.k_in[d] = 1e-3 * o.detectors[std::size_t(d)].inner / lambda, f.k_out[d] = 1e-3 * o.detectors[std::size_t(d)].outer / lambda;
      bits_ = Array<uint8_t>(Shape{g.ny, g.nx}, B::memory);
      f.out = bits_.data();
      b_.for_each(g.pixels(), f);
      readings_ = Array<double>(Shape{nd, batch_}, B::memory);
    }
    clock_.lap(&StemTimings::setup);
  }

  /// Readings (detectors, positions) through one potential; `bins` are its Potential::bins (for
  /// the infinite projection; made here when null).
  Array<double> annular(const Potential& pot, const SliceBins* bins = nullptr) {
    const int64_t nd = int64_t(o_.detectors.size());
    Array<double> out(Shape{nd, n_});
    batches(pot, bins, true, [&](int64_t j0, int64_t nb, MultisliceEngine<B, T>& e) {
      const auto r = read_in_fused_pass_ ? fused_readings(nb) : e.annular_spectrum(waves_.data(), masks_, double(grid_.pixels()));
      for (int64_t d = 0; d < nd; ++d)
        for (int64_t j = 0; j < nb; ++j) out[d * n_ + j0 + j] = r[std::size_t(d)][std::size_t(j)];
      show_filling(out, j0 + nb);
      exec::wait_while_paused();  // the live view's pause, between batches
    });
    return out;
  }

  /// One chunk: positions [j0, j0 + nb) (j0 a multiple of the batch, nb at most the batch) through
  /// `pot`; `key` names its configuration, so that the next chunk of the same key reuses its slices
  /// and transmissions on the backend. The readings of readers (constructor) one after another,
  /// nb x values each.
  exec::ChunkResult chunk(const Potential& pot, const SliceBins* bins, int64_t key, int64_t j0, int64_t nb) {
    int64_t per = 0;
    for (const auto& r : readers_) per += r.values;
    exec::ChunkResult out(std::size_t(per * nb));
    batches(pot, bins, true, [&](int64_t, int64_t n, MultisliceEngine<B, T>& e) { read_spectra(n, e, out.data()); }, key,
            j0, j0 + nb);
    return out;
  }

  /// The first detector's readings of positions [0, filled) as a raster picture, the rest NaN
  /// (options.scan_shape), when the sink wants it; a host copy of a few kB between batches.
  void show_filling(const Array<double>& out, int64_t filled) const {
    const int64_t rows = o_.scan_shape[0], cols = o_.scan_shape[1];
    if (!o_.events || rows * cols != n_ || rows < 1 || !o_.events->wants_snapshots()) return;
    Array<float> image(Shape{rows, cols});
    for (int64_t j = 0; j < n_; ++j) image[j] = j < filled ? float(out[j]) : NAN;
    o_.events->snapshot(exec::Snapshot{"stem_image", chunk_base_ / std::max<int64_t>(batches(), 1), std::move(image)});
  }

  /// Spans of the next potential's batches are numbered from `first` (chunk = configuration x
  /// batches() + batch).
  void set_chunk_base(int64_t first) { chunk_base_ = first; }
  int64_t batches() const { return (n_ + batch_ - 1) / batch_; }

  /// Exit waves through one potential, batch by batch, to the host sink.
  void exit_waves(const Potential& pot, const ExitWaveSink<T>& sink) {
    batches(pot, nullptr, false, [&](int64_t j0, int64_t nb, MultisliceEngine<B, T>&) {
      Array<Complex<T>> host(Shape{nb, grid_.ny, grid_.nx});
      copy_bytes(host.data(), Memory::host, waves_.data(), B::memory, host.bytes());
      sink(j0, host);
    });
  }

 private:
  /// Every batch through every slice, then detect(first position, batch size, engine). With
  /// `spectra`, the last slice stops at propagate_to_spectrum: detect gets 1/N times the exit waves'
  /// FFTs; else the exit waves.
  template <class F>
  void batches(const Potential& pot, const SliceBins* bins, bool spectra, F&& detect, int64_t key = -1,
               int64_t from = 0, int64_t to = -1) {
    if (to < 0) to = n_;
    const bool fused = spectra && use_fused();
    // The potential's slices and transmissions on the backend, unless they are those of the last
    // call with the same key >= 0 (a chunk of the same configuration).
    Prepared& now = prepared(pot, bins, fused, key);
    const std::vector<double>& thickness = now.thickness;
    const Array<Complex<T>>& transmissions = now.transmissions;
    const int64_t ns = pot.num_slices();
    FusedSlices& fused_slices = now.fused;
    clock_.lap(&StemTimings::potential);
    for (int64_t j0 = from; j0 < to; j0 += batch_) {
      const int64_t nb = std::min(batch_, to - j0);
      auto& e = nb == batch_ ? engine_ : *tail_;
      exec::ScopedSpan span(key < 0 ? o_.events : nullptr, "batch", "chunk", 0, chunk_base_ + j0 / batch_);
      b_.for_each(nb * (grid_.nx + grid_.ny),
                  ProbeRamps{ramps_.data(), xy_.data() + 2 * j0, grid_.ny, grid_.nx, grid_.dy, grid_.dx});
      const ShiftedProbe<T> probes{waves_.data(), spectrum_.data(), ramps_.data(), grid_.ny, grid_.nx};
      if (fused) {  // the probes are made inside the fused passes
        clock_.lap(&StemTimings::probes);
        if constexpr (kCudaFloat) {
          if (read_in_fused_pass_) {
            readings_.zero();
            fused_propagate_to_readings(probes, nb, fused_slices, bits_.data(), int(o_.detectors.size()),
                                        float(grid_.pixels()), readings_.data(), batch_);
          } else {
            fused_propagate_to_spectrum(probes, nb, fused_slices);
          }
        }
        clock_.lap(&StemTimings::propagation);
        detect(j0, nb, e);
        clock_.lap(&StemTimings::detection);
        continue;
      }
      b_.for_each(nb * grid_.pixels(), probes);
      e.inverse(waves_.data());
      clock_.lap(&StemTimings::probes);
      if (spectra) {
        e.run(waves_.data(), transmissions.data(), thickness, 0, ns - 1);
        e.transmit(waves_.data(), transmissions.data() + (ns - 1) * grid_.pixels());
        e.propagate_to_spectrum(waves_.data(), thickness[std::size_t(ns - 1)]);
      } else {
        e.run(waves_.data(), transmissions.data(), thickness, 0, ns);
      }
      clock_.lap(&StemTimings::propagation);
      detect(j0, nb, e);
      clock_.lap(&StemTimings::detection);
    }
    b_.synchronize();
  }

  /// Every reader's values for the batch's n waves, whose spectra (1/N times the FFTs of the exit
  /// waves) are in waves_, into out one reader after another.
  void read_spectra(int64_t n, MultisliceEngine<B, T>& e, double* out) {
    const double pix = double(grid_.pixels());
    std::vector<std::vector<double>> annular;
    if (read_in_fused_pass_) annular = fused_readings(n);
    else if (!masks_.empty()) annular = e.annular_spectrum(waves_.data(), masks_, pix);
    Array<double> patterns;  // host |FFT|^2 / N, for segmented detectors
    for (const auto& r : readers_) {
      if (r.type == DetectorType::annular) {
        for (int64_t j = 0; j < n; ++j) out[j] = annular[std::size_t(r.mask)][std::size_t(j)];
      } else if (r.type == DetectorType::pixelated) {
        const int64_t count = n * r.crop.first * r.crop.second;
        if (crop_.size() < count) crop_ = Array<double>(Shape{count}, B::memory);
        b_.for_each(count, CroppedIntensity<T>{waves_.data(), crop_.data(), grid_.ny, grid_.nx, r.crop.first, r.crop.second, pix});
        copy_bytes(out, Memory::host, crop_.data(), B::memory, count * int64_t(sizeof(double)));
      } else {
        if (patterns.empty()) {
          Array<Complex<T>> host(Shape{n, grid_.ny, grid_.nx});
          copy_bytes(host.data(), Memory::host, waves_.data(), B::memory, host.bytes());
          patterns = Array<double>(Shape{n, grid_.ny, grid_.nx});
          for (int64_t i = 0; i < patterns.size(); ++i)
            patterns[i] = pix * (double(host[i].re) * host[i].re + double(host[i].im) * host[i].im);
        }
        const Array<double> v = segmented_detect(patterns, grid_, o_.probe.energy, r.ring);
        for (int64_t i = 0; i < v.size(); ++i) out[i] = v[i];
      }
      out += n * r.values;
    }
  }

  /// One potential made ready on the backend: its slices' band-limited transmissions and
  /// thicknesses and, for the fused path, its per-slice propagators.
  struct Prepared {
    int64_t key = -1;  // -1: not to be reused
    bool for_fused = false;  // made for the fused path (its propagators below)
    Array<Complex<T>> transmissions;
    std::vector<double> thickness;
    FusedSlices fused{nullptr, 0, {}, ~0u, ~0u};
  };

  /// The prepared potential of `key` (>= 0: kept for later chunks of the same configuration, up to
  /// StemOptions::keep_configurations of them, the least recently used given up first).
  Prepared& prepared(const Potential& pot, const SliceBins* bins, bool fused, int64_t key) {
    if (key >= 0)
      for (std::size_t i = 0; i < cache_.size(); ++i)
        if (cache_[i].key == key && cache_[i].for_fused == fused) {
          std::rotate(cache_.begin() + std::ptrdiff_t(i), cache_.begin() + std::ptrdiff_t(i) + 1, cache_.end());
          return cache_.back();
        }
    const std::size_t keep = std::size_t(std::max<int64_t>(1, o_.keep_configurations));
    Prepared p;
    if (cache_.size() >= keep) {  // reuse the oldest entry's memory
      p = std::move(cache_.front());
      cache_.erase(cache_.begin());
    }
    SliceBins made;
    if (!bins && pot.backend_sampled()) bins = &(made = pot.bins());
    backend_slices<B>(b_, pot, bins, slices_, staging_, p.thickness);
    const int64_t ns = pot.num_slices();
    p.key = key;
    p.for_fused = fused;
    p.fused = FusedSlices{nullptr, ns, {}, live_groups_, aperture_groups_};
    // Band-limited (and moved by the tilt's shear), for every batch and the tail.
    engine_.transmissions(slices_.data(), ns, p.transmissions, pot.slice_shifts());
    if (fused) {
      if constexpr (kCudaFloat) {
        p.fused.transmissions = p.transmissions.data();
        for (int64_t k = 0; k < ns; ++k) p.fused.propagators.push_back(engine_.propagator(p.thickness[std::size_t(k)]));
      }
    }
    cache_.push_back(std::move(p));
    return cache_.back();
  }

  /// The readings the last fused pass left in readings_, [detector][wave] for the batch's nb waves.
  std::vector<std::vector<double>> fused_readings(int64_t nb) const {
    const Array<double> host = readings_.to(Memory::host);
    std::vector<std::vector<double>> r(o_.detectors.size());
    for (std::size_t d = 0; d < r.size(); ++d) r[d].assign(host.data() + int64_t(d) * batch_, host.data() + int64_t(d) * batch_ + nb);
    return r;
  }

  // The fused FFT kernels exist for CUDA in float (fused_multislice.hpp); elsewhere the code that
  // names them is discarded (if constexpr).
  static constexpr bool kCudaFloat = B::memory == Memory::device && std::is_same_v<T, float>;
  bool use_fused() const { return kCudaFloat && o_.fused_fft && fused_multislice_applies(grid_); }

  const B& b_;
  Grid grid_;
  StemOptions o_;
  int64_t n_, batch_;
  int64_t chunk_base_ = 0;
  StageClock<B> clock_;
  MultisliceEngine<B, T> engine_;
  std::unique_ptr<MultisliceEngine<B, T>> tail_;
  Array<Complex<T>> spectrum_, waves_;
  Array<Complex<double>> ramps_;  // ProbeRamps of the batch being made
  uint32_t live_groups_ = ~0u;        // FusedSlices::live_column_groups of the probe spectrum
  uint32_t aperture_groups_ = ~0u;    // FusedSlices::aperture_column_groups of the grid
  bool read_in_fused_pass_ = false;  // fused path with at most AnnularBits::kMaxBits detectors
  Array<uint8_t> bits_;              // AnnularBits of the detectors, when read_in_fused_pass_
  Array<double> readings_;           // (detectors, batch) sums of the last fused pass
  Array<double> xy_;
  std::vector<Array<uint8_t>> masks_;
  // Kept from one potential to the next (same shapes for every frozen phonon configuration):
  Array<float> slices_;                // the potential's slices on the backend
  Array<char> staging_;                // backend_slices' upload of the bins and tables
  std::vector<Prepared> cache_;        // prepared potentials, the most recently used last
  std::vector<SpectrumReader> readers_;  // chunk()'s detectors
  Array<double> crop_;                 // a pixelated reader's crops of one batch, on the backend
};

template <class B, class T>
void run_stem_waves(const B& b, const Potential& pot, const std::vector<Position>& positions, const StemOptions& o,
                    const ExitWaveSink<T>& sink) {
  if (positions.empty()) throw InputError("stem: expected at least one probe position");
  if (o.batch < 1) throw InputError("stem batch: expected at least 1 position; found " + std::to_string(o.batch));
  StemOptions w = o;
  w.detectors.clear();
  StemRunner<B, T>(b, pot.grid(), positions, w).exit_waves(pot, sink);
}

template <class B, class T>
Array<double> run_stem(const B& b, const Potential& pot, const std::vector<Position>& positions, const StemOptions& o) {
  check_stem_options(pot.grid(), positions, o);
  return StemRunner<B, T>(b, pot.grid(), positions, o).annular(pot);
}


/// The frozen phonon mean over o.phonons configurations, one runner for all of them. Each
/// configuration's host work (displaced atoms, Potential, bins or host-made slices) runs on a worker thread one
/// configuration ahead: the first while the runner sets up, each next one while the backend runs
/// the one before.
template <class B, class T>
Array<double> run_stem_ensemble(const B& b, const Atoms& atoms, const Grid& grid, const PotentialOptions& popt,
                                const std::vector<Position>& positions, const StemOptions& o) {
  check_stem_options(grid, positions, o);
  if (o.phonons > 1 && atoms.sigma.size() != atoms.z.size())
    frozen_phonon(atoms, o.seed, 0);  // throws the phonon module's message before any set-up
  const auto make = [&atoms, &grid, &popt, &o](int64_t c, std::shared_ptr<const Potential> like) {
#ifdef _OPENMP
    // Serial: the work is small (the gold benchmark's first configuration, tables included, takes
    // 0.7 ms on one core; later ones 0.2 ms), while a fresh thread's OpenMP team costs more to
    // start than that and its waiting threads spin beside the thread that drives the backend
    // (5-11 ms of waiting for the first configuration on an H100 with 15 threads). The sampled
    // form's host FFTs are heavier (0.7 s, tables included, for 20 slices of 313 x 313 and 3
    // elements on one core), but they overlap the backend's work on the configuration before.
    omp_set_num_threads(1);
#endif
    const Atoms a = o.phonons > 1 ? frozen_phonon(atoms, o.seed, c) : atoms;
    HostPotential h;
    auto p = like ? std::make_shared<Potential>(a, *like) : std::make_shared<Potential>(a, grid, popt);
    if (p->backend_sampled()) h.bins = p->bins();
    else p->keep_slices();  // made on the host anyway (sampled form, finite projection): here, ahead
    h.potential = std::move(p);
    return h;
  };
  std::future<HostPotential> next = std::async(std::launch::async, make, int64_t(0), nullptr);
  StemRunner<B, T> runner(b, grid, positions, o);
  Array<double> mean;
  std::shared_ptr<const Potential> first;  // its tables serve every configuration
  exec::ProgressMeter meter(o.events, "phonons", o.phonons, "configurations");
  for (int64_t c = 0; c < o.phonons; ++c) {
    const auto t0 = std::chrono::steady_clock::now();
    runner.set_chunk_base(c * runner.batches());
    const HostPotential h = next.get();  // waiting here counts in the potential stage
    if (!first) first = h.potential;
    if (c + 1 < o.phonons) next = std::async(std::launch::async, make, c + 1, first);
    Array<double> r = runner.annular(*h.potential, h.potential->backend_sampled() ? &h.bins : nullptr);
    if (c == 0) {
      mean = std::move(r);
    } else {
      for (int64_t i = 0; i < mean.size(); ++i) mean[i] += r[i];
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    meter.update(c + 1, {{"positions/s", seconds > 0 ? double(positions.size()) / seconds : 0.0}});
  }
  for (int64_t i = 0; i < mean.size(); ++i) mean[i] /= double(o.phonons);
  return mean;
}

}  // namespace phasis::ms
