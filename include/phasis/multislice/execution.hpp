// Where and how a multislice run's chunks run. A STEM run is an ensemble over frozen-phonon
// configurations and probe positions; its chunk is one batch of positions through one
// configuration. Chunks go to workers from one dynamic queue (exec/chunk_queue.hpp): CPU workers
// sharing this process's threads, one worker per listed GPU, or one worker per MPI rank. Their
// results are reduced in chunk order (batch by batch, configurations in order within a batch), so
// the readings have the same bits whatever the scheduler, the number of workers or ranks and the
// timing; a batch is complete, and handed to the caller (a file writer), as soon as its last
// configuration has been reduced.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "phasis/core/device.hpp"

namespace phasis::ms {

struct Simulation;

enum class Scheduler { automatic, threads, gpus, mpi };
const char* to_string(Scheduler s);
/// "auto", "threads", "gpus", "mpi"; InputError otherwise.
Scheduler parse_scheduler(const std::string& s);

struct Execution {
  // automatic: mpi under mpirun with several ranks, gpus for cuda, else threads. Under mpirun
  // another scheduler runs the whole simulation on each rank alone.
  Scheduler scheduler = Scheduler::automatic;
  Device device;              // threads: a cpu device (its threads are shared by the workers); gpus, mpi: the kind
  int workers = 0;            // threads: CPU workers (0: one per thread, at most one per chunk)
  std::vector<int> devices;   // gpus: the GPUs, one worker each (empty: the device's GPU)
  int64_t chunk_memory = 0;   // bytes one chunk may use (0: exec::default_chunk_budget of the device)
};

/// How a run is cut and spread, computed alike by run and plan.
struct Chunking {
  Scheduler scheduler = Scheduler::threads;  // resolved
  int ranks = 1;                // MPI ranks taking part
  int64_t batch = 1;            // positions per chunk (STEM); 1 for a plane wave
  int64_t batches = 1;          // batches of positions
  int64_t configurations = 1;   // frozen-phonon configurations
  int64_t chunks = 1;           // batches x configurations
  int64_t budget = 0;           // bytes a chunk may use
  double bytes_per_position = 0;  // a position's waves, FFT work space and readings in a chunk
  std::vector<Device> workers;  // this process's workers, one device each
  // Configurations whose prepared slices (transmissions) a worker keeps: all of them when that fits
  // a quarter of the free memory (host for CPU workers, together; the GPU's for a GPU worker), else 1
  int64_t keep_configurations = 1;
  double bytes_per_configuration = 0;  // one configuration's transmissions on a worker
};

/// The chunking of `s` under `x` in `precision`. InputError for a chunk budget smaller than one
/// position's waves, workers < 0, a GPU list on a CPU run or a GPU number beyond those present.
Chunking plan_chunking(const Simulation& s, const Execution& x, Precision precision);

}  // namespace phasis::ms
