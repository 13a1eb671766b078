// The TOML configuration of `phasis multislice run` (and phasis.multislice.run): what to simulate,
// read into plain structs, and the Simulation it describes.
// Every key is checked (an unknown key or a wrong type is one InputError naming it), so a typo
// never passes silently. docs/multislice.md lists the keys; the defaults are those below.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "phasis/multislice/atoms.hpp"
#include "phasis/multislice/crystal.hpp"
#include "phasis/multislice/detectors.hpp"
#include "phasis/multislice/diffraction.hpp"
#include "phasis/multislice/hrtem.hpp"
#include "phasis/multislice/potential.hpp"
#include "phasis/multislice/scan.hpp"
#include "phasis/multislice/simulation.hpp"
#include "phasis/multislice/waves.hpp"

namespace phasis::ms {

struct MsConfig {
  std::string source;  // the config file
  // [structure]
  std::string crystal, file, zone_axis = "001";  // zone_axis: parse_zone_axis text ([u v w] arrays become it)
  double lattice_constant = 0;                     // Angstrom, a of a built-in crystal; 0: its own
  OrientOptions orient;                            // strain_tolerance, max_repetitions (crystal.hpp)
  std::array<double, 2> tilt{0, 0};                // mrad, specimen tilt (crystal.hpp: tilt_specimen)
  std::array<int, 3> repeat{1, 1, 1};
  double vacuum = 0;  // Angstrom, around a structure file's atoms when it has no cell
  // [potential]
  PotentialOptions potential;
  PotentialOutput potential_output = PotentialOutput::none;  // [potential] output
  std::optional<double> sampling;
  std::optional<std::array<int64_t, 2>> gpts;  // (nx, ny)
  // top level
  double energy = 200e3;
  // [wave]
  std::string wave = "probe";  // probe | plane
  ProbeOptions probe;
  // [scan]
  std::string scan = "grid";  // grid | line | custom
  std::optional<std::array<double, 2>> scan_start, scan_end;  // Angstrom (x, y); default: the cell
  std::array<int64_t, 2> scan_gpts{8, 8};
  bool endpoint = false;
  int64_t scan_points = 16;  // line
  std::vector<Position> custom;
  // [[detector]]
  std::vector<Detector> detectors;
  // [phonons]
  int64_t phonons = 1;
  uint64_t seed = 0;
  std::map<std::string, double> sigma;  // element symbol -> Angstrom
  // [hrtem]
  CtfOptions ctf;
  double spot_threshold = 1e-4;  // [hrtem] spot_threshold: the spot table's least share of the beam
  std::vector<double> defocus_series;  // [hrtem] defocus_series: C10 values [A] of more images
  int64_t thickness_every = 0;         // [hrtem] thickness_every: slices between exit-wave samples
  double diffraction_max_angle = 0;    // [hrtem] max_angle: the written patterns' crop [mrad]
  double beam_stop = 0;                // [hrtem] beam_stop: radius blocked around the direct beam [mrad]
  // [run]
  std::string device = "cpu", precision = "float";
  int64_t batch = 0;            // [run] max_batch (old name batch): positions per chunk at most; 0: from chunk_memory
  std::string scheduler = "auto";  // [run] scheduler: auto, threads, gpus, mpi
  int64_t workers = 0;          // [run] workers: CPU workers of the threads scheduler (0: one per thread)
  std::vector<int> devices;     // [run] devices: GPUs of the gpus scheduler, one worker each
  int64_t chunk_memory = 0;     // [run] chunk_memory: bytes per chunk (0: 128 MiB CPU, 512 MiB GPU, within free memory)
  bool fused_fft = true;  // [run] fused_fft: StemOptions::fused_fft (annular STEM, CUDA, float, 512 x 512)
  std::string fft_planning = "estimate";  // [run] fft_planning: FFTW's planning (fft.hpp), estimate | measure
  std::string cxi;
  double cxi_dose = 1e6;  // electrons per frame in the CXI file

  /// Every setting as JSON text (the result file records it).
  std::string to_json() const;
};

/// Reads and checks the file's keys and types (not the physics, which simulation_from_config checks).
/// need_structure = false: the atoms come from elsewhere (simulation_from_config's `atoms`), and a
/// [structure] crystal or file is an error (repeat and zone_axis still read).
MsConfig read_ms_config(const std::string& path, bool need_structure = true);

/// The simulation a config describes: its atoms built (a named crystal or a structure file,
/// repeated, the phonons' sigmas set), its grid, wave, scan and detectors; checked as a whole
/// (check_simulation, and check_stem_cxi when the config asks for a CXI file). InputError for the
/// first problem, in the order a user would fix them.
/// `atoms` (not null): these atoms (a cell of them, repeated by [structure] repeat) instead of the
/// config's crystal or file.
Simulation simulation_from_config(const MsConfig& c, const Atoms* atoms = nullptr);

/// What a partial result must have been written for to be resumed by this config: the config's
/// physics, structure, scan, detectors and precision (its JSON without the [run] keys that only say
/// where and how the chunks run), with the atoms' and positions' counts of the built simulation.
std::string resume_identity(const MsConfig& c, const Simulation& s);

/// Where the config's run goes ([run] device, scheduler, workers, devices, chunk_memory); `threads`:
/// the CPU threads the workers share (0: all). InputError for a bad device or scheduler name.
Execution execution_from_config(const MsConfig& c, int threads = 0);

}  // namespace phasis::ms
