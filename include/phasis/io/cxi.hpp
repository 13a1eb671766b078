// Ptychography data in the CXI 1.6 layout (HDF5):
//   entry_1/data_1/data                           N x M x M float intensities (photons)
//   entry_1/sample_1/geometry_1/translation       N x 3 float64, metres (x, y, z)
//   entry_1/instrument_1/source_1/energy          scalar, J
//   entry_1/instrument_1/detector_1/distance      scalar, m
//   entry_1/instrument_1/detector_1/x_pixel_size  scalar, m
//   entry_1/instrument_1/detector_1/y_pixel_size  scalar, m
//   entry_1/instrument_1/detector_1/mask          optional M x M integer, CXI bit flags: 0 = good pixel
//   entry_1/instrument_1/source_1/illumination    optional M x M (or K x M x M: mode 0 is used)
//                                                 complex initial probe (h5py's complex compound {r, i},
//                                                 float32 or float64); else entry_1/probe_1/data, where
//                                                 other writers keep it; the one used is named
//                                                 (PtychoData::probe_source)
//   entry_1/phasis_truth/{object, probe}          ground truth from the simulator (never read by solvers);
//                                                 probe M x M, or K x M x M modes
//   entry_1/phasis_truth/object_origin            2 float64: object pixel (y, x) of element [0, 0],
//                                                 in units of the object pixel size (see Geometry)
// Frames are read in hyperslabs, never the whole dataset when a part will do.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "phasis/core/array.hpp"    // for Array
#include "phasis/core/complex.hpp"  // for Complex
#include "phasis/ptycho/dataset.hpp"  // for PtychoData, PtychoGeometry, PtychoTruth

namespace phasis {

/// Opens a CXI file and checks its layout at once: every dataset present, ranks and shapes
/// consistent, geometry positive and finite. Throws InputError with the dataset's path otherwise.
class CxiReader {
 public:
  explicit CxiReader(const std::string& path);
  ~CxiReader();
  CxiReader(const CxiReader&) = delete;
  CxiReader& operator=(const CxiReader&) = delete;

  int64_t frames() const;
  int64_t frame_size() const;  // M (frames are M x M)
  PtychoGeometry geometry() const;
  Array<double> translations() const;  // N x 3
  /// Frames [begin, end) into dst (end - begin) x M x M, one hyperslab read.
  void read_frames(int64_t begin, int64_t end, float* dst) const;
  Array<uint8_t> valid_mask() const;          // empty if absent
  Array<Complex<float>> initial_probe() const;  // empty if absent
  std::string probe_source() const;             // the probe's dataset; empty if absent
  bool has_truth() const;
  PtychoTruth truth() const;

  /// Reads all of it and validates values: finite, non-negative intensities (the first bad frame and
  /// pixel named in the error), finite translations.
  PtychoData read_all() const;
  /// The same for the frames `frames` only (ascending indices; runs of consecutive frames are read
  /// as one hyperslab): intensities hold those frames, translations every frame of the scan.
  PtychoData read_part(const std::vector<int64_t>& frames) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Writes a CXI file to `path` through a temporary name and an atomic rename.
/// `truth` may be null.
void write_cxi(const std::string& path, const PtychoData& data, const PtychoTruth* truth);

/// A probe from a file of its own (`--probe FILE`): an HDF5 file with a probe at the CXI locations
/// above or at "probe" (a phasis result), M x M or K x M x M (mode 0 is used). `source` is
/// "FILE:DATASET". InputError when there is none or its shape is not the frames'.
struct ProbeFile {
  Array<Complex<float>> probe;
  std::string source;
};
ProbeFile read_probe_file(const std::string& path, int64_t m);

}  // namespace phasis
