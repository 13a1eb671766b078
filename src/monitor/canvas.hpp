// A small RGB raster for generated charts (the profile picture): filled rectangles, lines,
// polylines and 5 x 7 text, all clipped to the picture, then written as a PNG.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace phasis::monitor {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb&) const = default;
};

class Canvas {
 public:
  /// An h x w picture filled with `background`; InputError unless both sizes are positive.
  Canvas(int64_t h, int64_t w, Rgb background = {255, 255, 255});

  int64_t height() const { return h_; }
  int64_t width() const { return w_; }
  /// The pixel at row y, column x; background outside the picture.
  Rgb at(int64_t y, int64_t x) const;
  /// Rows of 3 * width() bytes, top row first: what write_png_rgb takes.
  const std::vector<uint8_t>& rgb() const { return rgb_; }

  void set(int64_t y, int64_t x, Rgb c);  // nothing outside the picture
  void fill(Rgb c);
  /// The filled rectangle of rows [y0, y1) and columns [x0, x1) (empty when y1 <= y0 or x1 <= x0).
  void rect(int64_t y0, int64_t x0, int64_t y1, int64_t x1, Rgb c);
  /// A straight line from (y0, x0) to (y1, x1), both ends included, `thickness` pixels tall: rows
  /// y - thickness / 2 to y - thickness / 2 + thickness - 1 at each point (3: one above, one below).
  void line(int64_t y0, int64_t x0, int64_t y1, int64_t x1, Rgb c, int thickness = 1);
  /// Lines through consecutive points, each (y, x).
  void polyline(const std::vector<std::pair<int64_t, int64_t>>& points, Rgb c, int thickness = 1);
  /// `text` with its top left corner at (y, x), each font pixel a `scale` x `scale` square.
  void text(int64_t y, int64_t x, const std::string& text, Rgb c, int scale = 1);
  /// The width text() takes, in pixels (the last glyph's trailing space not counted).
  static int64_t text_width(const std::string& text, int scale = 1);
  static int64_t text_height(int scale = 1);

  /// Writes the picture through a temporary name and a rename (InputError when it cannot).
  void write_png(const std::string& path) const;

 private:
  int64_t h_, w_;
  Rgb background_;
  std::vector<uint8_t> rgb_;
};

}  // namespace phasis::monitor
