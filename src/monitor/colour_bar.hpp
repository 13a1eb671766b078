// A grey-scale picture with its colour bar: the image, and beside it the scale from `lo` (black)
// to `hi` (white) with both ends and the middle labelled and the quantity named, so a reader of a
// phase image sees which phase is white. Values outside [lo, hi] are clipped, as the bar says.
#pragma once

#include <cstdint>
#include <string>

namespace phasis::monitor {

class Canvas;

/// `data` (h x w, row-major) at one screen pixel per value, top left, with a bar labelled `unit`
/// ("rad", "amplitude") to its right: the bar's top row is `hi` (white), its bottom row `lo`.
Canvas gray_with_colour_bar(const float* data, int64_t h, int64_t w, float lo, float hi, const std::string& unit);

/// The same, written through a temporary name (InputError when it cannot be written).
void write_gray_with_colour_bar(const std::string& path, const float* data, int64_t h, int64_t w, float lo, float hi,
                                const std::string& unit);

}  // namespace phasis::monitor
