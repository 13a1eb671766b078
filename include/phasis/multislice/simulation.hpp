// A whole multislice simulation as a value, and the run that computes it: STEM (a probe over a
// scan, read by annular, segmented and pixelated detectors) or HRTEM (a plane wave's exit wave and
// its image through a CTF), averaged over frozen phonon configurations.
// The description holds what a simulation is (atoms, grid, optics, scan, detectors, ensemble);
// where and in what precision it runs are arguments of `run`. The caller builds the atoms (a
// crystal, a file) and the scan positions (scan.hpp); outputs.hpp writes the result.
#pragma once

#include <array>
#include <functional>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/core/device.hpp"
#include "phasis/exec/events.hpp"
#include "phasis/multislice/atoms.hpp"
#include "phasis/multislice/crystal.hpp"
#include "phasis/multislice/diffraction.hpp"
#include "phasis/multislice/execution.hpp"
#include "phasis/multislice/grid.hpp"
#include "phasis/multislice/hrtem.hpp"
#include "phasis/multislice/potential.hpp"
#include "phasis/multislice/scan.hpp"
#include "phasis/multislice/spots.hpp"
#include "phasis/multislice/stem.hpp"
#include "phasis/multislice/waves.hpp"

namespace phasis::ms {

enum class WaveKind { probe, plane };           // STEM or HRTEM
enum class ScanKind { grid, line, custom };     // how the positions were made (grid: pictured as images)
enum class DetectorType { annular, segmented, pixelated };

/// "annular", "segmented", "pixelated": the names result files record.
const char* detector_type_name(DetectorType t);

struct Detector {
  std::string name;    // names the HDF5 dataset and the PNG
  DetectorType type = DetectorType::annular;
  SegmentedDetector ring;  // inner/outer for annular (rings and segments unused); all of it for segmented
  double max_angle = 0;    // pixelated: the crop [mrad] of each pattern (diffraction.hpp: angle_crop_shape); 0: the aperture's square
};

/// The detector's parameters as JSON text (name, type, angles in mrad, rings, segments, rotation
/// in degrees): the `parameters` attribute of its dataset.
std::string detector_parameters(const Detector& d);

/// Whether the run also returns the static lattice's projected potential: none, the whole
/// specimen's (the sum over slices, (ny, nx)) or every slice's ((slices, ny, nx)); V Angstrom.
enum class PotentialOutput { none, projected, slices };
const char* to_string(PotentialOutput p);
/// "none", "projected", "slices"; InputError for anything else.
PotentialOutput parse_potential_output(const std::string& s);

struct Simulation {
  Atoms atoms;  // with per-atom sigma when phonons > 1
  std::optional<Supercell> supercell;  // when the atoms' cell was cut from a crystal (crystal.hpp: orient)
  Grid grid;
  PotentialOptions potential;
  double energy = 200e3;  // eV
  WaveKind wave = WaveKind::probe;
  ProbeOptions probe;     // its energy is taken from `energy`
  // STEM only
  ScanKind scan = ScanKind::grid;
  std::vector<Position> positions;          // Angstrom
  std::array<int64_t, 2> scan_shape{0, 0};  // (rows, columns) of the positions
  std::vector<Detector> detectors;
  // frozen phonons
  int64_t phonons = 1;  // configurations
  uint64_t seed = 0;
  // HRTEM only
  CtfOptions ctf;
  double spot_threshold = 1e-4;  // the spot table lists spots of at least this share of the beam
  std::vector<double> defocus_series;  // C10 [Angstrom] of more images of the same exit waves; empty: none
  int64_t thickness_every = 0;         // slices between samples of the exit wave (thickness series); 0: none
  double diffraction_max_angle = 0;    // mrad, the written patterns' crop (0: the antialiasing aperture's square)
  double beam_stop = 0;                // mrad, radius blocked around the direct beam in the written patterns; 0: none
  PotentialOutput potential_output = PotentialOutput::none;
  // how STEM runs
  int64_t batch = 0;      // probe positions per chunk at most (0: as many as Execution::chunk_memory allows)
  bool fused_fft = true;  // StemOptions::fused_fft (annular STEM, CUDA, float, 512 x 512)
};

/// What a run produces, in host memory.
struct SimulationResult {
  // STEM
  std::vector<Array<double>> readings;  // per detector: (n), (n, rings, segments) or (n, my, mx)
  Array<double> mean_pattern;           // (my, mx), centred; the first pixelated detector's mean; empty without one
  StemTimings timings;                  // stages of STEM (HRTEM: the potentials only)
  // HRTEM
  Array<Complex<float>> exit_wave;      // (ny, nx), first configuration, scaled so vacuum has modulus 1
  Array<double> exit_intensity, image;  // (ny, nx), ensemble means; vacuum = 1
  Array<double> diffraction;            // (ny, nx), unshifted: the exit waves' mean pattern, shares of the beam
  std::vector<Spot> spots;              // its indexed spots (spots.hpp), at least spot_threshold
  Array<double> defocus_images;         // (defocus_series, ny, nx), ensemble means, vacuum = 1
  // Thickness series (thickness_every): the specimen thickness [Angstrom] at each sample (the
  // last is the whole specimen), the exit intensity (vacuum = 1) and the diffraction pattern
  // (unshifted, shares of the beam) there, ensemble means, (samples, ny, nx)
  std::vector<double> thicknesses;
  Array<double> thickness_intensity, thickness_diffraction;
  Array<Complex<float>> thickness_exit_wave;  // (samples, ny, nx), first configuration, vacuum modulus 1
  // The share of the beam lost beyond the antialiasing aperture (propagation cuts it there): per
  // probe position (STEM, phonon means) or one value (plane waves); empty for STEM with 4 or more
  // annular detectors alone (measuring it would take the fused kernels' reading off the device)
  Array<double> lost_beyond_aperture;
  // Simulation::potential_output: the static lattice's potential [V Angstrom], (ny, nx) or
  // (slices, ny, nx), as the run sliced it; empty for none
  Array<float> potential;
  double seconds = 0;                   // wall time of the run after its checks
  // STEM: how the run was cut, and how far it got (batches_done < chunking.batches: stopped)
  Chunking chunking;
  int64_t batches_done = 0;
  std::vector<int64_t> chunks_per_rank;  // rank 0: chunks each rank computed
};

/// Throws InputError for anything the run would reject, before any slice is computed: energy <= 0,
/// phonons or batch < 1, phonons > 1 without sigmas, an empty or bad cell or grid, slice thickness
/// <= 0; STEM: no positions or detectors, a probe beyond the antialiased limit, a detector beyond
/// the cutoff; HRTEM: detectors, a bad CTF.
void check_simulation(const Simulation& s);

/// The index of the first pixelated detector, or detectors.size() when there is none.
std::size_t first_pixelated(const Simulation& s);

/// A batch of STEM positions once every configuration has been reduced into it: positions
/// [first, first + count), each detector's readings (count, ...) as in SimulationResult::readings,
/// and the share lost beyond the aperture (count; empty where the run does not measure it).
struct StemBatch {
  int64_t index = 0, first = 0, count = 0;
  std::vector<Array<double>> readings;
  Array<double> lost;
};

/// What a STEM run does with its batches besides returning them.
struct RunControl {
  /// Called for each completed batch, in order, on the calling thread (of rank 0 under MPI).
  std::function<void(const StemBatch&)> on_batch;
  /// Whether SimulationResult keeps every position's readings (false: only the annular detectors',
  /// one value per position; pixelated and segmented readings go to on_batch alone, so memory
  /// stays bounded however many positions there are).
  bool keep_readings = true;
  int64_t first_batch = 0;  // batches [0, first_batch) were done before (a resumed run): skipped
};

/// Runs the simulation under `x` in `precision`: checks it (check_simulation, require_device,
/// plan_chunking, the memory estimate), then STEM as chunks on the queue (execution.hpp) and HRTEM
/// as one loop over the configurations on x.device. `events` (may be null) receives progress (STEM:
/// task "chunks"; HRTEM: "phonons") and one span per chunk. SimulationResult::batches_done tells
/// how far a run stopped by a stop request (exec/interrupt.hpp) got.
SimulationResult run(const Simulation& s, const Execution& x, Precision precision, exec::EventSink* events = nullptr,
                     const RunControl& control = {});
/// run on one device, its workers chosen automatically.
SimulationResult run(const Simulation& s, const Device& device, Precision precision, exec::EventSink* events = nullptr);

}  // namespace phasis::ms
