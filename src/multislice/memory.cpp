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

MemoryEstimate estimate_memory(const Simulation& s, const Device& device, Precision precision) {
  const double real = precision == Precision::single ? 4 : 8, pixels = double(s.grid.pixels());
  const double thickness = s.potential.slice_thickness > 0 ? s.potential.slice_thickness : 1;
  const double slices = std::max(1.0, std::ceil(s.atoms.cell[2] / thickness));
  // Per slice: the potential and its complex transmission; two configurations (one built ahead).
  const double slice_bytes = 2 * slices * pixels * 3 * real;
  // A batch of waves, its FFT work space and the propagated copy.
  const int64_t batch = s.wave == WaveKind::plane ? 1 : std::min<int64_t>(s.batch, std::max<size_t>(1, s.positions.size()));
  const double wave_bytes = 3 * double(batch) * pixels * 2 * real;
  double results = 0;
  std::string largest = "slices: " + std::to_string(int64_t(slices)) + " x " + std::to_string(s.grid.ny) + " x " +
                        std::to_string(s.grid.nx);
  double largest_bytes = slice_bytes;
  if (wave_bytes > largest_bytes)
    largest_bytes = wave_bytes, largest = "waves: " + std::to_string(batch) + " x " + std::to_string(s.grid.ny) + " x " +
                                             std::to_string(s.grid.nx);
  for (const Detector& d : s.detectors) {
    if (d.type != DetectorType::pixelated) {
      results += double(s.positions.size()) * 64 * 8;  // a few values per position
      continue;
    }
    const auto [cy, cx] = angle_crop_shape(s.grid, s.energy, d.max_angle);
    const double b = double(s.positions.size()) * double(cy) * double(cx) * 8;  // kept in double
    results += b;
    if (b > largest_bytes)
      largest_bytes = b, largest = "pixelated patterns: " + std::to_string(s.positions.size()) + " x " + std::to_string(cy) +
                                      " x " + std::to_string(cx);
  }
  if (s.wave == WaveKind::plane) {
    results += 4 * pixels * 8;  // exit wave and images
    results += double(s.defocus_series.size()) * pixels * 8;  // the defocus series' images
    if (s.thickness_every > 0)  // the thickness series: exit wave, intensity and pattern per sample
      results += std::ceil(slices / double(s.thickness_every)) * pixels * (8 + 8 + 8);
  }
  MemoryEstimate e;
  e.largest = largest;
  if (device.is_cuda()) {
    e.device_bytes = slice_bytes + wave_bytes;
    e.host_bytes = results + double(batch) * pixels * 8;  // a batch of patterns read back
  } else {
    e.host_bytes = slice_bytes + wave_bytes + results;
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
