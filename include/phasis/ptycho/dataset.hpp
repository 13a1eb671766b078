// A ptychography dataset as every solver and reader sees it, independent of the file format: the
// frames' intensities, the scan's translations, the mask, an optional initial probe, the geometry,
// and (from the simulator) the truth. io/cxi.hpp reads and writes it in the CXI layout.
#pragma once

#include <string>

#include <cstdint>

#include "phasis/core/array.hpp"    // for Array
#include "phasis/core/complex.hpp"  // for Complex

namespace phasis {

/// Experiment geometry, SI units.
struct PtychoGeometry {
  double energy_J = 0;
  double distance_m = 0;
  double pixel_x_m = 0;
  double pixel_y_m = 0;

  double wavelength_m() const;  // h c / E
  /// Object-plane pixel size of the far-field geometry: lambda z / (M p), for frames of M pixels.
  double object_pixel_x_m(int64_t frame_size) const;
  double object_pixel_y_m(int64_t frame_size) const;
};

/// Known truth written by the simulator.
struct PtychoTruth {
  Array<Complex<float>> object;  // H x W
  Array<Complex<float>> probe;   // M x M, or K x M x M for mutually incoherent modes
  double origin_y = 0, origin_x = 0;  // object pixel coordinate of object[0, 0]
};

/// Everything a solver reads from a CXI file, all in host memory.
struct PtychoData {
  Array<float> intensities;         // N x M x M
  Array<double> translations;       // N x 3, metres (x, y, z)
  Array<uint8_t> valid;             // M x M, 1 = good pixel; empty when the file has no mask
  Array<Complex<float>> probe;      // M x M initial probe; empty when the file has none
  std::string probe_source;         // where the probe came from (a dataset, or FILE:DATASET); empty: none
  PtychoGeometry geometry;
};

/// Checks a dataset made in memory (not read from a file, whose reader checks it): intensities
/// N x M x M, finite and non-negative (the first bad frame and pixel named), translations N x 3
/// and finite, the geometry positive and finite, the mask and the probe M x M when present.
/// InputError naming the first problem.
void check_data(const PtychoData& data);

}  // namespace phasis
