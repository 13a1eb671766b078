#include "phasis/multislice/memory.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "phasis/core/error.hpp"
#include "phasis/multislice/diffraction.hpp"

namespace phasis::ms {

namespace {
std::string gib(double bytes) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3g GiB", bytes / (1024.0 * 1024.0 * 1024.0));
  return b;
}
}  // namespace

MemoryEstimate estimate_memory(const Simulation& s, const Chunking& c, Precision precision, bool keep_readings) {
  const double real = precision == Precision::single ? 4 : 8, pixels = double(s.grid.pixels());
  const double thickness = s.potential.slice_thickness > 0 ? s.potential.slice_thickness : 1;
  const double slices = std::max(1.0, std::ceil(s.atoms.cell[2] / thickness));
  const double P = double(std::max<int64_t>(1, s.phonons));
  const std::string grid = std::to_string(s.grid.ny) + " x " + std::to_string(s.grid.nx);
  const bool stem = s.wave == WaveKind::probe;
  // Per worker, on its device: one configuration's slices and complex transmissions, a chunk's
  // waves with their FFT work space and readings (plane waves: the wave, its copy and images).
  const double slice_bytes = slices * pixels * (4 + 2 * real);
  const double chunk_bytes = stem ? double(c.batch) * c.bytes_per_position : 3 * pixels * 2 * real;
  const double kept = stem ? double(std::max<int64_t>(0, c.keep_configurations - 1)) * c.bytes_per_configuration : 0;
  const double worker_bytes = slice_bytes + kept + chunk_bytes;
  std::string largest = "slices: " + std::to_string(int64_t(slices)) + " x " + grid;
  double largest_bytes = slice_bytes;
  if (chunk_bytes > largest_bytes)
    largest_bytes = chunk_bytes, largest = "a chunk: " + std::to_string(c.batch) + " waves of " + grid;
  // On the host: every configuration's potential where it is made there (kept for the run).
  const bool host_made = s.potential.form == PotentialForm::sampled || s.potential.projection == Projection::finite;
  double host = stem && host_made ? P * slices * pixels * 4 : 0;
  if (host > largest_bytes) largest_bytes = host, largest = "potentials: " + std::to_string(int64_t(P)) + " x " + std::to_string(int64_t(slices)) + " x " + grid;
  double results = 0, per_position = 0;
  const double n = double(s.positions.size());
  for (const Detector& d : s.detectors) {
    double values = 1;
    if (d.type == DetectorType::segmented) values = double(d.ring.rings * d.ring.segments);
    if (d.type == DetectorType::pixelated) {
      const auto [cy, cx] = angle_crop_shape(s.grid, s.energy, d.max_angle);
      values = double(cy) * double(cx);
    }
    per_position += values * 8;
    const bool kept = keep_readings || d.type == DetectorType::annular;
    const double b = kept ? n * values * 8 : 0;
    results += b;
    if (b > largest_bytes)
      largest_bytes = b, largest = std::string(d.type == DetectorType::pixelated ? "pixelated patterns: " : "readings: ") +
                                   std::to_string(s.positions.size()) + " x " + std::to_string(int64_t(values));
  }
  // Results waiting for their turn in the queue's window, and the batch being summed.
  const double window = 2.0 * double(c.workers.size()) * double(c.ranks) + 3;
  if (stem) results += window * double(c.batch) * (per_position + 8) + n * 8;
  if (!stem) {
    results += 4 * pixels * 8;  // exit wave and images
    results += double(s.defocus_series.size()) * pixels * 8;  // the defocus series' images
    if (s.thickness_every > 0)  // the thickness series: exit wave, intensity and pattern per sample
      results += std::ceil(slices / double(s.thickness_every)) * pixels * (8 + 8 + 8);
  }
  MemoryEstimate e;
  e.largest = largest;
  const double workers = double(std::max<std::size_t>(1, c.workers.size()));
  const bool cuda = !c.workers.empty() && c.workers[0].is_cuda();
  if (cuda) {
    e.device_bytes = worker_bytes;  // one worker per GPU
    e.host_bytes = host + results;
  } else {
    e.host_bytes = host + results + (stem ? workers : 1.0) * worker_bytes;
  }
  return e;
}

double available_host_bytes() {
  std::ifstream f("/proc/meminfo");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("MemAvailable:", 0) == 0) {
      std::istringstream in(line.substr(13));
      double kib = 0;
      if (in >> kib) return kib * 1024;
    }
  }
  return double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGE_SIZE));
}

void check_memory(const MemoryEstimate& e, double host, double device) {
  if (e.host_bytes > 0.9 * host)
    throw InputError("multislice: this run needs about " + gib(e.host_bytes) + " of host memory (largest: " + e.largest +
                     "); " + gib(host) + " are available (fewer positions, a smaller grid or a coarser sampling)");
  if (e.device_bytes > 0 && e.device_bytes > 0.9 * device)
    throw InputError("multislice: this run needs about " + gib(e.device_bytes) + " of GPU memory (largest: " + e.largest +
                     "); " + gib(device) + " are free (a smaller batch or grid)");
}

}  // namespace phasis::ms
