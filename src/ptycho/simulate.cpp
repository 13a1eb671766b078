// Probe models, scans and the far-field forward model of the simulator (see simulate.hpp).
#include "phasis/ptycho/simulate.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "phasis/core/error.hpp"
#include "phasis/fft/fft.hpp"
#include "phasis/ptycho/modes.hpp"    // for orthogonalising_mix
#include "phasis/ptycho/problem.hpp"  // for fftshift2

namespace phasis {

namespace {

constexpr int64_t kPadding = 8;  // object pixels around the scanned area, as make_problem uses

double probe_diameter(const SimulationOptions& o) {
  if (o.probe == "gaussian") return 2.355 * (o.gaussian_sigma_px > 0 ? o.gaussian_sigma_px : o.frame_size / 10.0);
  return o.probe_diameter_px > 0 ? o.probe_diameter_px : 0.3 * o.frame_size;
}

/// Signed frequency index of FFT bin k for size m.
double freq(int64_t k, int64_t m) { return double(k < (m + 1) / 2 ? k : k - m); }

void normalise(Array<Complex<float>>& p) {
  double s = 0;
  for (int64_t i = 0; i < p.size(); ++i) s += norm2(p[i]);
  const float f = float(1.0 / std::sqrt(s));
  for (int64_t i = 0; i < p.size(); ++i) p[i] *= f;
}

/// Whole-pixel offsets along x that a fly scan sweeps during one exposure, centred on 0 and
/// sorted; {0} for a step scan.
std::vector<int64_t> fly_offsets(double blur) {
  const int64_t s = int64_t(std::floor(blur)) + 1;
  std::vector<int64_t> off;
  for (int64_t i = 0; i < s; ++i) off.push_back(s == 1 ? 0 : std::llround(-blur / 2 + blur * double(i) / double(s - 1)));
  return off;
}

}  // namespace

Array<Complex<float>> make_probe_modes(const SimulationOptions& o) {
  const int64_t k = o.probe_modes, m = o.frame_size, pix = m * m;
  Array<Complex<float>> base = make_probe(o);
  if (k == 1) {
    base.reshape(Shape{1, m, m});
    return base;
  }
  // Orthogonal modes: the probe times low-order functions of position, orthogonalised, each
  // normalised and given its occupancy.
  Array<Complex<float>> raw = initial_probe_modes(base, k, 0.1);
  std::vector<Complex<double>> overlap(k * k), coeff;
  for (int64_t a = 0; a < k; ++a)
    for (int64_t b = 0; b < k; ++b)
      for (int64_t p = 0; p < pix; ++p) {
        const Complex<float> u = raw[a * pix + p], v = raw[b * pix + p];
        overlap[a * k + b] += conj_mul(Complex<double>(u.re, u.im), Complex<double>(v.re, v.im));
      }
  std::vector<double> occ;
  orthogonalising_mix(overlap, int(k), coeff, occ);
  std::vector<double> target = o.mode_occupancy;
  if (target.empty())  // halving powers: 1, 1/2, 1/4, ...
    for (int64_t a = 0; a < k; ++a) target.push_back(std::ldexp(1.0, -int(a)));
  double total = 0;
  for (double t : target) total += t;
  Array<Complex<float>> modes(Shape{k, m, m});
  for (int64_t a = 0; a < k; ++a) {
    std::vector<Complex<double>> mode(pix);
    double power = 0;
    for (int64_t p = 0; p < pix; ++p) {
      for (int64_t b = 0; b < k; ++b) {
        const Complex<float> v = raw[b * pix + p];
        mode[p] += coeff[a * k + b] * Complex<double>(v.re, v.im);
      }
      power += norm2(mode[p]);
    }
    const double f = std::sqrt(target[a] / total / power);
    for (int64_t p = 0; p < pix; ++p) modes[a * pix + p] = {float(mode[p].re * f), float(mode[p].im * f)};
  }
  return modes;
}

void check_simulation_options(const SimulationOptions& o) {
  auto fail = [](const std::string& what) { throw InputError(what); };
  if (o.frame_size < 16 || o.frame_size > 4096)
    fail("frame size: expected 16 to 4096 pixels; found " + std::to_string(o.frame_size));
  if (!(o.energy_kev > 0) || !std::isfinite(o.energy_kev)) fail("energy: expected > 0 keV; found " + std::to_string(o.energy_kev));
  if (!(o.distance_m > 0)) fail("distance: expected > 0 m; found " + std::to_string(o.distance_m));
  if (!(o.detector_pixel_m > 0)) fail("detector pixel: expected > 0 m; found " + std::to_string(o.detector_pixel_m));
  if (o.probe != "aperture" && o.probe != "gaussian") fail("probe: expected aperture or gaussian; found '" + o.probe + "'");
  if (!(o.aperture_fraction > 0 && o.aperture_fraction <= 1))
    fail("aperture fraction: expected in (0, 1]; found " + std::to_string(o.aperture_fraction));
  if (o.probe_diameter_px < 0 || o.probe_diameter_px > o.frame_size)
    fail("probe diameter: expected 0 (auto) to the frame size in pixels; found " + std::to_string(o.probe_diameter_px));
  if (o.gaussian_sigma_px < 0 || o.gaussian_sigma_px > o.frame_size / 4.0)
    fail("gaussian sigma: expected 0 (auto) to a quarter of the frame; found " + std::to_string(o.gaussian_sigma_px));
  if (o.scan != "spiral" && o.scan != "raster") fail("scan: expected spiral or raster; found '" + o.scan + "'");
  if (o.positions < 1 || o.positions > 10'000'000) fail("positions: expected 1 to 10^7; found " + std::to_string(o.positions));
  if (o.step_px < 0 || o.step_px > o.frame_size) fail("step: expected 0 (auto) to the frame size in pixels; found " + std::to_string(o.step_px));
  if (o.jitter_px < 0 || o.jitter_px > o.frame_size) fail("jitter: expected 0 to the frame size in pixels; found " + std::to_string(o.jitter_px));
  if (!(o.photons > 0) || !std::isfinite(o.photons)) fail("photons: expected > 0 per frame; found " + std::to_string(o.photons));
  if (o.initial_probe != "none" && o.initial_probe != "model" && o.initial_probe != "truth")
    fail("initial probe: expected none, model or truth; found '" + o.initial_probe + "'");
  if (o.probe_modes < 1 || o.probe_modes > 16) fail("probe modes: expected 1 to 16; found " + std::to_string(o.probe_modes));
  if (!o.mode_occupancy.empty() && int64_t(o.mode_occupancy.size()) != o.probe_modes)
    fail("mode occupancy: expected one value per probe mode (" + std::to_string(o.probe_modes) + "); found " +
         std::to_string(o.mode_occupancy.size()));
  for (double v : o.mode_occupancy)
    if (!(v > 0)) fail("mode occupancy: expected positive values; found " + std::to_string(v));
  if (!(o.fly_blur_px >= 0 && o.fly_blur_px <= o.frame_size / 2.0))
    fail("fly blur: expected 0 to half the frame in pixels; found " + std::to_string(o.fly_blur_px));
  if (!(o.model_error > -0.9 && o.model_error < 10)) fail("model error: expected in (-0.9, 10); found " + std::to_string(o.model_error));
}

Array<Complex<float>> make_probe(const SimulationOptions& o) {
  const int64_t m = o.frame_size;
  Array<Complex<float>> p(Shape{m, m});
  if (o.probe == "gaussian") {
    const double s = o.gaussian_sigma_px > 0 ? o.gaussian_sigma_px : m / 10.0, c = 0.5 * m;
    for (int64_t y = 0; y < m; ++y)
      for (int64_t x = 0; x < m; ++x)
        p[y * m + x] = {float(std::exp(-((y - c) * (y - c) + (x - c) * (x - c)) / (2 * s * s))), 0.f};
    normalise(p);
    return p;
  }
  // Pupil of radius r (frequency bins) with a defocus phase. Geometric optics: a defocus dz spreads
  // the focus to D = 2 dz alpha / dx; in bin units the phase is -pi D k^2 / (2 r M), whatever the
  // energy, distance and pixel size.
  const double r = o.aperture_fraction * 0.5 * m, d = probe_diameter(o);
  for (int64_t ky = 0; ky < m; ++ky)
    for (int64_t kx = 0; kx < m; ++kx) {
      const double fy = freq(ky, m), fx = freq(kx, m), k = std::hypot(fy, fx);
      const double pupil = std::clamp(r - k + 0.5, 0.0, 1.0);
      const double phase = -M_PI * d * k * k / (2 * r * m);
      p[ky * m + kx] = {float(pupil * std::cos(phase)), float(pupil * std::sin(phase))};
    }
  FftwPlan<float> plan({int(m), int(m)}, 1, 1);
  plan.inverse(p.data());
  fftshift2(p.data(), m, m, /*inverse=*/true);
  normalise(p);
  return p;
}

Array<Complex<float>> model_probe(const SimulationOptions& o, std::string& source) {
  const int64_t m = o.frame_size;
  char line[160];
  if (o.probe == "aperture") {
    if (!(o.aperture_fraction > 0 && o.aperture_fraction <= 1))
      throw InputError("probe model aperture fraction: expected in (0, 1]; found " + std::to_string(o.aperture_fraction));
    if (!(o.probe_diameter_px >= 0 && o.probe_diameter_px <= double(m)))
      throw InputError("probe model diameter: expected 0 (0.3 M) to the frame size " + std::to_string(m) +
                       " object pixels; found " + std::to_string(o.probe_diameter_px));
    std::snprintf(line, sizeof line, "the aperture model (pupil %.3g of the detector half-width, defocused to %.4g object pixels)",
                  o.aperture_fraction, probe_diameter(o));
  } else if (o.probe == "gaussian") {
    if (!(o.gaussian_sigma_px >= 0 && o.gaussian_sigma_px <= double(m)))
      throw InputError("probe model sigma: expected 0 (M / 10) to the frame size in object pixels; found " +
                       std::to_string(o.gaussian_sigma_px));
    std::snprintf(line, sizeof line, "the gaussian model (sigma %.4g object pixels)",
                  o.gaussian_sigma_px > 0 ? o.gaussian_sigma_px : double(m) / 10);
  } else {
    throw InputError("probe model: expected aperture or gaussian; found '" + o.probe + "'");
  }
  source = line;
  return make_probe(o);
}

Array<int64_t> make_scan(const SimulationOptions& o, double diameter) {
  const double step = o.step_px > 0 ? o.step_px : std::max(1.0, 0.3 * diameter);
  std::mt19937_64 rng(o.seed * 7919 + 1);
  std::normal_distribution<double> jitter(0.0, o.jitter_px > 0 ? o.jitter_px : 1.0);
  std::vector<std::pair<double, double>> pts;
  if (o.scan == "raster") {
    const int64_t g = int64_t(std::ceil(std::sqrt(double(o.positions))));
    for (int64_t iy = 0; iy < g; ++iy)
      for (int64_t ix = 0; ix < g; ++ix) pts.emplace_back((iy - 0.5 * (g - 1)) * step, (ix - 0.5 * (g - 1)) * step);
  } else {
    // Fermat spiral: equal area per point; c = step sqrt(sqrt(3) / (2 pi)) matches a hexagonal
    // packing of nearest-neighbour distance `step`.
    const double c = step * std::sqrt(std::sqrt(3.0) / (2 * M_PI)), golden = M_PI * (3 - std::sqrt(5.0));
    for (int64_t n = 0; n < o.positions; ++n) {
      const double rad = c * std::sqrt(n + 0.5), th = n * golden;
      pts.emplace_back(rad * std::sin(th), rad * std::cos(th));
    }
  }
  Array<int64_t> pos(Shape{int64_t(pts.size()), 2});
  for (size_t j = 0; j < pts.size(); ++j) {
    double y = pts[j].first, x = pts[j].second;
    if (o.jitter_px > 0) y += jitter(rng), x += jitter(rng);
    pos[2 * j] = std::llround(y);
    pos[2 * j + 1] = std::llround(x);
  }
  return pos;
}

void simulate(const SimulationOptions& o, PtychoData& data, PtychoTruth& truth) {
  check_simulation_options(o);
  const int64_t m = o.frame_size, pix = m * m;
  data.geometry.energy_J = o.energy_kev * 1e3 * 1.602176634e-19;
  data.geometry.distance_m = o.distance_m;
  data.geometry.pixel_x_m = data.geometry.pixel_y_m = o.detector_pixel_m;
  const double dy = data.geometry.object_pixel_y_m(m), dx = data.geometry.object_pixel_x_m(m);

  Array<int64_t> pos = make_scan(o, probe_diameter(o));
  const int64_t n = pos.shape()[0];
  int64_t min_y = pos[0], max_y = pos[0], min_x = pos[1], max_x = pos[1];
  for (int64_t j = 0; j < n; ++j) {
    min_y = std::min(min_y, pos[2 * j]), max_y = std::max(max_y, pos[2 * j]);
    min_x = std::min(min_x, pos[2 * j + 1]), max_x = std::max(max_x, pos[2 * j + 1]);
  }
  // Fly scans sweep each frame over sub-positions along x; the object must cover them too.
  const std::vector<int64_t> sweep = fly_offsets(o.fly_blur_px);
  const int64_t pad_x = kPadding + sweep.back();
  const int64_t h = max_y - min_y + m + 2 * kPadding, w = max_x - min_x + m + 2 * pad_x;
  truth.object = make_phantom(h, w);
  truth.probe = make_probe_modes(o);  // K x M x M, powers = occupancies (sum 1)
  truth.origin_y = double(min_y - kPadding);
  truth.origin_x = double(min_x - pad_x);
  const int64_t k = truth.probe.shape()[0], sources = k * int64_t(sweep.size());

  data.translations = Array<double>(Shape{n, 3});
  for (int64_t j = 0; j < n; ++j) {
    data.translations[3 * j + 0] = double(pos[2 * j + 1]) * dx;
    data.translations[3 * j + 1] = double(pos[2 * j]) * dy;
    data.translations[3 * j + 2] = 0.0;
  }

  // Far field of every frame: the incoherent sum over probe modes and sweep positions,
  // I_j = sum_k sum_s |F(P_k O(r + r_j + s))|^2 / S, in batches so the FFT plan stays small.
  data.intensities = Array<float>(Shape{n, m, m});
  const int64_t batch = std::clamp<int64_t>(256 / sources, 1, n);
  FftwPlan<double> plan({int(m), int(m)}, batch * sources);
  Array<Complex<double>> buf(Shape{batch * sources, m, m});
  std::mt19937_64 rng(o.seed);
  // Unitary FFT: |F|^2 / M^2 of the unnormalised one; each sweep position gets 1/S of the exposure.
  const double scale = o.photons / double(pix) / double(sweep.size());
  for (int64_t j0 = 0; j0 < n; j0 += batch) {
    const int64_t nb = std::min(batch, n - j0);
    buf.zero();
    for (int64_t b = 0; b < nb; ++b)
      for (int64_t a = 0; a < k; ++a)
        for (size_t si = 0; si < sweep.size(); ++si) {
          const int64_t oy = pos[2 * (j0 + b)] - int64_t(truth.origin_y);
          const int64_t ox = pos[2 * (j0 + b) + 1] - int64_t(truth.origin_x) + sweep[si];
          Complex<double>* e = buf.data() + ((b * k + a) * int64_t(sweep.size()) + int64_t(si)) * pix;
          for (int64_t y = 0; y < m; ++y)
            for (int64_t x = 0; x < m; ++x) {
              const Complex<float> v = truth.probe[a * pix + y * m + x] * truth.object[(oy + y) * w + ox + x];
              e[y * m + x] = {double(v.re), double(v.im)};
            }
        }
    plan.forward(buf.data());
    for (int64_t b = 0; b < nb; ++b) {
      float* frame = data.intensities.data() + (j0 + b) * pix;
      for (int64_t p = 0; p < pix; ++p) {
        double v = 0;
        for (int64_t q = 0; q < sources; ++q) v += norm2(buf[(b * sources + q) * pix + p]);
        v *= scale;
        frame[p] = float(o.poisson ? double(std::poisson_distribution<int64_t>(v)(rng)) : v);
      }
      fftshift2(frame, m, m, /*inverse=*/true);  // detectors see DC at the centre
    }
  }
  if (k == 1) truth.probe.reshape(Shape{m, m});
  // The truth probe at the measured power: sum |P|^2 = photons.
  const float f = float(std::sqrt(o.photons));
  for (int64_t i = 0; i < truth.probe.size(); ++i) truth.probe[i] *= f;
  if (o.initial_probe == "truth") {  // the strongest mode, for object-only tests
    data.probe = Array<Complex<float>>(Shape{m, m});
    for (int64_t i = 0; i < pix; ++i) data.probe[i] = truth.probe[i];
  }
  if (o.initial_probe == "model") {
    SimulationOptions nominal = o;
    nominal.probe_diameter_px = probe_diameter(o) * (1 + o.model_error);
    nominal.gaussian_sigma_px = (o.gaussian_sigma_px > 0 ? o.gaussian_sigma_px : o.frame_size / 10.0) * (1 + o.model_error);
    data.probe = make_probe(nominal);
    for (int64_t i = 0; i < data.probe.size(); ++i) data.probe[i] *= f;
  }
}

}  // namespace phasis
