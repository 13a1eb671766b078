// Canvas: a clipped RGB raster (see canvas.hpp).
#include "monitor/canvas.hpp"

#include <algorithm>
#include <cstdlib>

#include "monitor/tiny_font.hpp"
#include "phasis/core/error.hpp"
#include "phasis/io/image.hpp"

namespace phasis::monitor {

Canvas::Canvas(int64_t h, int64_t w, Rgb background) : h_(h), w_(w), background_(background) {
  if (h <= 0 || w <= 0 || h > (int64_t(1) << 15) || w > (int64_t(1) << 15))
    throw InputError("picture: expected a size of 1 to 32768 pixels a side; found " + std::to_string(h) + " x " +
                     std::to_string(w));
  rgb_.resize(size_t(h * w * 3));
  fill(background);
}

Rgb Canvas::at(int64_t y, int64_t x) const {
  if (y < 0 || y >= h_ || x < 0 || x >= w_) return background_;
  const uint8_t* p = &rgb_[size_t((y * w_ + x) * 3)];
  return {p[0], p[1], p[2]};
}

void Canvas::set(int64_t y, int64_t x, Rgb c) {
  if (y < 0 || y >= h_ || x < 0 || x >= w_) return;
  uint8_t* p = &rgb_[size_t((y * w_ + x) * 3)];
  p[0] = c.r, p[1] = c.g, p[2] = c.b;
}

void Canvas::fill(Rgb c) {
  for (size_t i = 0; i < rgb_.size(); i += 3) rgb_[i] = c.r, rgb_[i + 1] = c.g, rgb_[i + 2] = c.b;
}

void Canvas::rect(int64_t y0, int64_t x0, int64_t y1, int64_t x1, Rgb c) {
  y0 = std::max<int64_t>(y0, 0), x0 = std::max<int64_t>(x0, 0);
  y1 = std::min(y1, h_), x1 = std::min(x1, w_);
  for (int64_t y = y0; y < y1; ++y)
    for (int64_t x = x0; x < x1; ++x) set(y, x, c);
}

void Canvas::line(int64_t y0, int64_t x0, int64_t y1, int64_t x1, Rgb c, int thickness) {
  // As many steps as the longer side has pixels: no gaps in steep or flat lines.
  const int64_t steps = std::max<int64_t>({std::abs(x1 - x0), std::abs(y1 - y0), 1});
  for (int64_t t = 0; t <= steps; ++t) {
    const int64_t x = x0 + (x1 - x0) * t / steps, y = y0 + (y1 - y0) * t / steps;
    for (int d = 0; d < std::max(thickness, 1); ++d) set(y - thickness / 2 + d, x, c);
  }
}

void Canvas::polyline(const std::vector<std::pair<int64_t, int64_t>>& points, Rgb c, int thickness) {
  if (points.size() == 1) line(points[0].first, points[0].second, points[0].first, points[0].second, c, thickness);
  for (size_t i = 0; i + 1 < points.size(); ++i)
    line(points[i].first, points[i].second, points[i + 1].first, points[i + 1].second, c, thickness);
}

void Canvas::text(int64_t y, int64_t x, const std::string& text, Rgb c, int scale) {
  for (char ch : text) {
    const Glyph& g = tiny_glyph(ch);
    for (int row = 0; row < kGlyphHeight; ++row)
      for (int col = 0; col < kGlyphWidth; ++col)
        if (g.rows[size_t(row)] & (1 << (kGlyphWidth - 1 - col)))
          rect(y + row * scale, x + col * scale, y + (row + 1) * scale, x + (col + 1) * scale, c);
    x += kGlyphAdvance * scale;
  }
}

int64_t Canvas::text_width(const std::string& text, int scale) {
  if (text.empty()) return 0;
  return (int64_t(text.size()) * kGlyphAdvance - (kGlyphAdvance - kGlyphWidth)) * scale;
}

int64_t Canvas::text_height(int scale) { return int64_t(kGlyphHeight) * scale; }

void Canvas::write_png(const std::string& path) const { write_png_rgb(path, rgb_.data(), h_, w_); }

}  // namespace phasis::monitor
