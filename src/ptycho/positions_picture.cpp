// The picture of refined scan positions (output.hpp): each frame's given position as a dot and an
// arrow to where refinement left it, the arrow's length exaggerated so sub-pixel moves show.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "phasis/io/image.hpp"
#include "phasis/ptycho/output.hpp"

namespace phasis {

namespace {

struct Canvas {
  int64_t h, w;
  std::vector<uint8_t> rgb;
  Canvas(int64_t h_, int64_t w_) : h(h_), w(w_), rgb(size_t(3 * h_ * w_), 255) {}
  void dot(double y, double x, const uint8_t c[3]) {
    const int64_t iy = std::lround(y), ix = std::lround(x);
    if (iy < 0 || iy >= h || ix < 0 || ix >= w) return;
    std::copy(c, c + 3, rgb.begin() + 3 * (iy * w + ix));
  }
  void line(double y0, double x0, double y1, double x1, const uint8_t c[3]) {
    const int steps = int(std::ceil(std::max(std::abs(y1 - y0), std::abs(x1 - x0)))) + 1;
    for (int s = 0; s <= steps; ++s) dot(y0 + (y1 - y0) * s / steps, x0 + (x1 - x0) * s / steps, c);
  }
};

}  // namespace

void write_positions_picture(const std::string& path, const Array<double>& given, const Array<double>& refined,
                             double exaggeration) {
  const int64_t n = given.shape()[0];
  double y0 = 1e300, y1 = -1e300, x0 = 1e300, x1 = -1e300;
  for (int64_t j = 0; j < n; ++j) {
    for (const Array<double>* a : {&given, &refined}) {
      const double y = (*a)[2 * j], x = (*a)[2 * j + 1];
      const double ey = given[2 * j] + exaggeration * (y - given[2 * j]), ex = given[2 * j + 1] + exaggeration * (x - given[2 * j + 1]);
      y0 = std::min(y0, ey), y1 = std::max(y1, ey), x0 = std::min(x0, ex), x1 = std::max(x1, ex);
    }
  }
  // About 600 pixels across the larger side, with a margin.
  const double span = std::max({y1 - y0, x1 - x0, 1.0}), scale = 560.0 / span;
  Canvas c(int64_t((y1 - y0) * scale) + 41, int64_t((x1 - x0) * scale) + 41);
  const uint8_t blue[3] = {30, 80, 200}, red[3] = {210, 40, 30};
  auto py = [&](double y) { return 20 + (y - y0) * scale; };
  auto px = [&](double x) { return 20 + (x - x0) * scale; };
  for (int64_t j = 0; j < n; ++j) {
    const double gy = given[2 * j], gx = given[2 * j + 1];
    const double ry = gy + exaggeration * (refined[2 * j] - gy), rx = gx + exaggeration * (refined[2 * j + 1] - gx);
    c.line(py(gy), px(gx), py(ry), px(rx), red);
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) c.dot(py(gy) + dy, px(gx) + dx, blue);
  }
  write_png_rgb(path, c.rgb.data(), c.h, c.w);
}

}  // namespace phasis
