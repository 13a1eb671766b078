// Quality of a reconstructed object against the truth, over the illuminated region, after removing
// the ambiguities ptychography cannot resolve:
//   - a translation of object and probe together (whole pixels by cross-correlation, then the
//     fraction of a pixel from the cross-power spectrum; the reconstruction is Fourier-resampled),
//   - a global complex factor (phase offset and amplitude scale),
//   - a linear phase ramp (from the peak of the cross-power spectrum, then refined by least squares).
// Reports the phase RMSE (rad) and the normalised complex error min_c ||c O - O_true|| / ||O_true||.
#pragma once

#include <cstdint>

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/ptycho/dataset.hpp"  // for PtychoGeometry, PtychoTruth

namespace phasis {

struct CompareResult {
  double phase_rmse = 0;          // rad
  double complex_error = 0;       // normalised
  int64_t shift_y = 0, shift_x = 0;  // translation removed (whole pixels)
  double subpixel_y = 0, subpixel_x = 0;  // and its fraction of a pixel
  double ramp_y = 0, ramp_x = 0;  // phase ramp removed (rad per pixel)
  int64_t pixels = 0;             // pixels in the compared region
};

/// `rec` (H x W, or L x H x W: its first mode is compared) and `truth` are objects whose element [0, 0] sits at object pixel (rec_oy, rec_ox) and
/// (tru_oy, tru_ox). `region` marks the truth pixels to compare (1 = compared), same shape as truth.
CompareResult compare_objects(const Array<Complex<double>>& rec, double rec_oy, double rec_ox,
                              const Array<Complex<float>>& truth, double tru_oy, double tru_ox,
                              const Array<uint8_t>& region, int64_t max_shift = 8);

/// Truth pixels where the summed probe intensity sum_j |P(r - r_j)|^2 reaches `fraction` of its
/// maximum. offsets: N x 2 corner positions in the truth object array.
Array<uint8_t> illuminated_region(const Array<Complex<float>>& probe, const Array<int64_t>& offsets,
                                  int64_t h, int64_t w, double fraction = 0.1);

/// A reconstructed object (L x H x W or H x W, element [0, 0] at object pixel (origin_y, origin_x),
/// pixels of pixel_y_m x pixel_x_m; 0: unknown) against a simulation's truth, over the region its
/// scan (translations N x 3, frames of `frame_size` under `geometry`) lit above `threshold` of the
/// peak, shifts up to `max_shift` searched: what `phasis ptycho compare` prints. InputError for a
/// threshold outside (0, 1), another pixel size, or a non-finite object.
CompareResult compare_with_truth(const Array<Complex<double>>& object, double origin_y, double origin_x,
                                 double pixel_y_m, double pixel_x_m, const PtychoTruth& truth,
                                 const PtychoGeometry& geometry, int64_t frame_size,
                                 const Array<double>& translations, double threshold = 0.1, int64_t max_shift = 8);

}  // namespace phasis
