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

#include <memory>
#include <string>
#include <vector>

#include "phasis/multislice/simulation.hpp"

namespace phasis::h5 {
class File;
}

namespace phasis::ms {

/// Writes the HDF5 result file at `path`; `parameters_json` becomes the /parameters attribute.
void write_simulation(const std::string& path, const Simulation& s, const SimulationResult& r,
                      const std::string& parameters_json);

/// What a partial STEM file (StemFileWriter) records of its run.
struct PartialStem {
  std::string identity;  // the configuration it was written for (the caller's text)
  int64_t batch = 0, batches = 0, batches_done = 0;
};

/// The record of a partial file; InputError for a file that is not one.
PartialStem read_partial_stem(const std::string& path);

/// A STEM result written batch by batch, for runs of any size and runs that resume. The file at
/// `partial` has the layout above from the start: positions, and every detector's dataset (and
/// stem/lost_beyond_aperture) at full size; write() adds a batch's rows and
/// flushes them with the count of batches done (the group run: attributes identity, batch and
/// batches, dataset batches_done), so a run killed at any moment leaves a file to resume from. finish()
/// adds everything else (mean pattern, slices, parameters, ...) and renames it to the result.
class StemFileWriter {
 public:
  /// A new partial file (replacing one of that name), or with `resume` the existing one, which must
  /// have been written for `identity` with the same batches (InputError otherwise). A new file that
  /// never received a batch is removed when the writer goes (a run that failed before its first
  /// batch leaves nothing behind); one with batches stays, for --resume.
  StemFileWriter(const std::string& partial, const Simulation& s, const Chunking& c, const std::string& identity,
                 bool resume = false);
  ~StemFileWriter();
  StemFileWriter(StemFileWriter&&) noexcept;
  int64_t batches_done() const { return done_; }
  const std::string& path() const { return path_; }
  /// The next batch's rows (batches come in order).
  void write(const StemBatch& b);
  /// Into r, from the file: readings of every annular detector (and, with `all`, every detector;
  /// the others stay as r holds them),
  /// lost_beyond_aperture and the first pixelated detector's mean pattern (in position order).
  void load(SimulationResult& r, bool all) const;
  /// The rest of the result (`r`: the run's non-STEM parts, `parameters_json`), then the file is
  /// renamed to `path`. InternalError unless every batch was written.
  void finish(const std::string& path, const SimulationResult& r, const std::string& parameters_json);

 private:
  std::string path_;
  const Simulation& s_;
  int64_t batch_, batches_, done_ = 0;
  bool fresh_ = false;  // created here, and no batch written to it yet
  std::unique_ptr<h5::File> file_;
};

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
