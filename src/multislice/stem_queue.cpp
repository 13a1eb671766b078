// STEM as chunks on the queue (execution.hpp, exec/chunk_queue.hpp). Chunk c is batch c / P of the
// positions through configuration c % P (P configurations): the configurations of one batch are
// neighbours in the queue, so each batch completes early and leaves memory, while the workers run
// different configurations at once. Each configuration's potential is made once, by the first
// worker that needs it, and kept for the run (PotentialCache); a worker keeps the last
// configuration's slices and transmissions on its backend. The reduction (rank 0, in chunk order)
// sums a batch's configurations in order, so the readings do not depend on who computed what.
#include "multislice/stem_queue.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "backend/dispatch.hpp"
#include "multislice/ms_entries.hpp"
#include "phasis/core/error.hpp"
#include "phasis/exec/chunk_queue.hpp"
#include "phasis/exec/interrupt.hpp"
#include "phasis/multislice/diffraction.hpp"
#include "phasis/multislice/phonons.hpp"

namespace phasis::ms {
namespace {

/// Every configuration's host potential, made once on first use (by whichever worker asks first)
/// and kept for the run; later configurations share the first one's tables. With prefetch(), a
/// thread of its own makes them in order, up to two beyond the highest one asked for, on the host
/// cores the workers leave idle (GPU workers): the sampled form's slices of a 1024^2, 50-slice
/// configuration take seconds on the host, which the GPU would otherwise wait for in turn.
class PotentialCache {
 public:
  /// `build_threads`: OpenMP threads a worker making a configuration uses (0: its own). CPU
  /// workers that wait for a configuration another is making leave their cores idle meanwhile.
  PotentialCache(const Simulation& s, int build_threads) : s_(s), entries_(std::size_t(s.phonons)), build_threads_(build_threads) {
    for (auto& e : entries_) e = std::make_unique<Entry>();
  }
  ~PotentialCache() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    // The first prefetcher starts the other builders: once it has ended, nothing adds to them.
    if (first_.joinable()) first_.join();
    for (std::thread& b : builders_) b.join();
  }
  PotentialCache(const PotentialCache&) = delete;
  PotentialCache& operator=(const PotentialCache&) = delete;

  /// Starts making the configurations in order on `threads` host threads. A configuration's slices
  /// are made in parallel, so when it has fewer slices than threads (a thin specimen: 4 slices of
  /// gold) one build would leave most threads idle while the GPU waits: the first configuration
  /// is made with all of them, and the rest by as many builders at once as its slices leave
  /// threads for, each taking the next configuration in order.
  void prefetch(int threads) {
    threads = std::max(1, threads);
    first_ = std::thread([this, threads] {
      if (!make_ahead(0, threads)) return;
      const int64_t slices = std::max<int64_t>(1, get(0, false).potential->num_slices());
      const int builders = int(std::clamp<int64_t>(threads / slices, 1, std::max<int64_t>(1, int64_t(entries_.size()) - 1)));
      for (int b = 1; b < builders; ++b)  // only this thread adds to builders_, and before it ends
        builders_.emplace_back([this, threads, builders] { build_next(std::max(1, threads / builders), builders); });
      build_next(std::max(1, threads / builders), builders);
    });
  }

  const HostPotential& get(int64_t k, bool asked = true) {
    if (asked) {
      {
        std::lock_guard lock(mutex_);
        asked_ = std::max(asked_, k);
      }
      changed_.notify_all();
    }
    Entry& e = *entries_[std::size_t(k)];
    std::call_once(e.once, [&] { e.h = build(k); });  // a throw leaves it unmade: the next call retries
    return e.h;
  }

 private:
  /// Makes configuration k once it is at most `ahead` beyond the highest one asked for; false
  /// when the cache is stopping or the build failed (the worker that needs it makes it again and
  /// reports the failure).
  bool make_ahead(int64_t k, int threads, int64_t ahead = 2) {
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return stop_ || k <= asked_ + ahead; });
      if (stop_) return false;
    }
#ifdef _OPENMP
    omp_set_num_threads(threads);
#endif
    try {
      (void)get(k, false);
    } catch (...) {
      return false;
    }
    return true;
  }
  /// One of `builders` prefetch threads: takes the next unmade configuration in order.
  void build_next(int threads, int builders) {
    for (;;) {
      const int64_t k = next_.fetch_add(1);
      if (k >= int64_t(entries_.size()) || !make_ahead(k, threads, 1 + builders)) return;
    }
  }

  HostPotential build(int64_t k) {
#ifdef _OPENMP
    struct Threads {  // this thread's OpenMP team size for the build, restored after it
      int before = omp_get_max_threads();
      explicit Threads(int n) {
        if (n > 0) omp_set_num_threads(n);
      }
      ~Threads() { omp_set_num_threads(before); }
    } threads(build_threads_);
#endif
    const Atoms a = s_.phonons > 1 ? frozen_phonon(s_.atoms, s_.seed, k) : s_.atoms;
    std::shared_ptr<Potential> p;
    if (k == 0) p = std::make_shared<Potential>(a, s_.grid, s_.potential);
    else p = std::make_shared<Potential>(a, *get(0, false).potential);
    HostPotential h;
    if (p->backend_sampled()) h.bins = p->bins();
    else p->keep_slices();
    h.potential = std::move(p);
    return h;
  }

  struct Entry {
    std::once_flag once;
    HostPotential h;
  };
  const Simulation& s_;
  std::vector<std::unique_ptr<Entry>> entries_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int build_threads_ = 0;
  int64_t asked_ = -1;  // the highest configuration a worker asked for
  bool stop_ = false;
  std::atomic<int64_t> next_{1};  // the next configuration a prefetch builder takes (0: the first's own)
  std::thread first_;                   // makes configuration 0, then starts builders_ and builds too
  std::vector<std::thread> builders_;
};

/// Each detector's reader on the spectra, and the annular detectors as the runner's masks.
std::vector<SpectrumReader> spectrum_readers(const Simulation& s, std::vector<AnnularDetector>& annular) {
  std::vector<SpectrumReader> readers;
  for (const Detector& d : s.detectors) {
    SpectrumReader r;
    r.type = d.type;
    if (d.type == DetectorType::annular) {
      r.mask = int(annular.size());
      annular.push_back({d.ring.inner, d.ring.outer});
    } else if (d.type == DetectorType::pixelated) {
      r.crop = angle_crop_shape(s.grid, s.energy, d.max_angle);
      r.values = r.crop.first * r.crop.second;
    } else {
      r.ring = d.ring;
      r.values = d.ring.rings * d.ring.segments;
    }
    readers.push_back(r);
  }
  return readers;
}

/// The shape of `count` positions' readings of detector d.
Shape reading_shape(const SpectrumReader& r, const Detector& d, int64_t count) {
  if (r.type == DetectorType::pixelated) return Shape{count, r.crop.first, r.crop.second};
  if (r.type == DetectorType::segmented) return Shape{count, d.ring.rings, d.ring.segments};
  return Shape{count};
}

}  // namespace

void run_stem_queue(const Simulation& t, bool measure, const Chunking& c, Precision precision, exec::EventSink* events,
                    const RunControl& control, SimulationResult& r) {
  const int64_t n = int64_t(t.positions.size()), P = c.configurations;
  std::vector<AnnularDetector> annular;
  const std::vector<SpectrumReader> readers = spectrum_readers(t, annular);
  const std::size_t shown = t.detectors.size() - (measure ? 1 : 0);  // the caller's detectors

  StemOptions o;
  o.probe = t.probe;
  o.probe.energy = t.energy;
  o.detectors = annular;
  o.batch = c.batch;
  o.fused_fft = t.fused_fft;
  o.keep_configurations = c.keep_configurations;
  const int workers = int(c.workers.size());
  std::vector<StemTimings> timings(static_cast<std::size_t>(workers));
  std::vector<std::unique_ptr<StemChunkWorker>> engines(static_cast<std::size_t>(workers));
  // GPU workers leave the host's cores to the potentials: the prefetcher's, and each worker's own
  // when it makes one first. CPU workers making the first configurations share the cores of those
  // that wait for them (a batch's configurations are the first chunks handed out).
  const bool gpus = workers > 0 && c.workers[0].is_cuda();
#ifdef _OPENMP
  const int host_threads = omp_get_max_threads();
#else
  const int host_threads = 1;
#endif
  int cpu_threads = 0;  // the CPU workers' threads together
  for (const Device& d : c.workers) cpu_threads += d.is_cuda() ? 0 : std::max(1, d.threads);
  const int makers = int(std::max<int64_t>(1, std::min<int64_t>(P, workers)));  // configurations made at once
  PotentialCache potentials(t, gpus ? 0 : std::max(1, cpu_threads / makers));
  if (gpus && P > 1) potentials.prefetch(std::max(1, host_threads - workers));

  // What the run keeps: every reading (keep_readings), else the one-value detectors' only.
  for (std::size_t d = 0; d < shown; ++d) {
    const bool small = readers[d].type == DetectorType::annular;
    r.readings.emplace_back(control.keep_readings || small ? reading_shape(readers[d], t.detectors[d], n) : Shape{0});
    r.readings.back().zero();
  }
  if (measure) {
    r.lost_beyond_aperture = Array<double>(Shape{n});
    r.lost_beyond_aperture.zero();
  }
  const std::size_t px = first_pixelated(t);
  if (px < shown && control.keep_readings && control.first_batch == 0) {
    r.mean_pattern = Array<double>(Shape{readers[px].crop.first, readers[px].crop.second});
    r.mean_pattern.zero();
  }

  const exec::QueueTask task = [&](int w, int64_t chunk) {
    exec::wait_while_paused();  // the live view's pause, between chunks
    const int64_t b = chunk / P, k = chunk % P, j0 = b * c.batch, nb = std::min(c.batch, n - j0);
    auto& engine = engines[std::size_t(w)];
    const Device& device = c.workers[std::size_t(w)];
    if (!engine) {
#ifdef _OPENMP
      // This worker's share of the process: its threads (CPU) or the host cores per GPU.
      omp_set_num_threads(std::max(1, device.is_cuda() ? host_threads / workers : device.threads));
#endif
      StemOptions mine = o;
      mine.timings = &timings[std::size_t(w)];
      engine = dispatch(device, precision, [&]<class B, class T>() {
        return MsEntries<B, T>::chunk_worker(device, t.grid, t.positions, mine, readers);
      });
    }
    const HostPotential& h = potentials.get(k);
    return engine->chunk(*h.potential, h.potential->backend_sampled() ? &h.bins : nullptr, k, j0, nb);
  };

  exec::ChunkResult acc;
  const exec::QueueReduce reduce = [&](int64_t chunk, exec::ChunkResult&& part) {
    const int64_t b = chunk / P, k = chunk % P, j0 = b * c.batch, nb = std::min(c.batch, n - j0);
    if (k == 0) acc = std::move(part);
    else
      for (std::size_t i = 0; i < acc.size(); ++i) acc[i] += part[i];
    if (k + 1 < P) return;
    if (P > 1)
      for (double& v : acc) v /= double(P);
    StemBatch batch;
    batch.index = b, batch.first = j0, batch.count = nb;
    const double* at = acc.data();
    for (std::size_t d = 0; d < readers.size(); ++d) {
      Array<double> v(reading_shape(readers[d], t.detectors[d], nb));
      std::copy(at, at + v.size(), v.data());
      at += v.size();
      if (d < shown) {
        if (r.readings[d].size() > 0) std::copy(v.data(), v.data() + v.size(), r.readings[d].data() + j0 * (v.size() / nb));
        batch.readings.push_back(std::move(v));
      } else {
        batch.lost = Array<double>(Shape{nb});
        for (int64_t j = 0; j < nb; ++j) batch.lost[j] = 1 - v[j], r.lost_beyond_aperture[j0 + j] = 1 - v[j];
      }
    }
    if (!r.mean_pattern.empty()) {  // in position order, as a reader of the file would sum it
      const Array<double>& p = batch.readings[px];
      const int64_t frame = r.mean_pattern.size();
      for (int64_t j = 0; j < nb; ++j)
        for (int64_t i = 0; i < frame; ++i) r.mean_pattern[i] += p[j * frame + i] / double(n);
    }
    if (control.on_batch) control.on_batch(batch);
    // The first detector's image filling in (grid scans, one value per position).
    const int64_t rows = t.scan_shape[0], cols = t.scan_shape[1];
    if (events && events->wants_snapshots() && t.scan == ScanKind::grid && rows * cols == n && shown > 0 &&
        r.readings[0].shape().rank == 1 && r.readings[0].size() == n) {
      Array<float> image(Shape{rows, cols});
      for (int64_t j = 0; j < n; ++j) image[j] = j < j0 + nb ? float(r.readings[0][j]) : NAN;
      events->snapshot(exec::Snapshot{"stem_image", b, std::move(image)});
    }
  };

  exec::QueueOptions q;
  q.first = control.first_batch * P;
  q.count = c.chunks;
  q.workers = workers;
  q.distributed = c.scheduler == Scheduler::mpi;
  q.sink = events;
  q.name = "chunk";
  q.unit = "chunks";
  const exec::QueueOutcome out = exec::run_queue(q, task, reduce);
  r.batches_done = out.reduced_until / P;  // every rank's count (rank 0's, shared)
  r.chunks_per_rank = out.chunks_per_rank;
  for (const StemTimings& w : timings) {
    r.timings.setup += w.setup, r.timings.potential += w.potential, r.timings.probes += w.probes;
    r.timings.propagation += w.propagation, r.timings.detection += w.detection;
    if (!w.path.empty()) r.timings.path = w.path;
  }
}

}  // namespace phasis::ms
