// Object error against the truth with the ptychographic ambiguities removed (see compare.hpp).
#include "phasis/ptycho/compare.hpp"

#include <algorithm>
#include <tuple>
#include <cmath>
#include <vector>

#include "phasis/core/error.hpp"
#include "phasis/fft/fft.hpp"
#include "phasis/ptycho/problem.hpp"  // for positions_in_pixels
#include <cstdio>
#include <string>

namespace phasis {

namespace {

double wrap(double a) { return std::remainder(a, 2 * M_PI); }

struct Sample {
  double y, x;       // truth pixel, centred on the region's centroid
  Complex<double> z; // rec * conj(truth)
  Complex<double> r, t;
  int64_t row, col;  // truth pixel indices
};

/// Linear phase ramp (rad per pixel along y and x) of z = rec conj(truth): the peak of
/// |sum z e^{-i k.r}| on a grid of trial ramps (quarter-cycle steps over the region, up to two
/// cycles), refined by weighted least squares on the wrapped residual phase.
std::pair<double, double> estimate_ramp(const std::vector<Sample>& s) {
  double ext_y = 1, ext_x = 1;
  for (const Sample& q : s) ext_y = std::max(ext_y, 2 * std::abs(q.y)), ext_x = std::max(ext_x, 2 * std::abs(q.x));
  double ay = 0, ax = 0, best_mag = -1;
  const int steps = 8;
  // sum z e^{-i (ky y + kx x)} separably: per trial ky, the samples' column sums of z e^{-i ky y}
  // (one pass over the samples), then per trial kx a sum over columns.
  int64_t rows = 1, cols = 1;
  for (const Sample& q : s) rows = std::max(rows, q.row + 1), cols = std::max(cols, q.col + 1);
  std::vector<double> y_of(size_t(rows), 0.0), x_of(size_t(cols), 0.0);
  for (const Sample& q : s) y_of[size_t(q.row)] = q.y, x_of[size_t(q.col)] = q.x;
  std::vector<Complex<double>> ey(static_cast<size_t>(rows)), column(static_cast<size_t>(cols));
  for (int iy = -steps; iy <= steps; ++iy) {
    const double ky = 2 * M_PI * 0.25 * iy / ext_y;
    for (int64_t r = 0; r < rows; ++r) ey[size_t(r)] = polar(1.0, -ky * y_of[size_t(r)]);
    std::fill(column.begin(), column.end(), Complex<double>(0, 0));
    for (const Sample& q : s) column[size_t(q.col)] += q.z * ey[size_t(q.row)];
    for (int ix = -steps; ix <= steps; ++ix) {
      const double kx = 2 * M_PI * 0.25 * ix / ext_x;
      Complex<double> acc{};
      for (int64_t c = 0; c < cols; ++c) acc += column[size_t(c)] * polar(1.0, -kx * x_of[size_t(c)]);
      if (abs(acc) > best_mag) best_mag = abs(acc), ay = ky, ax = kx;
    }
  }
  for (int pass = 0; pass < 4; ++pass) {
    Complex<double> tot{};
    for (const Sample& q : s) tot += q.z * polar(1.0, -(ay * q.y + ax * q.x));
    const double off = arg(tot);
    double syy = 0, sxx = 0, sxy = 0, sy = 0, sx = 0;
    for (const Sample& q : s) {
      const double wgt = abs(q.z), d = wrap(arg(q.z) - ay * q.y - ax * q.x - off);
      syy += wgt * q.y * q.y, sxx += wgt * q.x * q.x, sxy += wgt * q.x * q.y;
      sy += wgt * q.y * d, sx += wgt * q.x * d;
    }
    const double det = syy * sxx - sxy * sxy;
    if (std::abs(det) < 1e-30) break;
    ay += (sy * sxx - sx * sxy) / det;
    ax += (sx * syy - sy * sxy) / det;
  }
  return {ay, ax};
}

/// Sub-pixel translation (sy, sx) that best aligns `rec` with `truth` (both h x w; truth zero
/// outside the region): the peak of the cross-correlation evaluated off-grid, as sum_k C(k) e^{2 pi i k.s} with
/// C the cross-power spectrum. Separable in y and x, searched on a coarse then a fine grid.
std::pair<double, double> subpixel_shift(const std::vector<Complex<double>>& rec, const std::vector<Complex<double>>& truth,
                                         const std::vector<double>& window, int64_t h, int64_t w) {
  // Normalised correlation |sum_r conj(T_w(r)) R(r + s)| / sqrt(sum_r W(r) |R(r + s)|^2): without
  // the denominator, shifts that bring brighter parts of R into the window would win.
  Array<Complex<double>> a(Shape{h, w}), b(Shape{h, w}), p(Shape{h, w}), q(Shape{h, w});
  for (int64_t i = 0; i < h * w; ++i) {
    a[i] = rec[i], b[i] = truth[i];
    p[i] = {norm2(rec[i]), 0.0}, q[i] = {window[i], 0.0};
  }
  FftwPlan<double> plan({int(h), int(w)}, 1);
  for (auto* x : {&a, &b, &p, &q}) plan.forward(x->data());
  for (int64_t i = 0; i < h * w; ++i) a[i] = conj_mul(b[i], a[i]), p[i] = conj_mul(q[i], p[i]);
  auto freq = [](int64_t k, int64_t n) { return double(k < (n + 1) / 2 ? k : k - n) / double(n); };
  // Scores on an 11 x 11 grid of shifts around the best so far, separably: for each x shift, the
  // row sums sum_kx C(ky, kx) e^{2 pi i fx sx} of both spectra (O(h w) each, rows in parallel);
  // then each y shift costs O(h). 22 h w multiply-adds per grid instead of 242 h w sines and cosines.
  constexpr int kSide = 11;
  std::vector<Complex<double>> ex(static_cast<size_t>(w)), ey(static_cast<size_t>(h));
  std::vector<Complex<double>> rows_a(size_t(kSide) * h), rows_p(size_t(kSide) * h);
  auto grid_scores = [&](double cy, double cx, double step, double* out) {
    for (int ix = 0; ix < kSide; ++ix) {
      const double sx = cx + (ix - kSide / 2) * step;
      for (int64_t kx = 0; kx < w; ++kx) ex[size_t(kx)] = polar(1.0, 2 * M_PI * freq(kx, w) * sx);
#pragma omp parallel for schedule(static)
      for (int64_t ky = 0; ky < h; ++ky) {
        Complex<double> ra{}, rp{};
        for (int64_t kx = 0; kx < w; ++kx) ra += a[ky * w + kx] * ex[size_t(kx)], rp += p[ky * w + kx] * ex[size_t(kx)];
        rows_a[size_t(ix) * h + ky] = ra, rows_p[size_t(ix) * h + ky] = rp;
      }
    }
    for (int iy = 0; iy < kSide; ++iy) {
      const double sy = cy + (iy - kSide / 2) * step;
      for (int64_t ky = 0; ky < h; ++ky) ey[size_t(ky)] = polar(1.0, 2 * M_PI * freq(ky, h) * sy);
      for (int ix = 0; ix < kSide; ++ix) {
        Complex<double> ta{}, tp{};
        for (int64_t ky = 0; ky < h; ++ky)
          ta += rows_a[size_t(ix) * h + ky] * ey[size_t(ky)], tp += rows_p[size_t(ix) * h + ky] * ey[size_t(ky)];
        out[iy * kSide + ix] = tp.re > 0 ? abs(ta) / std::sqrt(tp.re) : 0.0;
      }
    }
  };
  double by = 0, bx = 0, best = -1;
  double scores[kSide * kSide];
  for (double step : {0.25, 0.05, 0.01, 0.002, 0.0004}) {
    const double cy = by, cx = bx;
    grid_scores(cy, cx, step, scores);
    for (int iy = 0; iy < kSide; ++iy)
      for (int ix = 0; ix < kSide; ++ix)
        if (scores[iy * kSide + ix] > best)
          best = scores[iy * kSide + ix], by = cy + (iy - kSide / 2) * step, bx = cx + (ix - kSide / 2) * step;
  }
  return {by, bx};
}

/// Translates an h x w image by (sy, sx) pixels through its Fourier transform (band-limited shift).
void fourier_shift(std::vector<Complex<double>>& img, int64_t h, int64_t w, double sy, double sx) {
  Array<Complex<double>> a(Shape{h, w});
  for (int64_t i = 0; i < h * w; ++i) a[i] = img[i];
  FftwPlan<double> plan({int(h), int(w)}, 1);
  plan.forward(a.data());
  auto freq = [](int64_t k, int64_t n) { return double(k < (n + 1) / 2 ? k : k - n) / double(n); };
  for (int64_t ky = 0; ky < h; ++ky)
    for (int64_t kx = 0; kx < w; ++kx)
      a[ky * w + kx] = a[ky * w + kx] * polar(1.0 / double(h * w), -2 * M_PI * (freq(ky, h) * sy + freq(kx, w) * sx));
  plan.inverse(a.data());
  for (int64_t i = 0; i < h * w; ++i) img[i] = a[i];
}

}  // namespace

Array<uint8_t> illuminated_region(const Array<Complex<float>>& probe, const Array<int64_t>& offsets, int64_t h,
                                  int64_t w, double fraction) {
  // Probe modes (K x M x M) add their intensities.
  const int rank = probe.shape().rank;
  const int64_t m = probe.shape()[rank - 1], k = rank == 3 ? probe.shape()[0] : 1, n = offsets.shape()[0];
  std::vector<double> intensity(m * m, 0.0), cover(h * w, 0.0);
  for (int64_t a = 0; a < k; ++a)
    for (int64_t p = 0; p < m * m; ++p) intensity[p] += norm2(probe[a * m * m + p]);
  for (int64_t j = 0; j < n; ++j)
    for (int64_t y = 0; y < m; ++y)
      for (int64_t x = 0; x < m; ++x) {
        const int64_t oy = offsets[2 * j] + y, ox = offsets[2 * j + 1] + x;
        if (oy >= 0 && oy < h && ox >= 0 && ox < w) cover[oy * w + ox] += intensity[y * m + x];
      }
  const double top = *std::max_element(cover.begin(), cover.end());
  Array<uint8_t> region(Shape{h, w});
  for (int64_t i = 0; i < h * w; ++i) region[i] = top > 0 && cover[i] >= fraction * top;
  return region;
}

CompareResult compare_objects(const Array<Complex<double>>& rec, double rec_oy, double rec_ox,
                              const Array<Complex<float>>& truth, double tru_oy, double tru_ox,
                              const Array<uint8_t>& region, int64_t max_shift) {
  // A reconstruction with object modes (L x H x W) is compared through its first mode.
  const int rr = rec.shape().rank;
  const int64_t rh = rec.shape()[rr - 2], rw = rec.shape()[rr - 1], th = truth.shape()[0], tw = truth.shape()[1];
  const int64_t base_y = int64_t(std::llround(tru_oy - rec_oy)), base_x = int64_t(std::llround(tru_ox - rec_ox));
  auto rec_at = [&](int64_t ty, int64_t tx, int64_t sy, int64_t sx, Complex<double>& out) {
    const int64_t y = ty + base_y + sy, x = tx + base_x + sx;
    if (y < 0 || y >= rh || x < 0 || x >= rw) return false;
    out = rec[y * rw + x];
    return true;
  };

  // 1. Whole-pixel translation: maximise the normalised correlation magnitude.
  //    Every shift's score in parallel, then the first best in the order (sy, sx) ascending.
  CompareResult res;
  const int64_t side = 2 * max_shift + 1;
  std::vector<double> scores(size_t(side * side), -1.0);
#pragma omp parallel for schedule(dynamic)
  for (int64_t s = 0; s < side * side; ++s) {
    const int64_t sy = s / side - max_shift, sx = s % side - max_shift;
    {
      Complex<double> acc{};
      double pr = 0;
      bool inside = true;
      for (int64_t ty = 0; ty < th && inside; ++ty)
        for (int64_t tx = 0; tx < tw; ++tx) {
          if (!region[ty * tw + tx]) continue;
          Complex<double> r;
          if (!rec_at(ty, tx, sy, sx, r)) { inside = false; break; }
          const Complex<float> t = truth[ty * tw + tx];
          acc += conj_mul(Complex<double>(t.re, t.im), r);
          pr += norm2(r);
        }
      if (inside && pr > 0) scores[size_t(s)] = abs(acc) / std::sqrt(pr);
    }
  }
  double best = -1;
  for (int64_t s = 0; s < side * side; ++s)
    if (scores[size_t(s)] > best) best = scores[size_t(s)], res.shift_y = s / side - max_shift, res.shift_x = s % side - max_shift;
  if (best < 0) throw InputError("compare: the reconstruction does not cover the truth's illuminated region");

  // 2. Sub-pixel translation: object and probe shifted together by a fraction of a pixel fit the
  //    data equally well, so the rec is re-sampled onto the truth's grid before comparing.
  std::vector<Complex<double>> crop(th * tw), masked_truth(th * tw, Complex<double>(0, 0));
  for (int64_t ty = 0; ty < th; ++ty)
    for (int64_t tx = 0; tx < tw; ++tx) {
      Complex<double> r(1, 0);
      rec_at(ty, tx, res.shift_y, res.shift_x, r);
      crop[ty * tw + tx] = r;
      if (region[ty * tw + tx]) {
        const Complex<float> t = truth[ty * tw + tx];
        masked_truth[ty * tw + tx] = {t.re, t.im};
      }
    }
  // Samples of the region, in coordinates centred on its centroid.
  double cy = 0, cx = 0;
  int64_t count = 0;
  for (int64_t i = 0; i < th * tw; ++i)
    if (region[i]) cy += double(i / tw), cx += double(i % tw), ++count;
  cy /= count, cx /= count;
  auto samples = [&] {
    std::vector<Sample> v;
    for (int64_t ty = 0; ty < th; ++ty)
      for (int64_t tx = 0; tx < tw; ++tx) {
        if (!region[ty * tw + tx]) continue;
        const Complex<double> r = crop[ty * tw + tx];
        const Complex<float> tf = truth[ty * tw + tx];
        const Complex<double> t(tf.re, tf.im);
        v.push_back({double(ty) - cy, double(tx) - cx, conj_mul(t, r), r, t, ty, tx});
      }
    return v;
  };
  auto remove_ramp = [&](double ay, double ax) {
    for (int64_t ty = 0; ty < th; ++ty)
      for (int64_t tx = 0; tx < tw; ++tx)
        crop[ty * tw + tx] = crop[ty * tw + tx] * polar(1.0, -(ay * (ty - cy) + ax * (tx - cx)));
  };
  // The ramp first (a ramp moves the correlation peak), then the sub-pixel shift on the ramp-free
  // reconstruction, then what is left of the ramp. Only the truth is windowed for the shift:
  // windowing both would pull the peak toward zero, where the two windows overlap best.
  auto [ay, ax] = estimate_ramp(samples());
  remove_ramp(ay, ax);
  std::vector<double> window(th * tw);
  for (int64_t i = 0; i < th * tw; ++i) window[i] = region[i] ? 1.0 : 0.0;
  std::tie(res.subpixel_y, res.subpixel_x) = subpixel_shift(crop, masked_truth, window, th, tw);
  fourier_shift(crop, th, tw, -res.subpixel_y, -res.subpixel_x);
  const auto [dy, dx] = estimate_ramp(samples());
  remove_ramp(dy, dx);
  res.ramp_y = ay + dy, res.ramp_x = ax + dx;
  std::vector<Sample> s = samples();
  res.pixels = int64_t(s.size());

  // 4. Global factor and the two figures.
  Complex<double> num{};
  double den = 0, tn = 0;
  for (Sample& q : s) {
    num += conj_mul(q.r, q.t);
    den += norm2(q.r);
    tn += norm2(q.t);
  }
  const Complex<double> c = den > 0 ? num * (1.0 / den) : Complex<double>(0, 0);
  double err = 0, ph = 0;
  for (const Sample& q : s) {
    const Complex<double> fit = c * q.r;
    err += norm2(fit - q.t);
    const double d = wrap(arg(fit) - arg(q.t));
    ph += d * d;
  }
  res.complex_error = std::sqrt(err / tn);
  res.phase_rmse = std::sqrt(ph / s.size());
  return res;
}

CompareResult compare_with_truth(const Array<Complex<double>>& object, double origin_y, double origin_x,
                                 double pixel_y_m, double pixel_x_m, const PtychoTruth& truth,
                                 const PtychoGeometry& g, int64_t m, const Array<double>& translations,
                                 double threshold, int64_t max_shift) {
  if (!(threshold > 0 && threshold < 1)) throw InputError("threshold: expected in (0, 1); found " + std::to_string(threshold));
  // A reconstruction on another pixel grid, or one that diverged, has no meaningful error against
  // the truth: say which, instead of returning a number or blaming the illuminated region.
  const double truth_pixel_y_m = g.object_pixel_y_m(m), truth_pixel_x_m = g.object_pixel_x_m(m);
  auto differs = [](double a, double b) { return a > 0 && std::abs(a - b) > 1e-6 * b; };
  if (differs(pixel_y_m, truth_pixel_y_m) || differs(pixel_x_m, truth_pixel_x_m)) {
    char msg[256];
    std::snprintf(msg, sizeof msg,
                  "compare: expected the truth's object pixel size %.4g x %.4g m; found %.4g x %.4g m in the reconstruction",
                  truth_pixel_y_m, truth_pixel_x_m, pixel_y_m, pixel_x_m);
    throw InputError(msg);
  }
  int64_t bad = 0;
  for (int64_t i = 0; i < object.size(); ++i) bad += !(std::isfinite(object[i].re) && std::isfinite(object[i].im));
  if (bad > 0)
    throw InputError("compare: expected a finite reconstruction; found " + std::to_string(bad) +
                     " NaN or infinite object pixels");
  Array<int64_t> pos = positions_in_pixels(translations, truth_pixel_y_m, truth_pixel_x_m);
  for (int64_t j = 0; j < pos.shape()[0]; ++j) {
    pos[2 * j] -= int64_t(truth.origin_y);
    pos[2 * j + 1] -= int64_t(truth.origin_x);
  }
  const int64_t h = truth.object.shape()[0], w = truth.object.shape()[1];
  const Array<uint8_t> region = illuminated_region(truth.probe, pos, h, w, threshold);
  return compare_objects(object, origin_y, origin_x, truth.object, truth.origin_y, truth.origin_x, region, max_shift);
}

}  // namespace phasis
