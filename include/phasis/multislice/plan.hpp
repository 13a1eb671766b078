// What a multislice run will do, described before anything runs (`phasis multislice plan`): its
// ensemble axes (frozen-phonon configurations, probe positions, HRTEM series), how the work is cut
// into chunks (a batch of positions of one configuration, or one configuration of a plane wave),
// the bytes of one chunk, every output's shape and size, and the memory the run will hold
// (memory.hpp), as abTEM's lazy arrays show theirs before compute().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "phasis/core/device.hpp"
#include "phasis/multislice/memory.hpp"
#include "phasis/multislice/simulation.hpp"

namespace phasis::ms {

struct PlanAxis {
  std::string name;  // "phonons", "positions", "defocus", "thickness"
  int64_t size = 0;
  std::string detail;  // "32 x 32 grid", "C10 -400 .. 0 A", ...
};

struct PlanOutput {
  std::string name;  // the HDF5 dataset
  std::vector<int64_t> shape;
  double bytes = 0;
};

struct RunPlan {
  std::vector<PlanAxis> axes;
  int64_t slices = 0;
  std::string chunk;        // what one chunk is, in words
  int64_t chunks = 0;       // chunks of the whole run
  double chunk_bytes = 0;   // the waves of one chunk with their FFT work space and propagated copy
  std::vector<PlanOutput> outputs;
  double output_bytes = 0;  // the result file's arrays, before compression
  MemoryEstimate memory;
  Chunking chunking;        // the scheduler, workers and batch (execution.hpp)
};

/// The plan of `s` under `x` in `precision` (keep_readings: RunControl's); check_simulation's and
/// plan_chunking's InputError for a bad simulation or execution.
RunPlan plan_run(const Simulation& s, const Execution& x, Precision precision, bool keep_readings = true);

/// The plan in lines a person reads, with the memory free now (host, and device for a CUDA run;
/// <= 0: unknown) and whether the run fits in it.
std::string plan_text(const RunPlan& p, double host_free, double device_free);

}  // namespace phasis::ms
