// ms::run: a Simulation's checks, then its strategy: STEM as chunks on the queue (stem_queue.cpp),
// HRTEM through one loop over the phonon configurations here (for_each_configuration).
#include "phasis/multislice/simulation.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <memory>

#include "phasis/core/array.hpp"
#include "phasis/multislice/memory.hpp"
#include <set>
#include <string>

#include "multislice/stem_queue.hpp"
#include "multislice/multislice_kernels.hpp"  // for AnnularBits::kMaxBits
#include "phasis/core/error.hpp"
#include "phasis/multislice/energy.hpp"
#include "phasis/multislice/multislice.hpp"
#include "phasis/multislice/phonons.hpp"
#include "phasis/multislice/slicing.hpp"

namespace phasis::ms {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

ProbeOptions probe_of(const Simulation& s) {
  ProbeOptions p = s.probe;
  p.energy = s.energy;
  return p;
}

bool annular_only(const Simulation& s) {
  return std::all_of(s.detectors.begin(), s.detectors.end(), [](const Detector& d) { return d.type == DetectorType::annular; });
}

void check_detector_name(const std::string& name, std::set<std::string>& seen) {
  if (name.empty()) throw InputError("detector name: expected letters, digits, - and _; found an empty name");
  for (char ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '-')
      throw InputError("detector name: expected letters, digits, - and _; found '" + name + "'");
  if (!seen.insert(name).second) throw InputError("detector name: expected each name once; found '" + name + "' twice");
}

/// The loop of the host-read strategies: per configuration one span ("configuration"), its
/// potential (the static atoms for one configuration), `work(potential)` and one progress event
/// (with positions/s when `positions` > 0). The potential's time goes to `timings.potential`.
template <class Work>
void for_each_configuration(const Simulation& s, exec::EventSink* events, StemTimings& timings, int64_t positions,
                            const Work& work) {
  exec::ProgressMeter meter(events, "phonons", s.phonons, "configurations");
  for (int64_t k = 0; k < s.phonons; ++k) {
    const auto t0 = Clock::now();
    exec::ScopedSpan span(events, "configuration", "chunk", 0, k);
    const Potential pot(s.phonons > 1 ? frozen_phonon(s.atoms, s.seed, k) : s.atoms, s.grid, s.potential);
    timings.potential += since(t0);
    work(pot);
    if (positions > 0) meter.update(k + 1, {{"positions/s", double(positions) / std::max(since(t0), 1e-9)}});
    else meter.update(k + 1);
  }
}

template <class T>
void hrtem(const Simulation& s, const Device& device, SimulationResult& r, exec::EventSink* events) {
  const Grid& g = s.grid;
  const int64_t pix = g.pixels();
  r.exit_intensity = Array<double>(Shape{g.ny, g.nx});
  r.image = Array<double>(Shape{g.ny, g.nx});
  r.exit_intensity.zero();
  r.image.zero();
  r.diffraction = Array<double>(Shape{g.ny, g.nx});
  r.diffraction.zero();
  // Plane waves have unit total intensity (waves.hpp); times the pixel count, vacuum reads 1.
  const double w = double(pix) / double(s.phonons);
  // Thickness series: the exit wave sampled every `thickness_every` slices and after the last.
  const Slicing sl = make_slicing(s.atoms.cell[2], s.potential.slice_thickness, s.potential.slicing);
  const int64_t slices = sl.count(), every = s.thickness_every;
  std::vector<int64_t> ends;
  if (every > 0) {
    for (int64_t e = every; e < slices; e += every) ends.push_back(e);
    ends.push_back(slices);
    for (int64_t e : ends) r.thicknesses.push_back(sl.start[std::size_t(e - 1)] + sl.thickness[std::size_t(e - 1)]);
    const int64_t t = int64_t(ends.size());
    r.thickness_intensity = Array<double>(Shape{t, g.ny, g.nx});
    r.thickness_diffraction = Array<double>(Shape{t, g.ny, g.nx});
    r.thickness_intensity.zero();
    r.thickness_diffraction.zero();
    r.thickness_exit_wave = Array<Complex<float>>(Shape{t, g.ny, g.nx});
  }
  const int64_t nd = int64_t(s.defocus_series.size());
  if (nd > 0) {
    r.defocus_images = Array<double>(Shape{nd, g.ny, g.nx});
    r.defocus_images.zero();
  }
  bool first = true;
  for_each_configuration(s, events, r.timings, 0, [&](const Potential& pot) {
    Array<Complex<T>> wave = plane_wave<T>(g, 1);
    if (every > 0) {
      int64_t at = 0;
      for (std::size_t t = 0; t < ends.size(); ++t) {
        multislice<T>(device, wave, pot, s.energy, at, ends[t]);
        at = ends[t];
        const Array<double> pattern = diffraction_patterns(wave);
        const float scale = float(std::sqrt(double(pix)));
        for (int64_t i = 0; i < pix; ++i) {
          r.thickness_intensity[int64_t(t) * pix + i] += w * (double(wave[i].re) * wave[i].re + double(wave[i].im) * wave[i].im);
          r.thickness_diffraction[int64_t(t) * pix + i] += pattern[i] / double(s.phonons);
          if (first) r.thickness_exit_wave[int64_t(t) * pix + i] = {float(wave[i].re) * scale, float(wave[i].im) * scale};
        }
      }
    } else {
      multislice<T>(device, wave, pot, s.energy);
    }
    for (int64_t d = 0; d < nd; ++d) {  // the same exit wave through the lens at each defocus
      CtfOptions c = s.ctf;
      c.aberrations.c10 = s.defocus_series[std::size_t(d)];
      const Array<double> img = hrtem_image(wave, g, s.energy, c);
      for (int64_t i = 0; i < pix; ++i) r.defocus_images[d * pix + i] += w * img[i];
    }
    const Array<double> img = hrtem_image(wave, g, s.energy, s.ctf);
    const Array<double> pattern = diffraction_patterns(wave);
    for (int64_t i = 0; i < pix; ++i) {
      r.exit_intensity[i] += w * (double(wave[i].re) * wave[i].re + double(wave[i].im) * wave[i].im);
      r.image[i] += w * img[i];
      r.diffraction[i] += pattern[i] / double(s.phonons);
    }
    if (first) {
      r.exit_wave = Array<Complex<float>>(Shape{g.ny, g.nx});
      const float scale = float(std::sqrt(double(pix)));
      for (int64_t i = 0; i < pix; ++i) r.exit_wave[i] = {float(wave[i].re) * scale, float(wave[i].im) * scale};
      first = false;
    }
  });
  r.spots = diffraction_spots(r.diffraction, g, s.energy, s.supercell, s.spot_threshold);
}

}  // namespace

const char* detector_type_name(DetectorType t) {
  switch (t) {
    case DetectorType::annular: return "annular";
    case DetectorType::segmented: return "segmented";
    case DetectorType::pixelated: return "pixelated";
  }
  return "unknown";
}

std::size_t first_pixelated(const Simulation& s) {
  for (std::size_t d = 0; d < s.detectors.size(); ++d)
    if (s.detectors[d].type == DetectorType::pixelated) return d;
  return s.detectors.size();
}

void check_simulation(const Simulation& s) {
  wavelength(s.energy);  // energy > 0
  if (s.phonons < 1) throw InputError("simulation phonons: expected at least 1 configuration; found " + std::to_string(s.phonons));
  if (s.batch < 0) throw InputError("simulation batch: expected 0 (from the chunk budget) or more positions; found " + std::to_string(s.batch));
  check_atoms(s.atoms);
  if (s.phonons > 1 && s.atoms.sigma.empty())
    throw InputError("simulation atoms: expected an rms displacement per atom (sigma) for " + std::to_string(s.phonons) +
                     " phonon configurations; found none");
  check_grid(s.grid);
  if (!(s.potential.slice_thickness > 0))
    throw InputError("potential slice thickness: expected a positive length in Angstrom; found " +
                     std::to_string(s.potential.slice_thickness));
  const Grid& g = s.grid;
  if (s.wave == WaveKind::plane) {
    if (!s.detectors.empty()) throw InputError("simulation detectors: expected none for a plane wave (they need a probe); found " +
                                               std::to_string(s.detectors.size()));
    hrtem_image(plane_wave<float>(g, 1), g, s.energy, s.ctf);  // CTF parameters
    for (double c10 : s.defocus_series)
      if (!std::isfinite(c10)) throw InputError("hrtem defocus series: expected finite C10 values in Angstrom; found " + std::to_string(c10));
    if (s.thickness_every < 0)
      throw InputError("hrtem thickness every: expected slices >= 1 between samples (0: none); found " +
                       std::to_string(s.thickness_every));
    angle_crop_shape(g, s.energy, s.diffraction_max_angle);  // within the antialiased cutoff
    if (!(s.beam_stop >= 0)) throw InputError("hrtem beam stop: expected a radius >= 0 mrad; found " + std::to_string(s.beam_stop));
    if (!(s.spot_threshold > 0 && s.spot_threshold <= 1))
      throw InputError("simulation spot threshold: expected a share of the beam in (0, 1]; found " +
                       std::to_string(s.spot_threshold));
    return;
  }
  if (s.positions.empty()) throw InputError("simulation positions: expected at least one probe position; found none");
  if (s.scan_shape[0] * s.scan_shape[1] != int64_t(s.positions.size()))
    throw InputError("simulation scan shape: expected rows x columns = " + std::to_string(s.positions.size()) +
                     " positions; found " + std::to_string(s.scan_shape[0]) + " x " + std::to_string(s.scan_shape[1]));
  if (s.detectors.empty()) throw InputError("simulation detectors: expected at least one for a probe; found none");
  probe<float>(g, probe_of(s), {s.positions[0]});  // semiangle within the antialiased limit
  std::set<std::string> names;
  for (const Detector& d : s.detectors) {
    check_detector_name(d.name, names);
    if (d.type == DetectorType::pixelated) {
      angle_crop_shape(g, s.energy, d.max_angle);  // within the antialiased cutoff
      continue;
    }
    SegmentedDetector ring = d.ring;
    if (d.type == DetectorType::annular) ring.rings = ring.segments = 1;
    check_segmented(ring, g, s.energy);
  }
}

SimulationResult run(const Simulation& s, const Device& device, Precision precision, exec::EventSink* events) {
  Execution x;
  x.device = device;
  return run(s, x, precision, events);
}

SimulationResult run(const Simulation& s, const Execution& x, Precision precision, exec::EventSink* events,
                     const RunControl& control) {
  check_simulation(s);
  require_device(x.device);
  const Chunking c = plan_chunking(s, x, precision);
  for (const Device& d : c.workers) require_device(d);
  if (control.first_batch < 0 || control.first_batch > c.batches)
    throw InputError("resume: expected a first batch from 0 to " + std::to_string(c.batches) + "; found " +
                     std::to_string(control.first_batch));
  // Refused at the start, in one line, when the big arrays cannot fit (memory.hpp).
  const MemoryEstimate need = estimate_memory(s, c, precision, control.keep_readings);
  check_memory(need, available_host_bytes(), x.device.is_cuda() ? double(device_free_bytes()) : 0.0);
  SimulationResult r;
  r.chunking = c;
  const auto t0 = Clock::now();
  const bool single = precision == Precision::single;
  if (s.wave == WaveKind::plane) {
    single ? hrtem<float>(s, x.device, r, events) : hrtem<double>(s, x.device, r, events);
    // What the exit waves still hold; the rest left through the antialiasing aperture.
    double kept = 0;
    for (int64_t i = 0; i < r.diffraction.size(); ++i) kept += r.diffraction[i];
    r.lost_beyond_aperture = Array<double>(Shape{1});
    r.lost_beyond_aperture[0] = 1 - kept;
  } else {
    // One more annular detector over the whole antialiasing aperture reads what each probe's exit
    // wave still holds (on every strategy, the fused kernels included); the rest was lost beyond
    // the aperture. Its outer angle passes the cutoff by 1e-10 so no propagated pixel is missed.
    // Not with AnnularBits::kMaxBits annular detectors alone: one more would take the fused 512
    // path's reading off the device (lost_beyond_aperture stays empty).
    Simulation t = s;
    const bool measure = !annular_only(s) || s.detectors.size() < std::size_t(AnnularBits::kMaxBits);
    if (measure) {
      Detector all;
      all.name = "beyond_aperture";
      all.ring.inner = 0;
      all.ring.outer = 1e3 * antialias_angle(s.grid, s.energy) * (1 + 1e-10);
      t.detectors.push_back(all);
    }
    run_stem_queue(t, measure, c, precision, events, control, r);
  }
  if (s.potential_output != PotentialOutput::none) {
    // The static lattice's slices, as the run cut them (phonon configurations displace the atoms).
    const Potential pot(s.atoms, s.grid, s.potential);
    const std::vector<float> v = pot.all_slices();
    const int64_t n = pot.num_slices(), pix = s.grid.pixels();
    if (s.potential_output == PotentialOutput::slices) {
      r.potential = Array<float>(Shape{n, s.grid.ny, s.grid.nx});
      for (int64_t i = 0; i < n * pix; ++i) r.potential[i] = v[std::size_t(i)];
    } else {
      r.potential = Array<float>(Shape{s.grid.ny, s.grid.nx});
      for (int64_t i = 0; i < pix; ++i) {
        double sum = 0;  // in double: thick specimens add hundreds of slices
        for (int64_t k = 0; k < n; ++k) sum += v[std::size_t(k * pix + i)];
        r.potential[i] = float(sum);
      }
    }
  }
  r.seconds = since(t0);
  return r;
}

const char* to_string(PotentialOutput p) {
  switch (p) {
    case PotentialOutput::none: return "none";
    case PotentialOutput::projected: return "projected";
    case PotentialOutput::slices: return "slices";
  }
  return "none";
}

PotentialOutput parse_potential_output(const std::string& s) {
  if (s == "none") return PotentialOutput::none;
  if (s == "projected") return PotentialOutput::projected;
  if (s == "slices") return PotentialOutput::slices;
  throw InputError("potential output: expected none, projected or slices; found '" + s + "'");
}

}  // namespace phasis::ms
