// The built-in phantom: no image files, features at several scales so that a reconstruction's
// resolution and fidelity both show. Edges are smoothed over about one pixel so the object is
// band-limited enough for a nearest-pixel forward model.
#include <algorithm>
#include <cmath>
#include <random>

#include "phasis/ptycho/simulate.hpp"

namespace phasis {

namespace {

/// 0 outside, 1 inside, linear over one pixel around the edge at distance d (positive inside).
double soft_inside(double d) { return std::clamp(d + 0.5, 0.0, 1.0); }

}  // namespace

Array<Complex<float>> make_phantom(int64_t h, int64_t w, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const double cy = 0.5 * h, cx = 0.5 * w, size = double(std::min(h, w));

  struct Disc { double y, x, r, phase, amp; };
  std::vector<Disc> discs;
  for (int i = 0; i < 24; ++i) {
    const double r = 4 + 26 * u(rng) * u(rng);  // mostly small, some large
    discs.push_back({h * u(rng), w * u(rng), r, 0.6 * (u(rng) - 0.5), 0.25 * u(rng)});
  }
  const double star_r = 0.2 * size, ring_r = 0.1 * size;
  const double ring_y = cy + 0.2 * size, ring_x = cx - 0.2 * size;
  const double dots_y = cy - 0.2 * size, dots_x = cx + 0.2 * size, dots_half = 0.08 * size;

  Array<Complex<float>> obj(Shape{h, w});
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      double phase = 0, absorb = 0;
      // Smooth texture: a few long waves.
      phase += 0.12 * std::sin(2 * M_PI * y / 97.0 + 0.3) * std::cos(2 * M_PI * x / 131.0);
      absorb += 0.05 * (1 + std::sin(2 * M_PI * (x + y) / 73.0));
      // Siemens star in phase: 24 spokes, resolution rising toward the centre.
      const double ry = y - cy, rx = x - cx, r = std::hypot(ry, rx);
      if (r < star_r + 1) {
        const double spoke = std::sin(24 * std::atan2(ry, rx)) > 0 ? 1.0 : -1.0;
        phase += 0.45 * spoke * soft_inside(star_r - r);
      }
      // Concentric rings in amplitude: period 8 px.
      const double rr = std::hypot(y - ring_y, x - ring_x);
      if (rr < ring_r) absorb += 0.2 * (std::cos(2 * M_PI * rr / 8.0) > 0 ? 1.0 : 0.0) * soft_inside(ring_r - rr);
      // Grid of dots, 6 px pitch, radius 1.5 px, in amplitude and phase.
      if (std::abs(y - dots_y) < dots_half && std::abs(x - dots_x) < dots_half) {
        const double gy = std::fmod(y - dots_y + 1000 * 6, 6.0) - 3, gx = std::fmod(x - dots_x + 1000 * 6, 6.0) - 3;
        const double dot = soft_inside(1.5 - std::hypot(gy, gx));
        absorb += 0.15 * dot;
        phase += 0.3 * dot;
      }
      for (const Disc& d : discs) {
        const double dd = std::hypot(y - d.y, x - d.x);
        if (dd < d.r + 1) {
          const double in = soft_inside(d.r - dd);
          phase += d.phase * in;
          absorb += d.amp * in;
        }
      }
      const double amp = std::clamp(1.0 - absorb, 0.55, 1.0);
      phase = std::clamp(phase, -0.9, 0.9);
      obj[y * w + x] = {float(amp * std::cos(phase)), float(amp * std::sin(phase))};
    }
  return obj;
}

}  // namespace phasis
