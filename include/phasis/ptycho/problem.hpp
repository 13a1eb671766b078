// A ptychography problem in the solver's terms: frames as Fourier amplitudes, scan positions in
// object pixels (sub-pixel, and rounded to the integer offsets that the Difference Map uses), the
// valid-pixel mask and an initial probe.
// Built on the host from a CXI file's contents (PtychoData) whatever backend then runs it.
#pragma once

#include <cstdint>
#include <string>

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/comm/communicator.hpp"
#include "phasis/ptycho/dataset.hpp"  // for PtychoData
#include "phasis/ptycho/partition.hpp"  // for Region

#include <vector>

namespace phasis {

/// Where a scan's frames sit in the object array, for the whole scan.
struct ScanLayout {
  int64_t object_h = 0, object_w = 0;  // object array shape
  double origin_y = 0, origin_x = 0;   // object pixel coordinate (t / pixel size) of object[0, 0]
  double pixel_y_m = 0, pixel_x_m = 0; // object pixel size
  Array<int32_t> offsets;              // N x 2: (y, x) of each frame's corner in the object array
  // N x 2: the same corners in object pixels before rounding (offsets = the nearest integers), for
  // solvers that shift the probe by sub-pixel amounts or refine positions.
  Array<double> positions;
};

/// A scan's frames as the solver sees them. For a part of a distributed run, `frames` and
/// `offsets` are that part's and the object array is still the whole scan's.
struct PtychoProblem : ScanLayout {
  int64_t frames = 0;
  int64_t frame_size = 0;              // M
  Array<float> amplitudes;             // N x M x M: sqrt(I), FFT-shifted so that DC is at [0, 0]
  Array<uint8_t> valid;                // M x M, FFT-shifted; all ones when the file had no mask
  Array<Complex<float>> probe;         // M x M initial probe (real space, centred)
  bool probe_from_file = false;
  std::string probe_source;            // the probe's dataset (or FILE:DATASET), or "mean diffraction pattern"
  double probe_scale = 1;              // the factor that brought a file's probe to the mean frame power
  // Each frame's index in the whole scan (a part's frames are a subset); empty: 0 .. frames - 1.
  // Solvers whose steps follow a scan-wide frame order (ePIE, rPIE) use it to form the same
  // batches on every part.
  std::vector<int64_t> frame_ids;
  // A part of a spatially partitioned run: every part's object region (partition.hpp), indexed by
  // the communicator's ranks. The solver then sends each neighbour only the sums where their
  // regions overlap instead of summing the whole object. Empty: whole-object sums.
  std::vector<Region> regions;
};

/// Object-pixel positions of translations (N x 3, metres): round(t / pixel size), as (y, x).
Array<int64_t> positions_in_pixels(const Array<double>& translations, double pixel_y_m, double pixel_x_m);

/// Builds the problem. `padding` pixels of object are added around the scanned area.
/// Throws InputError when positions are not finite or span far more than an overlapping scan can
/// (a position far outside the object), naming the offending frame.
PtychoProblem make_problem(PtychoData&& data, int64_t padding = 8);

/// The object frame of a whole scan: frames of M pixels, `padding` object pixels around them.
/// Throws InputError when positions are not finite or span far more than an overlapping scan can.
ScanLayout scan_layout(const Array<double>& translations, const PtychoGeometry& geometry, int64_t m, int64_t padding = 8);

/// The problem of part of a scan: `data` holds every translation but only the intensities of the
/// frames `part` (ascending indices). Without a probe in the file, the initial probe comes from the
/// mean pattern of the whole scan, summed over the parts by `parts` (null: this part is the scan).
PtychoProblem make_part_problem(PtychoData&& data, const std::vector<int64_t>& part, comm::Communicator* parts,
                                int64_t padding = 8);

/// Initial probe from a mean intensity pattern (FFT-shifted, DC at [0, 0]): the inverse FFT of its
/// square root with a flat phase, scaled so that its power equals the mean frame power (Parseval,
/// unitary FFT).
Array<Complex<float>> probe_from_mean_intensity(const std::vector<double>& mean, int64_t frame_size);

/// Swaps quadrants so that the centre pixel moves to [0, 0] (M even or odd); `inverse` undoes it.
template <class T>
void fftshift2(T* data, int64_t h, int64_t w, bool inverse = false);

}  // namespace phasis
