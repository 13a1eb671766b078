// write_gray_with_colour_bar (colour_bar.hpp) on the Canvas.
#include "monitor/colour_bar.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "monitor/canvas.hpp"

namespace phasis::monitor {

namespace {
std::string label(float v) {
  char s[32];
  std::snprintf(s, sizeof s, "%.3g", double(v));
  return s;
}
uint8_t grey(float v, float lo, float hi) {
  const float t = hi > lo ? (v - lo) / (hi - lo) : 0.5f;
  return uint8_t(std::lround(255 * std::clamp(std::isfinite(t) ? t : 0.0f, 0.0f, 1.0f)));
}
}  // namespace

Canvas gray_with_colour_bar(const float* data, int64_t h, int64_t w, float lo, float hi, const std::string& unit) {
  const int64_t pad = 6, bar_w = 14, th = Canvas::text_height();
  const int64_t labels_w = std::max({Canvas::text_width(label(lo)), Canvas::text_width(label(hi)),
                                     Canvas::text_width(label(0.5f * (lo + hi))), Canvas::text_width(unit)});
  // The bar spans the image's height, at least enough for its three labels and the unit.
  const int64_t bar_h = std::max<int64_t>(h, 6 * th), height = bar_h + 3 * th, width = w + 3 * pad + bar_w + labels_w;
  Canvas c(height, width);
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      const uint8_t g = grey(data[y * w + x], lo, hi);
      c.set(y, x, {g, g, g});
    }
  const int64_t bx = w + 2 * pad;
  for (int64_t y = 0; y < bar_h; ++y) {  // top: hi, bottom: lo
    const float v = hi - (hi - lo) * float(y) / float(std::max<int64_t>(bar_h - 1, 1));
    const uint8_t g = grey(v, lo, hi);
    c.rect(y, bx, y + 1, bx + bar_w, {g, g, g});
  }
  const Rgb ink{40, 40, 40};
  c.rect(0, bx - 1, bar_h, bx, ink), c.rect(0, bx + bar_w, bar_h, bx + bar_w + 1, ink);  // the bar's frame
  c.rect(0, bx - 1, 1, bx + bar_w + 1, ink), c.rect(bar_h - 1, bx - 1, bar_h, bx + bar_w + 1, ink);
  const int64_t lx = bx + bar_w + pad;
  c.text(0, lx, label(hi), ink);
  c.text((bar_h - th) / 2, lx, label(0.5f * (lo + hi)), ink);
  c.text(bar_h - th, lx, label(lo), ink);
  c.text(bar_h + th + 2, bx, unit, ink);
  return c;
}

void write_gray_with_colour_bar(const std::string& path, const float* data, int64_t h, int64_t w, float lo, float hi,
                                const std::string& unit) {
  gray_with_colour_bar(data, h, w, lo, hi, unit).write_png(path);
}

}  // namespace phasis::monitor
