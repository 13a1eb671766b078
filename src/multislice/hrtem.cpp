// HRTEM images through a CTF with partial-coherence envelopes (see hrtem.hpp).
#include "phasis/multislice/hrtem.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "phasis/core/error.hpp"
#include "phasis/fft/fft.hpp"
#include "phasis/multislice/energy.hpp"

namespace phasis::ms {

Complex<double> ctf_value(const CtfOptions& c, double lambda, double kx, double ky, std::array<double, 2> edges_mrad) {
  const double k2 = kx * kx + ky * ky;
  double ap = 1;
  if (c.aperture > 0)
    ap = aperture(lambda * std::sqrt(k2), 1e-3 * c.aperture, 1e-3 * edge_along(kx, ky, edges_mrad[0], edges_mrad[1]));
  if (ap == 0) return {0, 0};
  const double chi = aberration_phase(c.aberrations, lambda, kx, ky);
  double env = std::exp(-0.5 * std::pow(kPi * lambda * c.focal_spread, 2) * k2 * k2);
  if (c.convergence > 0) {
    // grad chi by central differences: step small against the frequencies a grid holds, and chi is
    // a polynomial of degree 4, so the error is far below the envelope's own approximation.
    const double h = 1e-6;
    const double gx = (aberration_phase(c.aberrations, lambda, kx + h, ky) -
                       aberration_phase(c.aberrations, lambda, kx - h, ky)) / (2 * h);
    const double gy = (aberration_phase(c.aberrations, lambda, kx, ky + h) -
                       aberration_phase(c.aberrations, lambda, kx, ky - h)) / (2 * h);
    const double a = 1e-3 * c.convergence / (2 * lambda);
    env *= std::exp(-a * a * (gx * gx + gy * gy));
  }
  return {ap * env * std::cos(chi), -ap * env * std::sin(chi)};
}

Complex<double> ctf_value(const CtfOptions& c, double lambda, double kx, double ky) {
  const double e = c.aperture_edge.value_or(0);
  return ctf_value(c, lambda, kx, ky, {e, e});
}

std::array<double, 2> aperture_edges_mrad(const CtfOptions& c, const Grid& g, double energy_ev) {
  if (c.aperture_edge) return {*c.aperture_edge, *c.aperture_edge};
  const double lambda = wavelength(energy_ev);
  return {1e3 * lambda / g.extent_x(), 1e3 * lambda / g.extent_y()};
}

template <class T>
Array<double> hrtem_image(const Array<Complex<T>>& waves, const Grid& g, double energy_ev, const CtfOptions& given) {
  if (given.focal_spread < 0 || given.convergence < 0 || given.aperture < 0)
    throw InputError("ctf: expected a non-negative focal spread, convergence and aperture");
  const CtfOptions& c = given;
  const std::array<double, 2> edges = aperture_edges_mrad(given, g, energy_ev);
  if (!(edges[0] >= 0 && std::isfinite(edges[0]) && edges[1] >= 0 && std::isfinite(edges[1])))
    throw InputError("ctf: expected an aperture edge >= 0 mrad; found " + std::to_string(edges[0]));
  const auto& s = waves.shape();
  if (s.rank != 3 || s[1] != g.ny || s[2] != g.nx)
    throw InputError("hrtem: expected exit waves (batch, " + std::to_string(g.ny) + ", " + std::to_string(g.nx) +
                     "); found " + s.str());
  const double lambda = wavelength(energy_ev);
  const int64_t b = s[0], n = g.pixels();
  Array<Complex<double>> f(s);
  const Array<Complex<T>> h = waves.to(Memory::host);
  for (int64_t i = 0; i < b * n; ++i) f[i] = {double(h[i].re), double(h[i].im)};
  FftwPlan<double> plan({int(g.ny), int(g.nx)}, b);
  plan.forward(f.data());
  for (int64_t iy = 0; iy < g.ny; ++iy)
    for (int64_t ix = 0; ix < g.nx; ++ix) {
      // The unnormalised forward and inverse transforms multiply by n; divide once here.
      Complex<double> t = ctf_value(c, lambda, fft_frequency(ix, g.nx, g.dx), fft_frequency(iy, g.ny, g.dy), edges);
      t *= 1.0 / double(n);
      for (int64_t j = 0; j < b; ++j) f[j * n + iy * g.nx + ix] = f[j * n + iy * g.nx + ix] * t;
    }
  plan.inverse(f.data());
  Array<double> out(s);
  for (int64_t i = 0; i < b * n; ++i) out[i] = f[i].re * f[i].re + f[i].im * f[i].im;
  return out;
}
template Array<double> hrtem_image(const Array<Complex<float>>&, const Grid&, double, const CtfOptions&);
template Array<double> hrtem_image(const Array<Complex<double>>&, const Grid&, double, const CtfOptions&);

}  // namespace phasis::ms
