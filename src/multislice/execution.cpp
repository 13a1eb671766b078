// plan_chunking (execution.hpp): the scheduler, the workers and their devices, the batch of
// positions a chunk holds.
#include "phasis/multislice/execution.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>
#include <string>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "phasis/comm/mpi.hpp"
#include "phasis/core/array.hpp"
#include "phasis/core/error.hpp"
#include "phasis/exec/chunks.hpp"
#include "phasis/multislice/diffraction.hpp"
#include "phasis/multislice/simulation.hpp"

namespace phasis::ms {

const char* to_string(Scheduler s) {
  switch (s) {
    case Scheduler::automatic: return "auto";
    case Scheduler::threads: return "threads";
    case Scheduler::gpus: return "gpus";
    case Scheduler::mpi: return "mpi";
  }
  return "auto";
}

Scheduler parse_scheduler(const std::string& s) {
  if (s == "auto") return Scheduler::automatic;
  if (s == "threads") return Scheduler::threads;
  if (s == "gpus") return Scheduler::gpus;
  if (s == "mpi") return Scheduler::mpi;
  throw InputError("run scheduler: expected auto, threads, gpus or mpi; found '" + s + "'");
}

namespace {

int process_threads(const Device& d) {
#ifdef _OPENMP
  return d.threads > 0 ? d.threads : omp_get_max_threads();
#else
  return d.threads > 0 ? d.threads : 1;
#endif
}

/// Readings per position of every detector, with the one that measures what the aperture cut.
int64_t values_per_position(const Simulation& s, bool& segmented) {
  int64_t values = 1;  // lost beyond the aperture
  segmented = false;
  for (const Detector& d : s.detectors) {
    if (d.type == DetectorType::annular) values += 1;
    if (d.type == DetectorType::segmented) values += d.ring.rings * d.ring.segments, segmented = true;
    if (d.type == DetectorType::pixelated) {
      const auto [my, mx] = angle_crop_shape(s.grid, s.energy, d.max_angle);
      values += my * mx;
    }
  }
  return values;
}

void check_gpu_numbers(const std::vector<int>& gpus) {
  const int count = cuda_device_count();
  std::set<int> seen;
  for (int g : gpus) {
    if (g < 0 || (count > 0 && g >= count))
      throw InputError("run devices: expected GPU numbers from 0 to " + std::to_string(count - 1) + " (this machine has " +
                       std::to_string(count) + "); found " + std::to_string(g));
    if (!seen.insert(g).second) throw InputError("run devices: expected each GPU once; found " + std::to_string(g) + " twice");
  }
}

}  // namespace

Chunking plan_chunking(const Simulation& s, const Execution& x, Precision precision) {
  Chunking c;
  const comm::Mpi world;
  Scheduler scheduler = x.scheduler;
  if (scheduler == Scheduler::automatic)
    scheduler = world.size() > 1 ? Scheduler::mpi : x.device.is_cuda() ? Scheduler::gpus : Scheduler::threads;
  c.scheduler = scheduler;
  c.ranks = scheduler == Scheduler::mpi ? world.size() : 1;
  if (x.workers < 0) throw InputError("run workers: expected 0 (automatic) or more; found " + std::to_string(x.workers));
  if (scheduler == Scheduler::threads && x.device.is_cuda())
    throw InputError("run scheduler: expected gpus (or auto) for device " + describe(x.device) + "; found threads");
  if (scheduler == Scheduler::gpus && !x.device.is_cuda())
    throw InputError("run scheduler: expected threads (or auto) for device cpu; found gpus");
  if (!x.devices.empty() && !x.device.is_cuda())
    throw InputError("run devices: expected a GPU list only with device cuda; found " + std::to_string(x.devices.size()) +
                     " GPUs with device cpu");

  const double real = precision == Precision::single ? 4 : 8, pix = double(s.grid.pixels());
  bool segmented = false;
  const int64_t values = s.wave == WaveKind::probe ? values_per_position(s, segmented) : 0;
  // The batch's waves and the FFT's work space; the readings on the backend and on the host; a
  // segmented detector's host copy of the spectra and their intensities.
  c.bytes_per_position = 2 * pix * 2 * real + double(values) * 8 * 2 + (segmented ? pix * (2 * real + 8) : 0);
  c.configurations = s.phonons;

  // The workers of this process and their devices.
  const int cores = process_threads(x.device);
  if (scheduler == Scheduler::gpus) {
    const std::vector<int> gpus = x.devices.empty() ? std::vector<int>{x.device.index} : x.devices;
    check_gpu_numbers(gpus);
    for (int g : gpus) c.workers.push_back(Device::cuda(g));
  } else if (scheduler == Scheduler::mpi) {
    if (x.device.is_cuda()) {
      // One GPU per rank: the ones listed, or the rank's place on its host.
      const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_RANK");
      const int count = cuda_device_count();
      const int place = local ? std::atoi(local) : world.rank();
      int g = x.device.index;
      if (!x.devices.empty()) check_gpu_numbers(x.devices), g = x.devices[std::size_t(place) % x.devices.size()];
      else if (count > 0) g = place % count;
      c.workers.push_back(Device::cuda(g));
    } else {
      c.workers.push_back(Device::cpu(cores));
    }
  }

  const Device& first = c.workers.empty() ? x.device : c.workers[0];
  if (x.chunk_memory < 0) throw InputError("run chunk_memory: expected bytes > 0 (or 0: automatic); found " + std::to_string(x.chunk_memory));
  if (x.chunk_memory > 0 && double(x.chunk_memory) < c.bytes_per_position)
    throw InputError("run chunk_memory: expected at least one position's " + std::to_string(int64_t(std::ceil(c.bytes_per_position))) +
                     " bytes (its waves, FFT work space and readings); found " + std::to_string(x.chunk_memory));
  c.budget = x.chunk_memory > 0 ? x.chunk_memory : exec::default_chunk_budget(first);

  if (s.wave == WaveKind::probe) {
    const int64_t n = std::max<int64_t>(1, int64_t(s.positions.size()));
    c.batch = exec::plan_chunks(n, int64_t(std::ceil(c.bytes_per_position)), c.budget, s.batch).chunk;
    c.batches = (n + c.batch - 1) / c.batch;
  }
  c.chunks = c.batches * c.configurations;

  if (scheduler == Scheduler::threads) {
    int w = x.workers > 0 ? x.workers : cores;
    if (s.wave == WaveKind::probe && s.batch == 0 && c.chunks < w) {
      // An automatic batch small enough that every worker gets a chunk.
      const int64_t n = std::max<int64_t>(1, int64_t(s.positions.size()));
      const int64_t want_batches = (w + c.configurations - 1) / c.configurations;
      c.batch = std::max<int64_t>(1, (n + want_batches - 1) / want_batches);
      c.batches = (n + c.batch - 1) / c.batch;
      c.chunks = c.batches * c.configurations;
    }
    w = int(std::min<int64_t>(w, c.chunks));
    const int each = std::max(1, cores / std::max(w, 1));
    for (int i = 0; i < w; ++i) c.workers.push_back(Device::cpu(each));
  }
  // Prepared configurations kept per worker: all when they fit, so that a worker switching between
  // the configurations of neighbouring chunks does not remake their transmissions.
  const double slices = std::max(1.0, std::ceil(s.atoms.cell[2] / std::max(s.potential.slice_thickness, 1e-9)));
  c.bytes_per_configuration = slices * pix * 2 * real;
  if (s.wave == WaveKind::probe && !c.workers.empty()) {
    const bool gpu = c.workers[0].is_cuda();
    const double free = gpu ? double(device_free_bytes()) : double(exec::host_available_bytes());
    const double workers_here = gpu ? 1.0 : double(c.workers.size());
    const double all = workers_here * double(c.configurations) * c.bytes_per_configuration;
    if (free > 0 && all <= free / 4) c.keep_configurations = c.configurations;
  }
  return c;
}

}  // namespace phasis::ms
