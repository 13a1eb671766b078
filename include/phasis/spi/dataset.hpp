// Single-particle imaging data on disk (HDF5), as `phasis spi simulate` writes it and `phasis spi
// reconstruct` reads it:
//   spi/intensities   float32 (images, P, P)   photons per pixel (expected counts or Poisson draws)
//   spi/mask          uint8 (P, P)             1 = valid pixel, 0 = masked (beam stop, gaps)
//   spi/s             float64 (3, P, P)        reciprocal coordinates (sx, sy, sz) of each pixel, 1/A
//   spi/detector      attributes pixels, pixel_size (m), distance (m), wavelength (A), photon_energy (eV)
//   truth/orientations float64 (images, 3, 3)  the rotation R of each image: I(s) = |F(R^T s)|^2
//   truth/density      float32 (n, n, n)       electrons / A^3 on a centred grid, attribute voxel (A)
// The truth group is optional (measured data has none) and the solver never reads it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "phasis/spi/geometry.hpp"
#include "phasis/spi/mtip.hpp"

namespace phasis::spi {

struct SpiDataset {
  Detector detector;
  double photon_energy = 0;           // eV
  int64_t images = 0;
  int64_t first = 0, total = 0;        // images [first, first + images) of the file's total
  std::vector<float> intensities;      // images x P^2
  std::vector<uint8_t> mask;           // P^2
  std::array<std::vector<double>, 3> s;  // P^2 each
  // Truth (empty when unknown).
  std::vector<Rotation> orientations;
  std::vector<float> density;
  int64_t density_n = 0;
  double density_voxel = 0;
};

/// Writes `data` to `path` through a temporary renamed on success (nothing is left on failure).
void write_dataset(const std::string& path, const SpiDataset& data);
/// Reads and checks a dataset: shapes agree, intensities finite and >= 0 (the first bad value is
/// named), mask of P x P. `truth`: also read the truth group (InputError when it is absent).
SpiDataset read_dataset(const std::string& path, bool truth = false);
/// Images [begin, end) only (one part of a distributed run; the truth is not read).
SpiDataset read_dataset_part(const std::string& path, int64_t begin, int64_t end);
/// The number of images in the file.
int64_t dataset_images(const std::string& path);

/// The solver's view: valid pixels only.
SpiImages valid_pixels(const SpiDataset& data);

/// 1 / |s| at the middle of the detector's edge (A): the resolution the data reaches in every
/// direction.
double edge_resolution(const Detector& detector);

/// Photon energy (eV) <-> wavelength (A): lambda = hc / E.
double wavelength_of(double photon_energy_ev);

}  // namespace phasis::spi
