// Probe recentring (SolverOptions::probe_recentre_every): probe and object may drift together
// across the frame, a translation the data cannot see, until the probe sits against the frame's
// edge and wraps. The driver measures the probe's intensity centroid and, when it is a pixel or
// more off the frame's centre, asks the solver to move both back (Solver::recentre):
//   P'(r) = P(r + s),  O'(x) = O(x + s),  so  P'(r) O'(r + o_j) = psi_j(r + s),
// every exit wave the old one moved within its frame, with the same far-field magnitudes.
// Written once over the backend; solvers with exit waves (DM) roll those too.
#pragma once

#include <cmath>
#include <cstdint>
#include <utility>

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/core/hd.hpp"

namespace phasis::model {

/// out[b][y][x] = in[b][(y + sy) mod m][(x + sx) mod m] for blocks of m x m.
template <class T>
struct RollFrames {
  Complex<T>* out;
  const Complex<T>* in;
  int64_t m, sy, sx;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t pix = m * m, b = i / pix, q = i - b * pix, y = q / m, x = q - y * m;
    const int64_t yy = ((y + sy) % m + m) % m, xx = ((x + sx) % m + m) % m;
    out[i] = in[b * pix + yy * m + xx];
  }
};

/// out[l][y][x] = in[l][y + sy][x + sx] inside the plane, else 1 (a fresh object's value).
template <class T>
struct ShiftPlanes {
  Complex<T>* out;
  const Complex<T>* in;
  int64_t h, w, sy, sx;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t plane = h * w, l = i / plane, q = i - l * plane, y = q / w, x = q - y * w;
    const int64_t yy = y + sy, xx = x + sx;
    out[i] = yy >= 0 && yy < h && xx >= 0 && xx < w ? in[l * plane + yy * w + xx] : Complex<T>(1, 0);
  }
};

/// The whole-pixel move (sy, sx) that brings the K probe modes' summed intensity centroid to the
/// frame's centre (m/2, m/2); (0, 0) when it is within half a pixel or the probe is empty.
template <class T>
std::pair<int64_t, int64_t> probe_recentring(const Array<Complex<T>>& probe_on_backend, int64_t m) {
  const Array<Complex<T>> p = probe_on_backend.to(Memory::host);
  double s = 0, sy = 0, sx = 0;
  for (int64_t i = 0; i < p.size(); ++i) {
    const int64_t q = i % (m * m), y = q / m, x = q - y * m;
    const double v = double(norm2(p[i]));
    s += v, sy += v * double(y), sx += v * double(x);
  }
  if (!(s > 0)) return {0, 0};
  return {std::llround(sy / s - 0.5 * double(m)), std::llround(sx / s - 0.5 * double(m))};
}

/// Moves the probe modes (K x m x m) and the object planes (L x h x w) by s on the backend.
template <class B, class T>
void recentre_probe_and_object(const B& b, Array<Complex<T>>& probe, Array<Complex<T>>& object, int64_t m, int64_t h,
                               int64_t w, int64_t sy, int64_t sx) {
  Array<Complex<T>> p(probe.shape(), B::memory), o(object.shape(), B::memory);
  b.for_each(probe.size(), RollFrames<T>{p.data(), probe.data(), m, sy, sx});
  b.for_each(object.size(), ShiftPlanes<T>{o.data(), object.data(), h, w, sy, sx});
  probe.assign(p);
  object.assign(o);
}

}  // namespace phasis::model
