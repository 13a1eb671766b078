// The pixel_average form of the projected potential on a grid (potential.hpp), as PHASIS_HD code
// that the host's Potential::slice and the backend's slice builder (ProjectAtoms, used by the STEM
// driver on the CPU and on CUDA) both call: a log-spaced table lookup (projected_table.hpp) and the
// average over sub-samples of pixels near an atom's core. The sampled form (the default) is built
// on the host with FFTs instead (sampled_potential.hpp).
#pragma once

#include <cmath>
#include <cstdint>

#include "phasis/core/hd.hpp"

namespace phasis::ms {

/// A ProjectedTable's data: values on radii exp(log_min + i / inv_step), i < points.
struct TableView {
  const double* values;
  int64_t points;
  double r_min, r_cut, log_min, inv_step;
  PHASIS_HD double operator()(double r) const {
    if (r >= r_cut) return 0;
    if (r <= r_min) return values[0];
    const double s = (log(r) - log_min) * inv_step;
    const auto i = int64_t(s);
    if (i + 1 >= points) return values[points - 1];
    const double f = s - double(i);
    return values[i] + f * (values[i + 1] - values[i]);
  }
};

// Pixels within kNearPixels of an atom's centre see the steep core of its potential (Lobato's
// narrow terms are a few hundredths of an Angstrom wide), which one sample per pixel misses by
// about 1% of the integral at 0.1 Angstrom sampling. They take the mean of kSub x kSub samples
// over their area instead; the table's singularity radius is that of one sub-sample.
// The radius is sqrt(4.3) pixels, not 2: the choice between the two values is a jump, so the
// threshold must not fall where pixels commonly are. Atoms of crystals on grids made from the cell
// sit at whole, half, third or quarter pixels, where (r / pixel)^2 is a multiple of 1/16 or 1/9
// (4 exactly for an atom two pixels away); 4.3 is neither, so the last bit of r^2 (a fused
// multiply-add on the GPU, none on the CPU) never decides the branch for those atoms.
constexpr double kNearPixels2 = 4.3;
constexpr int kSub = 8;

/// f(r) at offset (rx, ry) from the atom, averaged over the pixel near the centre.
template <class F>
PHASIS_HD double pixel_value(const F& t, double rx, double ry, double dx, double dy) {
  const double r2 = rx * rx + ry * ry, pixel = dx > dy ? dx : dy;
  if (r2 >= kNearPixels2 * pixel * pixel) return t(sqrt(r2));
  double s = 0;
  for (int a = 0; a < kSub; ++a)
    for (int b = 0; b < kSub; ++b) {
      const double sy = ry + ((a + 0.5) / kSub - 0.5) * dy, sx = rx + ((b + 0.5) / kSub - 0.5) * dx;
      s += t(sqrt(sx * sx + sy * sy));
    }
  return s / (kSub * kSub);
}

/// Slices (num_slices x ny x nx) of the infinite projection, one pixel per call: the sum over the
/// atom images binned on the pixel's tile (Potential::bins) of their table's value at the pixel,
/// accumulated in double in the order of the slice's atoms and rounded once, as Potential::slice.
struct ProjectAtoms {
  float* out;
  const int32_t* start;  // per (slice, tile): first entry; start[slices * tiles] = number of entries
  const double* x;       // entry: the atom's centre [Angstrom]
  const double* y;
  const int32_t* shift_x;  // entry: pixel shifts to the image next to the atom (Potential::bins)
  const int32_t* shift_y;
  const int32_t* table;  // entry: index into tables
  const TableView* tables;
  int64_t ny, nx, tile, tiles_x, tiles;  // tiles per slice
  double dy, dx;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t pix = ny * nx, k = i / pix, p = i % pix, iy = p / nx, ix = p % nx;
    const int64_t t = k * tiles + (iy / tile) * tiles_x + ix / tile;
    double v = 0;
    for (int32_t e = start[t]; e < start[t + 1]; ++e) {
      const TableView& tb = tables[table[e]];
      // As Potential::slice computes it (unwrapped pixel times the sampling, minus the centre), so
      // the same pixels take the core average on both sides.
      const double rx = double(ix + shift_x[e]) * dx - x[e], ry = double(iy + shift_y[e]) * dy - y[e];
      if (rx * rx + ry * ry < tb.r_cut * tb.r_cut) v += pixel_value(tb, rx, ry, dx, dy);
    }
    out[i] = float(v);
  }
};

}  // namespace phasis::ms
