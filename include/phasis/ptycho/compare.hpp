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

}  // namespace phasis
