// Detectors that read the whole diffraction pattern of an exit wave, on the host: segmented
// detectors and pixelated (4D-STEM) detectors. The pattern of a wave psi on an ny x nx grid is
//   D(k) = |F psi|^2 / (ny nx)   (unshifted FFT order; Parseval: sum D = sum |psi|^2 = 1),
// so every reading is a share of the incident beam, as for the annular detectors (detectors.hpp).
// Segmented: `rings` equal-width rings between inner and outer (mrad), each cut into `segments`
// equal azimuthal sectors; sector s of a ring spans azimuths [rotation + s 2 pi / segments, ...)
// measured from +k_x towards +k_y. Pixelated: the pattern cropped to the square that holds the
// antialiasing aperture (frequencies beyond it are zero in a multislice simulation, see grid.hpp),
// with the zero frequency at the centre pixel (n / 2 on each axis).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/multislice/grid.hpp"

namespace phasis::ms {

struct SegmentedDetector {
  double inner = 0, outer = 0;  // mrad
  int64_t rings = 1, segments = 4;
  double rotation = 0;          // rad
};

/// Throws InputError unless 0 <= inner < outer <= the antialiased cutoff, rings and segments >= 1.
void check_segmented(const SegmentedDetector& d, const Grid& grid, double energy_ev);

/// Diffraction patterns (batch, ny, nx) of waves (batch, ny, nx), unshifted, in double.
template <class T>
Array<double> diffraction_patterns(const Array<Complex<T>>& waves);

/// Readings (batch, rings * segments), ring-major, from patterns (batch, ny, nx).
Array<double> segmented_detect(const Array<double>& patterns, const Grid& grid, double energy_ev,
                               const SegmentedDetector& d);

/// Pixels of the cropped pattern on each axis: (ny, nx) = 2 floor(k_max extent) + 1.
std::pair<int64_t, int64_t> pixelated_shape(const Grid& grid);
/// Patterns (batch, ny, nx) cropped to pixelated_shape, zero frequency centred.
Array<double> pixelated_crop(const Array<double>& patterns, const Grid& grid);

/// The crop to the scattering angles within `max_angle` [mrad] on each axis (a square in angle):
/// 2 floor(max_angle / lambda * extent) + 1 pixels per axis, at most pixelated_shape; 0 means the
/// whole antialiasing aperture (pixelated_shape). InputError for an angle below 0 or beyond the
/// antialiased cutoff (grid.hpp), naming both.
std::pair<int64_t, int64_t> angle_crop_shape(const Grid& grid, double energy_ev, double max_angle_mrad);
/// Patterns (batch, ny, nx), unshifted, cropped to `shape` (odd sizes), zero frequency centred.
Array<double> centred_crop(const Array<double>& patterns, const Grid& grid, std::pair<int64_t, int64_t> shape);
/// Sets every pixel of centred patterns (batch, cy, cx) within `radius` [mrad] of the zero
/// frequency to 0: a beam stop over the direct beam. Returns the pixels blocked per pattern.
int64_t block_direct_beam(Array<double>& centred, const Grid& grid, double energy_ev, double radius_mrad);
/// Patterns (batch, ny, nx), unshifted, as a plane-wave run writes them: centred_crop to
/// angle_crop_shape(max_angle_mrad), then block_direct_beam(beam_stop_mrad) when it is > 0.
Array<double> cropped_patterns(const Array<double>& unshifted, const Grid& grid, double energy_ev, double max_angle_mrad,
                               double beam_stop_mrad);

}  // namespace phasis::ms
