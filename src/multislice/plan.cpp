// plan_run and plan_text (plan.hpp): the run's shape from the same sizes the run uses (the slicing,
// the batch, the detectors' readings, the crop) without computing anything.
#include "phasis/multislice/plan.hpp"

#include <algorithm>
#include <cstdio>

#include "phasis/multislice/diffraction.hpp"
#include "phasis/multislice/slicing.hpp"

namespace phasis::ms {
namespace {

std::string bytes_text(double b) {
  char t[32];
  if (b < 1024.0 * 1024.0) std::snprintf(t, sizeof t, "%.1f KiB", b / 1024.0);
  else if (b < 1024.0 * 1024.0 * 1024.0) std::snprintf(t, sizeof t, "%.1f MiB", b / (1024.0 * 1024.0));
  else std::snprintf(t, sizeof t, "%.2f GiB", b / (1024.0 * 1024.0 * 1024.0));
  return t;
}

std::string shape_text(const std::vector<int64_t>& s) {
  std::string t;
  for (int64_t d : s) t += (t.empty() ? "" : " x ") + std::to_string(d);
  return t;
}

void add(RunPlan& p, std::string name, std::vector<int64_t> shape, double element_bytes) {
  double n = 1;
  for (int64_t d : shape) n *= double(d);
  p.outputs.push_back({std::move(name), std::move(shape), n * element_bytes});
  p.output_bytes += n * element_bytes;
}

}  // namespace

RunPlan plan_run(const Simulation& s, const Execution& x, Precision precision, bool keep_readings) {
  check_simulation(s);
  RunPlan p;
  p.chunking = plan_chunking(s, x, precision);
  const Chunking& c = p.chunking;
  const Grid& g = s.grid;
  const double real = precision == Precision::single ? 4 : 8;
  p.slices = make_slicing(s.atoms.cell[2], s.potential.slice_thickness, s.potential.slicing).count();
  p.axes.push_back({"phonons", s.phonons, s.phonons > 1 ? "frozen-phonon configurations, seed " + std::to_string(s.seed) : "the static lattice"});
  if (s.wave == WaveKind::probe) {
    const int64_t n = int64_t(s.positions.size()), batch = c.batch;
    const std::string how = s.scan == ScanKind::grid ? std::to_string(s.scan_shape[0]) + " x " + std::to_string(s.scan_shape[1]) + " grid"
                            : s.scan == ScanKind::line ? "a line" : "custom";
    p.axes.push_back({"positions", n, how});
    p.chunk = std::to_string(batch) + " probe positions of one configuration through " + std::to_string(p.slices) + " slices";
    p.chunks = s.phonons * ((n + batch - 1) / batch);
    p.chunk_bytes = double(batch) * c.bytes_per_position;
    for (const Detector& d : s.detectors) {
      const std::string ds = "stem/" + d.name;
      if (d.type == DetectorType::annular) add(p, ds, {n}, 8);
      else if (d.type == DetectorType::segmented) add(p, ds, {n, d.ring.rings, d.ring.segments}, 8);
      else {
        const auto [cy, cx] = angle_crop_shape(g, s.energy, d.max_angle);
        add(p, ds, {n, cy, cx}, 8);
      }
    }
    if (first_pixelated(s) < s.detectors.size()) {
      const auto [cy, cx] = angle_crop_shape(g, s.energy, s.detectors[first_pixelated(s)].max_angle);
      add(p, "stem/mean_diffraction", {cy, cx}, 8);
    }
  } else {
    p.chunk = "one configuration's plane wave through " + std::to_string(p.slices) + " slices";
    p.chunks = s.phonons;
    p.chunk_bytes = 3 * double(g.pixels()) * 2 * real;
    add(p, "hrtem/exit_wave", {g.ny, g.nx}, 8);
    add(p, "hrtem/exit_intensity", {g.ny, g.nx}, 8);
    add(p, "hrtem/image", {g.ny, g.nx}, 8);
    const auto [cy, cx] = angle_crop_shape(g, s.energy, s.diffraction_max_angle);
    add(p, "hrtem/diffraction", {cy, cx}, 8);
    if (!s.defocus_series.empty()) {
      const auto [lo, hi] = std::minmax_element(s.defocus_series.begin(), s.defocus_series.end());
      char t[64];
      std::snprintf(t, sizeof t, "C10 %g .. %g A", *lo, *hi);
      p.axes.push_back({"defocus", int64_t(s.defocus_series.size()), t});
      add(p, "hrtem/defocus_series/images", {int64_t(s.defocus_series.size()), g.ny, g.nx}, 8);
    }
    if (s.thickness_every > 0) {
      const int64_t t = (p.slices + s.thickness_every - 1) / s.thickness_every;
      p.axes.push_back({"thickness", t, "every " + std::to_string(s.thickness_every) + " slices and the last"});
      add(p, "hrtem/thickness_series/exit_wave", {t, g.ny, g.nx}, 8);
      add(p, "hrtem/thickness_series/exit_intensity", {t, g.ny, g.nx}, 8);
      add(p, "hrtem/thickness_series/diffraction", {t, cy, cx}, 8);
    }
  }
  p.memory = estimate_memory(s, c, precision, keep_readings);
  return p;
}

std::string plan_text(const RunPlan& p, double host_free, double device_free) {
  std::string out = "axes:";
  for (const PlanAxis& a : p.axes) out += "\n  " + a.name + ": " + std::to_string(a.size) + " (" + a.detail + ")";
  out += "\nchunks: " + std::to_string(p.chunks) + " of " + p.chunk + "; " + bytes_text(p.chunk_bytes) +
         " each (waves, FFT work space, readings; budget " + bytes_text(double(p.chunking.budget)) + ")";
  // Who takes them: the queue's workers on this process (each rank the same under MPI).
  std::string who;
  for (std::size_t w = 0; w < p.chunking.workers.size(); ++w) who += (w ? ", " : "") + describe(p.chunking.workers[w]);
  out += "\nscheduler: " + std::string(to_string(p.chunking.scheduler)) + ", " + std::to_string(p.chunking.workers.size()) +
         " worker" + (p.chunking.workers.size() == 1 ? "" : "s") + (p.chunking.ranks > 1 ? " on each of " + std::to_string(p.chunking.ranks) + " ranks" : "") +
         " (" + who + ")";
  out += "\noutputs: " + bytes_text(p.output_bytes) + " in all";
  for (const PlanOutput& o : p.outputs) out += "\n  " + o.name + ": " + shape_text(o.shape) + ", " + bytes_text(o.bytes);
  out += "\nmemory: host " + bytes_text(p.memory.host_bytes);
  if (p.memory.device_bytes > 0) out += ", device " + bytes_text(p.memory.device_bytes);
  out += " (largest: " + p.memory.largest + ")";
  // The run's own check (memory.hpp) leaves 10% of what is free unclaimed.
  const bool host_ok = host_free <= 0 || p.memory.host_bytes <= 0.9 * host_free;
  const bool device_ok = p.memory.device_bytes <= 0 || device_free <= 0 || p.memory.device_bytes <= 0.9 * device_free;
  out += "\nfree now: host " + (host_free > 0 ? bytes_text(host_free) : std::string("unknown"));
  if (p.memory.device_bytes > 0) out += ", device " + (device_free > 0 ? bytes_text(device_free) : std::string("unknown"));
  out += host_ok && device_ok ? "; the run fits" : "; the run does not fit (phasis multislice run refuses it)";
  return out + "\n";
}

}  // namespace phasis::ms
