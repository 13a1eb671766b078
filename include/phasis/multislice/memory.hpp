// What a multislice run will hold in memory, estimated before any work, so that a grid or a 4D-STEM
// scan too large for the machine is refused in one line at the start instead of running for
// minutes and being killed by the out-of-memory killer without a word.
// The estimate counts the big arrays only: per worker the slices and transmissions of one
// frozen-phonon configuration and a chunk of waves with its FFT work space; every configuration's
// potential where the host makes it; the results kept (a pixelated detector's every cropped
// pattern, unless the run streams them to its file) and those waiting in the queue's window. It is a lower bound by design: small arrays and
// libraries' work areas come on top, so the check leaves 10% of what is available unclaimed.
#pragma once

#include <string>

#include "phasis/core/device.hpp"
#include "phasis/multislice/simulation.hpp"

namespace phasis::ms {

struct MemoryEstimate {
  double host_bytes = 0;    // results, and everything when the run is on the CPU
  double device_bytes = 0;  // slices and waves of a CUDA run
  std::string largest;      // the largest item, in words ("pixelated patterns: 10000 x 101 x 101")
};

/// The estimate for `s` cut as `c` (execution.hpp: plan_chunking); `keep_readings`:
/// RunControl::keep_readings.
MemoryEstimate estimate_memory(const Simulation& s, const Chunking& c, Precision precision, bool keep_readings = true);

/// Host memory available now (MemAvailable of /proc/meminfo; the physical memory elsewhere), bytes.
double available_host_bytes();

/// InputError when `e` needs more than 90% of `host` (or of `device` bytes for a CUDA run):
/// "multislice: this run needs about 37.2 GiB of host memory (largest: ...); 22.1 GiB are available".
void check_memory(const MemoryEstimate& e, double host, double device);

}  // namespace phasis::ms
