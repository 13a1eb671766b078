// Plane waves and aberrated probes; see waves.hpp for the formulas.
#include "phasis/multislice/waves.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "phasis/core/error.hpp"
#include "phasis/fft/fft.hpp"
#include "phasis/multislice/energy.hpp"

namespace phasis::ms {

template <class T>
Array<Complex<T>> plane_wave(const Grid& grid, int64_t batch) {
  check_grid(grid);
  if (batch < 1) throw InputError("batch: expected at least one wave; found " + std::to_string(batch));
  Array<Complex<T>> w(Shape{batch, grid.ny, grid.nx});
  const T amp = T(1 / std::sqrt(double(grid.pixels())));
  for (int64_t i = 0; i < w.size(); ++i) w[i] = {amp, T(0)};
  return w;
}

namespace {

struct ProbeAperture {
  double cutoff, edge_x, edge_y;  // [rad]; the edge widths along kx and ky (edge_along)
};

/// Checks the probe's options on this grid; returns the aperture's cutoff and edge widths [rad].
ProbeAperture probe_aperture(const Grid& grid, const ProbeOptions& o) {
  check_grid(grid);
  const double lambda = wavelength(o.energy);
  if (!(o.semiangle_cutoff > 0))
    throw InputError("semiangle cutoff: expected a positive angle in mrad; found " + std::to_string(o.semiangle_cutoff));
  const double limit_mrad = 1e3 * antialias_angle(grid, o.energy);
  if (o.semiangle_cutoff > limit_mrad)
    throw InputError("semiangle cutoff: expected at most " + std::to_string(limit_mrad) +
                     " mrad (the antialiased limit of this sampling); found " + std::to_string(o.semiangle_cutoff) +
                     " mrad: sample more finely");
  if (o.edge_mrad && !(*o.edge_mrad >= 0)) throw InputError("aperture edge: expected a width >= 0 mrad");
  // Unset: one reciprocal pixel in angle along each axis (abTEM's soft aperture).
  const double ex = o.edge_mrad ? 1e-3 * *o.edge_mrad : lambda / grid.extent_x();
  const double ey = o.edge_mrad ? 1e-3 * *o.edge_mrad : lambda / grid.extent_y();
  return {1e-3 * o.semiangle_cutoff, ex, ey};
}

}  // namespace

double probe_outer_frequency(const Grid& grid, const ProbeOptions& o) {
  const auto [cutoff, ex, ey] = probe_aperture(grid, o);
  return (cutoff + 0.5 * std::max(ex, ey)) / wavelength(o.energy);
}

template <class T>
ProbeSpectrum<T> probe_spectrum_of(const Grid& grid, const ProbeOptions& o, Complex<T>* out) {
  const auto [cutoff, ex, ey] = probe_aperture(grid, o);
  ProbeSpectrum<T> p{out, grid.ny, grid.nx, grid.dy, grid.dx, wavelength(o.energy), cutoff, ex, ey, 1.0, o.aberrations};
  // Rows whose |ky| alone reaches the outer edge (with a margin far above rounding) are zero.
  const double k_outer = probe_outer_frequency(grid, o) * (1 + 1e-12);
  double power = 0;
  for (int64_t iy = 0; iy < grid.ny; ++iy) {
    if (std::abs(fft_frequency(iy, grid.ny, grid.dy)) >= k_outer) continue;
    for (int64_t ix = 0; ix < grid.nx; ++ix) {
      const double a = p.amplitude(iy, ix);
      power += a * a;
    }
  }
  if (!(power > 0)) throw InputError("probe: the aperture passes no frequency of this grid; increase the cutoff or the extent");
  p.scale = 1 / std::sqrt(double(grid.pixels()) * power);
  return p;
}

Array<Complex<double>> probe_spectrum(const Grid& grid, const ProbeOptions& o) {
  Array<Complex<double>> s(Shape{grid.ny, grid.nx});
  const ProbeSpectrum<double> p = probe_spectrum_of(grid, o, s.data());
  for (int64_t i = 0; i < s.size(); ++i) p(i);
  return s;
}

template <class T>
Array<Complex<T>> probe(const Grid& grid, const ProbeOptions& o, const std::vector<std::pair<double, double>>& positions) {
  const auto [cutoff, ex, ey] = probe_aperture(grid, o);
  const double lambda = wavelength(o.energy);
  if (positions.empty()) throw InputError("probe positions: expected at least one");
  const int64_t ny = grid.ny, nx = grid.nx, pix = grid.pixels(), n = int64_t(positions.size());

  Array<Complex<double>> buf(Shape{n, ny, nx});
  for (int64_t j = 0; j < n; ++j) {
    const auto [x0, y0] = positions[std::size_t(j)];
    for (int64_t iy = 0; iy < ny; ++iy) {
      const double ky = fft_frequency(iy, ny, grid.dy);
      for (int64_t ix = 0; ix < nx; ++ix) {
        const double kx = fft_frequency(ix, nx, grid.dx);
        const double alpha = lambda * std::sqrt(kx * kx + ky * ky);
        const double a = aperture(alpha, cutoff, edge_along(kx, ky, ex, ey));
        const double phase = -aberration_phase(o.aberrations, lambda, kx, ky) - 2 * kPi * (kx * x0 + ky * y0);
        buf[j * pix + iy * nx + ix] = {a * std::cos(phase), a * std::sin(phase)};
      }
    }
  }
  FftwPlan<double>({int(ny), int(nx)}, n).inverse(buf.data());
  Array<Complex<T>> out(Shape{n, ny, nx});
  for (int64_t j = 0; j < n; ++j) {
    double s = 0;
    for (int64_t p = 0; p < pix; ++p) s += norm2(buf[j * pix + p]);
    if (!(s > 0)) throw InputError("probe: the aperture passes no frequency of this grid; increase the cutoff or the extent");
    const double scale = 1 / std::sqrt(s);
    for (int64_t p = 0; p < pix; ++p) out[j * pix + p] = {T(buf[j * pix + p].re * scale), T(buf[j * pix + p].im * scale)};
  }
  return out;
}

template ProbeSpectrum<float> probe_spectrum_of<float>(const Grid&, const ProbeOptions&, Complex<float>*);
template ProbeSpectrum<double> probe_spectrum_of<double>(const Grid&, const ProbeOptions&, Complex<double>*);
template Array<Complex<float>> plane_wave<float>(const Grid&, int64_t);
template Array<Complex<double>> plane_wave<double>(const Grid&, int64_t);
template Array<Complex<float>> probe<float>(const Grid&, const ProbeOptions&, const std::vector<std::pair<double, double>>&);
template Array<Complex<double>> probe<double>(const Grid&, const ProbeOptions&, const std::vector<std::pair<double, double>>&);

}  // namespace phasis::ms
