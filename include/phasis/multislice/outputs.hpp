// Files of a finished multislice simulation (simulation.hpp): the HDF5 result, PNG pictures and
// the 4D-STEM data as a CXI ptychography file. Each file goes through a temporary name and a
// rename, so a reader never sees half a file and a failed write leaves nothing behind.
//
// HDF5 layout: attributes /parameters (JSON text, the caller's) and /units; slices/thickness,
// slices/start [Angstrom] and slices/atoms (centres of the static lattice per slice, int32), with
// attributes count, mode (equal or fixed), requested_thickness, boundary_tolerance [Angstrom] and
// potential_form (sampled or pixel_average); STEM: stem/positions
// (n, 2) [Angstrom, (x, y)], stem/scan_shape (2), one dataset stem/<detector name> per detector
// (readings, with attributes `type` and `parameters`, detector_parameters) and, with a pixelated
// detector, stem/mean_diffraction (my, mx); HRTEM: hrtem/exit_wave (complex float),
// hrtem/exit_intensity and hrtem/image.
#pragma once

#include <string>
#include <vector>

#include "phasis/multislice/simulation.hpp"

namespace phasis::ms {

/// Writes the HDF5 result file at `path`; `parameters_json` becomes the /parameters attribute.
void write_simulation(const std::string& path, const Simulation& s, const SimulationResult& r,
                      const std::string& parameters_json);

/// PNG pictures named `prefix` + "_<what>.png": HRTEM: exit_intensity and hrtem; STEM: each annular
/// detector's readings as an image (grid scans only) and the mean diffraction pattern
/// (logarithmic). Returns the paths written, in order.
std::vector<std::string> write_pictures(const std::string& prefix, const Simulation& s, const SimulationResult& r);

/// Throws InputError unless write_stem_cxi can write this simulation: a probe scan, a pixelated
/// detector, a square cell and grid (ptychography frames are square), a positive dose.
void check_stem_cxi(const Simulation& s, double dose);

/// The first pixelated detector's 4D-STEM data as a CXI ptychography file (cxi.hpp): frames are the
/// centred patterns cropped to a square of M pixels, times `dose` (electrons per frame), with a
/// geometry that gives the ptychography code the crop's pixel (extent / M) and each frame's window
/// centred on its probe. Stores as truth the thin-specimen object exp(i sigma v_z) of the static
/// lattice (band-limited to the crop, tiled over the scan) and the incident probe.
void write_stem_cxi(const std::string& path, const Simulation& s, const SimulationResult& r, double dose);

}  // namespace phasis::ms
