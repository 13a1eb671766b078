// Snapshots to PNG pictures (render.hpp). Everything here runs on the live view's encoder thread
// or at the end of a run, never on a solver's thread.
#include "phasis/monitor/render.hpp"

#include <algorithm>
#include <cmath>
#include <variant>

#include "phasis/core/error.hpp"
#include "phasis/io/image.hpp"

namespace phasis::monitor {

namespace {

/// Every k-th pixel so that neither side exceeds max_side (k = 1: all).
int64_t stride_for(int64_t h, int64_t w, int64_t max_side) {
  const int64_t side = std::max(h, w);
  return max_side > 0 && side > max_side ? (side + max_side - 1) / max_side : 1;
}

/// The 1st and 99th percentile of `v` (a robust grey range: a few hot pixels do not flatten it).
std::pair<float, float> robust_range(std::vector<float> v) {
  if (v.empty()) return {0.f, 0.f};
  auto at = [&v](double q) {
    const size_t k = size_t(q * double(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(k), v.end());
    return v[k];
  };
  float lo = at(0.01), hi = at(0.99);
  if (!(hi > lo)) hi = lo + 1e-6f;
  return {lo, hi};
}

Picture picture(std::string name, std::string title, int64_t step, int64_t h, int64_t w, std::vector<uint8_t> png) {
  return Picture{std::move(name), std::move(title), step, h, w, std::move(png)};
}

void render_object(const Array<Complex<float>>& a, int64_t step, const Renderer& r, std::vector<Picture>& out) {
  const Shape& sh = a.shape();
  const int64_t oh = sh[sh.rank - 2], ow = sh[sh.rank - 1];
  int64_t y0 = 0, y1 = oh, x0 = 0, x1 = ow;
  const float* cover = nullptr;
  if (r.coverage && r.coverage->shape().rank == 2 && r.coverage->shape()[0] == oh && r.coverage->shape()[1] == ow) {
    cover = r.coverage->data();
    y0 = oh, y1 = 0, x0 = ow, x1 = 0;
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t x = 0; x < ow; ++x)
        if (cover[y * ow + x] > 0) y0 = std::min(y0, y), y1 = std::max(y1, y + 1), x0 = std::min(x0, x), x1 = std::max(x1, x + 1);
    if (y0 >= y1) y0 = 0, y1 = oh, x0 = 0, x1 = ow, cover = nullptr;
  }
  const int64_t k = stride_for(y1 - y0, x1 - x0, r.max_side);
  const int64_t h = (y1 - y0 + k - 1) / k, w = (x1 - x0 + k - 1) / k;
  std::vector<float> amp(size_t(h * w)), phase(size_t(h * w)), lit_amp, lit_phase;
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      const int64_t i = (y0 + y * k) * ow + x0 + x * k;
      const Complex<float> v = a.data()[i];
      const float m = std::hypot(v.re, v.im), p = std::atan2(v.im, v.re);
      amp[size_t(y * w + x)] = m, phase[size_t(y * w + x)] = p;
      if (!cover || cover[i] > 0) lit_amp.push_back(m), lit_phase.push_back(p);
    }
  const auto [plo, phi] = robust_range(std::move(lit_phase));
  const auto [alo, ahi] = robust_range(std::move(lit_amp));
  out.push_back(picture("object_phase", "object phase", step, h, w, encode_png_gray(phase.data(), h, w, plo, phi)));
  out.push_back(picture("object_amplitude", "object amplitude", step, h, w, encode_png_gray(amp.data(), h, w, alo, ahi)));
}

void render_probe(const Array<Complex<float>>& a, int64_t step, std::vector<Picture>& out) {
  const Shape& sh = a.shape();
  const int64_t m = sh[sh.rank - 1], my = sh[sh.rank - 2], modes = a.size() / (m * my);
  // Each mode on its own scale, side by side: mode q's pixel (y, x) at column q * m + x of a row of width modes * m.
  Array<Complex<float>> row(Shape{my, modes * m});
  for (int64_t q = 0; q < modes; ++q) {
    const Complex<float>* src = a.data() + q * my * m;
    double peak = 0;
    for (int64_t i = 0; i < my * m; ++i) peak = std::max(peak, double(std::hypot(src[i].re, src[i].im)));
    const float scale = peak > 0 ? float(1 / peak) : 0.f;
    for (int64_t y = 0; y < my; ++y)
      for (int64_t x = 0; x < m; ++x) {
        const Complex<float> v = src[y * m + x];
        row.data()[y * modes * m + q * m + x] = Complex<float>{v.re * scale, v.im * scale};
      }
  }
  out.push_back(picture("probe", modes > 1 ? "probe modes" : "probe", step, my, modes * m,
                        encode_png_complex(row.data(), my, modes * m)));
}

void render_real(const std::string& name, const Array<float>& a, int64_t step, const Renderer& r, std::vector<Picture>& out) {
  const Shape& sh = a.shape();
  if (sh.rank == 3 && sh[0] == sh[1] && sh[1] == sh[2]) {
    const int64_t n = sh[0];
    std::vector<float> sums(size_t(3 * n * n), 0.f);  // z, y, x projections side by side: n x 3n
    const float* d = a.data();
    for (int64_t z = 0; z < n; ++z)
      for (int64_t y = 0; y < n; ++y)
        for (int64_t x = 0; x < n; ++x) {
          const float v = d[(z * n + y) * n + x];
          sums[size_t(y * 3 * n + x)] += v;              // along z: (y, x)
          sums[size_t(z * 3 * n + n + x)] += v;          // along y: (z, x)
          sums[size_t(z * 3 * n + 2 * n + y)] += v;      // along x: (z, y)
        }
    // Each projection on its own grey range.
    std::vector<float> scaled(sums.size());
    for (int p = 0; p < 3; ++p) {
      float lo = INFINITY, hi = -INFINITY;
      for (int64_t y = 0; y < n; ++y)
        for (int64_t x = 0; x < n; ++x) lo = std::min(lo, sums[size_t(y * 3 * n + p * n + x)]), hi = std::max(hi, sums[size_t(y * 3 * n + p * n + x)]);
      const float s = hi > lo ? 1 / (hi - lo) : 0.f;
      for (int64_t y = 0; y < n; ++y)
        for (int64_t x = 0; x < n; ++x) scaled[size_t(y * 3 * n + p * n + x)] = (sums[size_t(y * 3 * n + p * n + x)] - lo) * s;
    }
    out.push_back(picture(name + "_projections", name + ": projections along z, y, x", step, n, 3 * n,
                          encode_png_gray(scaled.data(), n, 3 * n, 0.f, 1.f)));
    return;
  }
  if (sh.rank < 2) throw InputError("picture '" + name + "': expected a 2D or 3D array; found rank " + std::to_string(sh.rank));
  const int64_t h = sh[sh.rank - 2], w = sh[sh.rank - 1], k = stride_for(h, w, r.max_side);
  const int64_t ph = (h + k - 1) / k, pw = (w + k - 1) / k;
  std::vector<float> v(size_t(ph * pw));
  for (int64_t y = 0; y < ph; ++y)
    for (int64_t x = 0; x < pw; ++x) v[size_t(y * pw + x)] = a.data()[y * k * w + x * k];
  std::string title = name;
  std::replace(title.begin(), title.end(), '_', ' ');
  out.push_back(picture(name, title, step, ph, pw, encode_png_gray(v.data(), ph, pw)));
}

}  // namespace

std::vector<Picture> Renderer::render(const exec::Snapshot& s) const {
  std::vector<Picture> out;
  if (const auto* c = std::get_if<Array<Complex<float>>>(&s.data)) {
    if (c->size() == 0 || c->shape().rank < 2) return out;
    if (s.name == "object") render_object(*c, s.step, *this, out);
    else if (s.name == "probe") render_probe(*c, s.step, out);
    else {
      const int64_t h = c->shape()[c->shape().rank - 2], w = c->shape()[c->shape().rank - 1];
      out.push_back(picture(s.name, s.name, s.step, h, w, encode_png_complex(c->data(), h, w)));
    }
  } else if (const auto* f = std::get_if<Array<float>>(&s.data)) {
    if (f->size() > 0) render_real(s.name, *f, s.step, *this, out);
  }
  return out;
}

Array<float> scan_coverage(const Array<int32_t>& offsets, int64_t frame_size, int64_t h, int64_t w) {
  Array<float> c(Shape{h, w});
  std::fill(c.data(), c.data() + h * w, 0.f);
  const int64_t n = offsets.size() / 2;
  for (int64_t j = 0; j < n; ++j) {
    const int64_t oy = offsets.data()[2 * j], ox = offsets.data()[2 * j + 1];
    for (int64_t y = std::max<int64_t>(0, oy); y < std::min(h, oy + frame_size); ++y)
      for (int64_t x = std::max<int64_t>(0, ox); x < std::min(w, ox + frame_size); ++x) c.data()[y * w + x] += 1;
  }
  return c;
}

}  // namespace phasis::monitor
