// Segmented and pixelated detectors from diffraction patterns (see diffraction.hpp).
#include "phasis/multislice/diffraction.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "phasis/core/error.hpp"
#include "phasis/fft/fft.hpp"
#include "phasis/multislice/detectors.hpp"
#include "phasis/multislice/energy.hpp"

namespace phasis::ms {

void check_segmented(const SegmentedDetector& d, const Grid& grid, double energy_ev) {
  if (d.rings < 1 || d.segments < 1)
    throw InputError("segmented detector: expected at least 1 ring and 1 segment; found " + std::to_string(d.rings) +
                     " rings, " + std::to_string(d.segments) + " segments");
  check_detector(AnnularDetector{d.inner, d.outer}, grid, energy_ev);
}

template <class T>
Array<double> diffraction_patterns(const Array<Complex<T>>& waves) {
  const auto& s = waves.shape();
  if (s.rank != 3) throw InputError("diffraction: expected waves (batch, ny, nx); found shape " + s.str());
  const int64_t b = s[0], ny = s[1], nx = s[2], n = ny * nx;
  Array<Complex<T>> f = waves.to(Memory::host);
  FftwPlan<T> plan({int(ny), int(nx)}, b);
  plan.forward(f.data());
  Array<double> out(Shape{b, ny, nx});
  for (int64_t i = 0; i < b * n; ++i) out[i] = (double(f[i].re) * f[i].re + double(f[i].im) * f[i].im) / double(n);
  return out;
}
template Array<double> diffraction_patterns(const Array<Complex<float>>&);
template Array<double> diffraction_patterns(const Array<Complex<double>>&);

Array<double> segmented_detect(const Array<double>& patterns, const Grid& g, double energy_ev,
                               const SegmentedDetector& d) {
  check_segmented(d, g, energy_ev);
  const int64_t b = patterns.shape()[0], n = g.pixels(), nr = d.rings, ns = d.segments;
  const double lambda = wavelength(energy_ev), width = (d.outer - d.inner) / double(nr);
  // Bin index of each pixel once (-1: outside the detector); then one pass per pattern.
  std::vector<int64_t> bin(std::size_t(n), -1);
  for (int64_t iy = 0; iy < g.ny; ++iy)
    for (int64_t ix = 0; ix < g.nx; ++ix) {
      const double ky = fft_frequency(iy, g.ny, g.dy), kx = fft_frequency(ix, g.nx, g.dx);
      const double mrad = 1e3 * lambda * std::hypot(kx, ky);
      if (mrad < d.inner || mrad >= d.outer) continue;
      const int64_t r = std::min(nr - 1, int64_t((mrad - d.inner) / width));
      double phi = std::atan2(ky, kx) - d.rotation;
      phi -= 2 * kPi * std::floor(phi / (2 * kPi));
      const int64_t sg = std::min(ns - 1, int64_t(phi / (2 * kPi) * double(ns)));
      bin[std::size_t(iy * g.nx + ix)] = r * ns + sg;
    }
  Array<double> out(Shape{b, nr * ns});
  out.zero();
  for (int64_t j = 0; j < b; ++j)
    for (int64_t p = 0; p < n; ++p)
      if (bin[std::size_t(p)] >= 0) out[j * nr * ns + bin[std::size_t(p)]] += patterns[j * n + p];
  return out;
}

std::pair<int64_t, int64_t> pixelated_shape(const Grid& g) {
  const double k = antialias_cutoff(g);
  const int64_t hy = std::min((g.ny - 1) / 2, int64_t(std::floor(k * g.extent_y())));
  const int64_t hx = std::min((g.nx - 1) / 2, int64_t(std::floor(k * g.extent_x())));
  return {2 * hy + 1, 2 * hx + 1};
}

Array<double> pixelated_crop(const Array<double>& patterns, const Grid& g) { return centred_crop(patterns, g, pixelated_shape(g)); }

std::pair<int64_t, int64_t> angle_crop_shape(const Grid& g, double energy_ev, double max_angle_mrad) {
  const double limit = 1e3 * antialias_angle(g, energy_ev);
  if (!(max_angle_mrad >= 0) || max_angle_mrad > limit)
    throw InputError("diffraction crop angle: expected 0 (the whole aperture) up to the antialiased cutoff " +
                     std::to_string(limit) + " mrad; found " + std::to_string(max_angle_mrad) + " mrad");
  const auto whole = pixelated_shape(g);
  if (max_angle_mrad == 0) return whole;
  const double k = 1e-3 * max_angle_mrad / wavelength(energy_ev);
  const int64_t hy = std::min(whole.first / 2, int64_t(std::floor(k * g.extent_y())));
  const int64_t hx = std::min(whole.second / 2, int64_t(std::floor(k * g.extent_x())));
  return {2 * hy + 1, 2 * hx + 1};
}

Array<double> centred_crop(const Array<double>& patterns, const Grid& g, std::pair<int64_t, int64_t> shape) {
  const auto [my, mx] = shape;
  const int64_t b = patterns.shape()[0], hy = my / 2, hx = mx / 2;
  Array<double> out(Shape{b, my, mx});
  for (int64_t j = 0; j < b; ++j)
    for (int64_t y = 0; y < my; ++y)
      for (int64_t x = 0; x < mx; ++x) {
        const int64_t iy = (y - hy + g.ny) % g.ny, ix = (x - hx + g.nx) % g.nx;
        out[(j * my + y) * mx + x] = patterns[(j * g.ny + iy) * g.nx + ix];
      }
  return out;
}

int64_t block_direct_beam(Array<double>& centred, const Grid& g, double energy_ev, double radius_mrad) {
  if (!(radius_mrad >= 0)) throw InputError("beam stop: expected a radius >= 0 mrad; found " + std::to_string(radius_mrad));
  const int64_t b = centred.shape()[0], my = centred.shape()[1], mx = centred.shape()[2];
  const double lambda = wavelength(energy_ev), r = 1e-3 * radius_mrad;
  int64_t blocked = 0;
  for (int64_t y = 0; y < my; ++y)
    for (int64_t x = 0; x < mx; ++x) {
      const double ky = double(y - my / 2) / g.extent_y(), kx = double(x - mx / 2) / g.extent_x();
      if (lambda * std::hypot(kx, ky) > r) continue;
      ++blocked;
      for (int64_t j = 0; j < b; ++j) centred[(j * my + y) * mx + x] = 0;
    }
  return blocked;
}

Array<double> cropped_patterns(const Array<double>& unshifted, const Grid& g, double energy_ev, double max_angle_mrad,
                               double beam_stop_mrad) {
  Array<double> crop = centred_crop(unshifted, g, angle_crop_shape(g, energy_ev, max_angle_mrad));
  if (beam_stop_mrad > 0) block_direct_beam(crop, g, energy_ev, beam_stop_mrad);
  return crop;
}

}  // namespace phasis::ms
