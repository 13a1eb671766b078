// Plane waves and aberrated probes; see waves.hpp for the formulas.
#include "phasis/multislice/waves.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "phasis/core/error.hpp"
#include "phasis/fft/fft.hpp"
#include "phasis/multislice/energy.hpp"

namespace phasis::ms {

double aberration_phase(const Aberrations& a, double lambda, double kx, double ky) {
  const double alpha = lambda * std::sqrt(kx * kx + ky * ky), phi = std::atan2(ky, kx);
  const double a2 = alpha * alpha;
  const double w = 0.5 * a2 * (a.c10 + a.c12 * std::cos(2 * (phi - a.phi12))) +
                   a2 * alpha / 3 * a.c21 * std::cos(phi - a.phi21) + 0.25 * a2 * a2 * a.c30;
  return 2 * kPi / lambda * w;
}

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

/// Checks the probe's options on this grid; returns the aperture's cutoff and edge [rad].
std::pair<double, double> probe_aperture(const Grid& grid, const ProbeOptions& o) {
  check_grid(grid);
  const double lambda = wavelength(o.energy);
  if (!(o.semiangle_cutoff > 0))
    throw InputError("semiangle cutoff: expected a positive angle in mrad; found " + std::to_string(o.semiangle_cutoff));
  const double limit_mrad = 1e3 * antialias_angle(grid, o.energy);
  if (o.semiangle_cutoff > limit_mrad)
    throw InputError("semiangle cutoff: expected at most " + std::to_string(limit_mrad) +
                     " mrad (the antialiased limit of this sampling); found " + std::to_string(o.semiangle_cutoff) +
                     " mrad: sample more finely");
  const double edge = 1e-3 * o.edge_mrad.value_or(1e3 * lambda / std::max(grid.extent_x(), grid.extent_y()));
  if (edge < 0) throw InputError("aperture edge: expected a width >= 0 mrad");
  return {1e-3 * o.semiangle_cutoff, edge};
}

double aperture(double alpha, double cutoff, double edge) {
  return edge > 0 ? std::clamp((cutoff - alpha) / edge + 0.5, 0.0, 1.0) : (alpha < cutoff ? 1.0 : 0.0);
}

}  // namespace

Array<Complex<double>> probe_spectrum(const Grid& grid, const ProbeOptions& o) {
  const auto [cutoff, edge] = probe_aperture(grid, o);
  const double lambda = wavelength(o.energy);
  const int64_t ny = grid.ny, nx = grid.nx;
  Array<Complex<double>> s(Shape{ny, nx});
  double power = 0;
  // Serial: the aperture passes a few rows of the grid, and the rest cost one test each.
  for (int64_t iy = 0; iy < ny; ++iy) {
    const double ky = fft_frequency(iy, ny, grid.dy);
    if (aperture(lambda * std::abs(ky), cutoff, edge) == 0) {  // the row's smallest angle is already outside
      std::fill(s.data() + iy * nx, s.data() + (iy + 1) * nx, Complex<double>{0.0, 0.0});
      continue;
    }
    for (int64_t ix = 0; ix < nx; ++ix) {
      const double kx = fft_frequency(ix, nx, grid.dx);
      const double a = aperture(lambda * std::sqrt(kx * kx + ky * ky), cutoff, edge);
      if (a == 0) {  // most of the grid lies outside the aperture: no aberration phase to compute
        s[iy * nx + ix] = {0.0, 0.0};
        continue;
      }
      const double phase = -aberration_phase(o.aberrations, lambda, kx, ky);
      s[iy * nx + ix] = {a * std::cos(phase), a * std::sin(phase)};
      power += a * a;
    }
  }
  if (!(power > 0)) throw InputError("probe: the aperture passes no frequency of this grid; increase the cutoff or the extent");
  const double scale = 1 / std::sqrt(double(grid.pixels()) * power);
  for (int64_t i = 0; i < s.size(); ++i) s[i] = {s[i].re * scale, s[i].im * scale};
  return s;
}

template <class T>
Array<Complex<T>> probe(const Grid& grid, const ProbeOptions& o, const std::vector<std::pair<double, double>>& positions) {
  const auto [cutoff, edge] = probe_aperture(grid, o);
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
        const double a = aperture(alpha, cutoff, edge);
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

template Array<Complex<float>> plane_wave<float>(const Grid&, int64_t);
template Array<Complex<double>> plane_wave<double>(const Grid&, int64_t);
template Array<Complex<float>> probe<float>(const Grid&, const ProbeOptions&, const std::vector<std::pair<double, double>>&);
template Array<Complex<double>> probe<double>(const Grid&, const ProbeOptions&, const std::vector<std::pair<double, double>>&);

}  // namespace phasis::ms
