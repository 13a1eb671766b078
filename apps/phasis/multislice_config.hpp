// The TOML configuration of `phasis multislice run`: what to simulate, read into plain structs.
// Every key is checked (an unknown key or a wrong type is one InputError naming it), so a typo
// never passes silently. docs/multislice.md lists the keys; the defaults are those below.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "phasis/multislice/atoms.hpp"
#include "phasis/multislice/detectors.hpp"
#include "phasis/multislice/diffraction.hpp"
#include "phasis/multislice/hrtem.hpp"
#include "phasis/multislice/potential.hpp"
#include "phasis/multislice/scan.hpp"
#include "phasis/multislice/simulation.hpp"
#include "phasis/multislice/waves.hpp"

namespace phasis::cli {

struct MsConfig {
  std::string source;  // the config file
  // [structure]
  std::string crystal, file, zone_axis = "100";
  std::array<int, 3> repeat{1, 1, 1};
  double vacuum = 0;  // Angstrom, around a structure file's atoms when it has no cell
  // [potential]
  ms::PotentialOptions potential;
  std::optional<double> sampling;
  std::optional<std::array<int64_t, 2>> gpts;  // (nx, ny)
  // top level
  double energy = 200e3;
  // [wave]
  std::string wave = "probe";  // probe | plane
  ms::ProbeOptions probe;
  // [scan]
  std::string scan = "grid";  // grid | line | custom
  std::optional<std::array<double, 2>> scan_start, scan_end;  // Angstrom (x, y); default: the cell
  std::array<int64_t, 2> scan_gpts{8, 8};
  bool endpoint = false;
  int64_t scan_points = 16;  // line
  std::vector<ms::Position> custom;
  // [[detector]]
  std::vector<ms::Detector> detectors;
  // [phonons]
  int64_t phonons = 1;
  uint64_t seed = 0;
  std::map<std::string, double> sigma;  // element symbol -> Angstrom
  // [hrtem]
  ms::CtfOptions ctf;
  // [run]
  std::string device = "cpu", precision = "float";
  int64_t batch = 16;
  bool fused_fft = true;  // [run] fused_fft: StemOptions::fused_fft (annular STEM, CUDA, float, 512 x 512)
  std::string cxi;
  double cxi_dose = 1e6;  // electrons per frame in the CXI file

  nlohmann::json to_json() const;
};

/// Reads and checks the file's keys and types (not the physics, which the library checks).
MsConfig read_ms_config(const std::string& path);

}  // namespace phasis::cli
