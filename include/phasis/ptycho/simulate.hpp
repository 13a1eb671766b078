// Forward simulator for far-field ptychography: a built-in complex phantom, a probe, a scan, and
// diffraction patterns I_j = |F(P O_j)|^2 (unitary F) with optional Poisson noise. The truth
// (object, probe, object origin) goes with the data so that every solver can be checked.
// Positions sit on the object pixel grid (jitter is rounded to it), so the forward model used here
// and the solvers' nearest-pixel overlap agree exactly: noise-free data are consistent.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/io/cxi.hpp"

namespace phasis {

struct SimulationOptions {
  // Geometry
  int64_t frame_size = 128;     // M, detector pixels per side
  double energy_kev = 8.0;
  double distance_m = 2.0;
  double detector_pixel_m = 75e-6;
  // Probe
  std::string probe = "aperture";  // "aperture" (focused by a circular aperture, defocused) or "gaussian"
  double aperture_fraction = 0.25; // pupil radius over the detector half-width
  double probe_diameter_px = 0;    // defocused probe diameter in object pixels; 0: M * 0.3
  double gaussian_sigma_px = 0;    // Gaussian probe sigma in object pixels; 0: M / 10
  int64_t probe_modes = 1;             // K mutually incoherent, orthogonal probe modes
  std::vector<double> mode_occupancy;  // their relative powers (K values; empty: 1, 1/2, 1/4, ...)
  // Scan
  std::string scan = "spiral";  // "spiral" (Fermat) or "raster"
  int64_t positions = 1000;     // spiral: count; raster: rounded to a square grid
  double step_px = 0;           // nearest-neighbour step in object pixels; 0: 0.3 x probe diameter
  double jitter_px = 0;         // Gaussian position jitter (sigma, object pixels)
  double fly_blur_px = 0;       // fly scan: the probe sweeps this far along x during each exposure
  // Noise
  double photons = 1e6;         // photons per frame (sum of the pattern)
  bool poisson = false;
  uint64_t seed = 1;
  // Initial probe stored in the file for the solvers: "none" (they start from the mean pattern),
  // "model" (the same optics with the defocused diameter off by `model_error`, as an experimenter's
  // nominal settings would be), or "truth" (for object-only tests).
  std::string initial_probe = "none";
  double model_error = 0.25;
};

/// The built-in phantom: amplitude in [0.55, 1] and phase in [-0.9, 0.9] rad with features at
/// several scales (a Siemens star, discs, rings, a grid of dots, smooth texture). Deterministic.
Array<Complex<float>> make_phantom(int64_t h, int64_t w, uint64_t seed = 7);

/// The probe in real space, M x M, centred, with sum |P|^2 = 1.
Array<Complex<float>> make_probe(const SimulationOptions& opt);

/// The simulator's model of the optics as a reconstruction's starting probe (`reconstruct
/// --probe-model`): opt.probe ("aperture": a pupil of aperture_fraction with the defocus that
/// spreads it to probe_diameter_px; "gaussian": gaussian_sigma_px) at opt.frame_size; `source`
/// says which, for the log. InputError for another model or a parameter out of range.
Array<Complex<float>> model_probe(const SimulationOptions& opt, std::string& source);

/// K orthogonal probe modes (K x M x M) with powers in the ratio of mode_occupancy, summing to 1.
Array<Complex<float>> make_probe_modes(const SimulationOptions& opt);

/// Scan positions in object pixels (N x 2: y, x), centred on (0, 0).
Array<int64_t> make_scan(const SimulationOptions& opt, double probe_diameter_px);

/// Runs the whole simulation. Throws InputError on impossible parameters.
void simulate(const SimulationOptions& opt, PtychoData& data, PtychoTruth& truth);

/// Checks options; one-line InputError for the first impossible value.
void check_simulation_options(const SimulationOptions& opt);

}  // namespace phasis
