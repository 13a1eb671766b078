// Diffraction snapshots of one molecule in random orientations, with a known truth.
// Expected photons per pixel: N = J0 r_e^2 dOmega P |F(R^T s)|^2, with J0 the pulse's photons per
// area (photons / (pi (d/2)^2)), r_e the classical electron radius, dOmega the pixel's solid angle
// (A cos^3(2 theta) / D^2 for a flat detector facing the beam), P the polarisation factor
// 1 - (u . x)^2 of a beam polarised along x (u: unit vector to the pixel) and F the molecular
// transform with the molecule's B. F comes from the type-2 NUFFT of a fine density grid (the
// project's NUFFT; its aliasing is measured in test_spi_transform), or from the direct sum over atoms.
#pragma once

#include <cstdint>

#include "phasis/exec/events.hpp"
#include "phasis/spi/dataset.hpp"
#include "phasis/spi/structure.hpp"

namespace phasis::spi {

struct SimulateSettings {
  int64_t pixels = 128;          // square detector
  double pixel_size = 600e-6;    // m
  double distance = 0.2;         // m
  double photon_energy = 8000;   // eV
  double photons = 1e12;         // per pulse
  double beam_diameter = 100e-9; // m, top-hat focus
  bool polarisation = true;      // beam polarised along the detector's x
  bool poisson = false;          // Poisson draws of the expected counts
  double beamstop = 0;           // radius (pixels) of the masked centre
  int64_t images = 1000;
  uint64_t seed = 1;             // orientations and noise
  double voxel = 0.5;            // A, the fine grid of the NUFFT path and of the truth density
  bool direct = false;           // direct sum over atoms instead of the NUFFT (small cases)
  int64_t batch = 32;            // images per NUFFT call
};

/// InputError on a molecule without atoms, non-positive sizes, energy or photons, or a fine grid
/// too coarse for the detector (voxel > 1 / (2 s_max)).
SpiDataset simulate(const Molecule& molecule, const SimulateSettings& settings, exec::EventSink* events = nullptr);

/// A molecule from a PDB/mmCIF (gemmi) or XYZ file, IT92 form factors, centred on its centroid.
Molecule read_molecule(const std::string& path, double b_factor);

}  // namespace phasis::spi
