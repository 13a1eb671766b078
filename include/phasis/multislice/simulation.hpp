// A whole multislice simulation as a value, and the run that computes it: STEM (a probe over a
// scan, read by annular, segmented and pixelated detectors) or HRTEM (a plane wave's exit wave and
// its image through a CTF), averaged over frozen phonon configurations.
// The description holds what a simulation is (atoms, grid, optics, scan, detectors, ensemble);
// where and in what precision it runs are arguments of `run`. The caller builds the atoms (a
// crystal, a file) and the scan positions (scan.hpp); outputs.hpp writes the result.
#pragma once

#include <array>
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
  int64_t batch = 16;     // probe positions per multislice run
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
};

/// Throws InputError for anything the run would reject, before any slice is computed: energy <= 0,
/// phonons or batch < 1, phonons > 1 without sigmas, an empty or bad cell or grid, slice thickness
/// <= 0; STEM: no positions or detectors, a probe beyond the antialiased limit, a detector beyond
/// the cutoff; HRTEM: detectors, a bad CTF.
void check_simulation(const Simulation& s);

/// The index of the first pixelated detector, or detectors.size() when there is none.
std::size_t first_pixelated(const Simulation& s);

/// Runs the simulation on `device` in `precision`: checks it (check_simulation, require_device),
/// then one loop over the phonon configurations. STEM with annular detectors only reads them on the
/// device (stem_annular); other STEM takes each batch's exit waves to the host and reads every
/// detector from their diffraction patterns. `events` (may be null) receives progress (task
/// "phonons", unit "configurations") and spans: per batch of positions and configuration
/// ("batch", annular only) or per configuration ("configuration").
SimulationResult run(const Simulation& s, const Device& device, Precision precision, exec::EventSink* events = nullptr);

}  // namespace phasis::ms
