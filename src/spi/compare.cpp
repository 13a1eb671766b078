#include "phasis/spi/compare.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <string>

#include "phasis/core/error.hpp"
#include "phasis/fft/fft.hpp"
#include "phasis/spi/transform.hpp"
#include "grid_layout.hpp"

namespace phasis::spi {

namespace {
using C = Complex<double>;
using Quat = std::array<double, 4>;

Quat quaternion_of(const Rotation& r) {
  const double t = r[0] + r[4] + r[8];
  Quat q;
  if (t > 0) {
    const double s = 2 * std::sqrt(t + 1);
    q = {s / 4, (r[7] - r[5]) / s, (r[2] - r[6]) / s, (r[3] - r[1]) / s};
  } else if (r[0] > r[4] && r[0] > r[8]) {
    const double s = 2 * std::sqrt(1 + r[0] - r[4] - r[8]);
    q = {(r[7] - r[5]) / s, s / 4, (r[1] + r[3]) / s, (r[2] + r[6]) / s};
  } else if (r[4] > r[8]) {
    const double s = 2 * std::sqrt(1 + r[4] - r[0] - r[8]);
    q = {(r[2] - r[6]) / s, (r[1] + r[3]) / s, s / 4, (r[5] + r[7]) / s};
  } else {
    const double s = 2 * std::sqrt(1 + r[8] - r[0] - r[4]);
    q = {(r[3] - r[1]) / s, (r[2] + r[6]) / s, (r[5] + r[7]) / s, s / 4};
  }
  return q;
}

Rotation multiply(const Rotation& a, const Rotation& b) {
  Rotation c{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) c[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j];
  return c;
}
Rotation transpose(const Rotation& a) { return {a[0], a[3], a[6], a[1], a[4], a[7], a[2], a[5], a[8]}; }

Rotation mean_of(const std::vector<Quat>& qs, const std::vector<bool>& use, const Quat& reference) {
  Quat m{0, 0, 0, 0};
  for (size_t i = 0; i < qs.size(); ++i) {
    if (!use[i]) continue;
    double d = 0;
    for (int k = 0; k < 4; ++k) d += qs[i][k] * reference[k];
    for (int k = 0; k < 4; ++k) m[k] += d < 0 ? -qs[i][k] : qs[i][k];  // q and -q are one rotation
  }
  const double norm = std::sqrt(m[0] * m[0] + m[1] * m[1] + m[2] * m[2] + m[3] * m[3]);
  if (!(norm > 0)) return {1, 0, 0, 0, 1, 0, 0, 0, 1};
  return rotation_from_quaternion(m[0] / norm, m[1] / norm, m[2] / norm, m[3] / norm);
}

int64_t signed_index(int64_t i, int64_t n) { return i < (n + 1) / 2 ? i : i - n; }
}  // namespace

// A half turn about the beam (z): on a flat Ewald sphere it maps s to -s, which Friedel's law makes
// invisible, so an image's orientation is known only up to it (the sphere's curvature tells them
// apart, weakly). Both Q and R_z(pi) Q place the image's intensities at equivalent points.
const Rotation kHalfTurnAboutBeam{-1, 0, 0, 0, -1, 0, 0, 0, 1};

Rotation mean_relative_rotation(const std::vector<Rotation>& truth, const std::vector<Rotation>& found) {
  if (truth.size() != found.size() || truth.empty())
    throw InputError("spi compare: expected as many found orientations as true ones; found " +
                     std::to_string(found.size()) + " and " + std::to_string(truth.size()));
  const size_t count = truth.size();
  // Each image offers two candidates for M: R^T Q and R^T R_z(pi) Q.
  std::vector<std::array<Rotation, 2>> cand(count);
  for (size_t i = 0; i < count; ++i)
    cand[i] = {multiply(transpose(truth[i]), found[i]), multiply(transpose(truth[i]), multiply(kHalfTurnAboutBeam, found[i]))};
  auto fit = [&](const Rotation& m, std::vector<Quat>& chosen, std::vector<double>& err) {
    chosen.resize(count), err.resize(count);
    for (size_t i = 0; i < count; ++i) {
      const double e0 = rotation_angle(cand[i][0], m), e1 = rotation_angle(cand[i][1], m);
      err[i] = std::min(e0, e1);
      chosen[i] = quaternion_of(cand[i][e0 <= e1 ? 0 : 1]);
    }
    std::vector<double> sorted = err;
    std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
    return sorted[sorted.size() / 2];
  };
  // Start from the candidate of the first images that most others agree with (the smallest median
  // error), then refine: the mean of the nearer candidates, those beyond twice the median dropped
  // (the chordal mean is pulled by wrong matches).
  Rotation m = cand[0][0];
  double best = 1e300;
  std::vector<Quat> chosen;
  std::vector<double> err;
  for (size_t i = 0; i < std::min<size_t>(count, 16); ++i)
    for (int k = 0; k < 2; ++k) {
      const double med = fit(cand[i][k], chosen, err);
      if (med < best) best = med, m = cand[i][k];
    }
  for (int pass = 0; pass < 4; ++pass) {
    const double med = fit(m, chosen, err);
    std::vector<bool> use(count);
    for (size_t i = 0; i < count; ++i) use[i] = err[i] <= std::max(2 * med, 1e-6);
    m = mean_of(chosen, use, quaternion_of(m));
  }
  return m;
}

FscCurve fourier_shell_correlation(const std::vector<C>& a, const std::vector<C>& b, int64_t n, double voxel) {
  const int64_t shells = n / 2;
  std::vector<double> cross(shells, 0), na(shells, 0), nb(shells, 0);
  for (int64_t z = 0; z < n; ++z)
    for (int64_t y = 0; y < n; ++y)
      for (int64_t x = 0; x < n; ++x) {
        const double kz = signed_index(z, n), ky = signed_index(y, n), kx = signed_index(x, n);
        const int64_t shell = std::lround(std::sqrt(kx * kx + ky * ky + kz * kz));
        if (shell >= shells) continue;
        const int64_t i = (z * n + y) * n + x;
        cross[shell] += a[i].re * b[i].re + a[i].im * b[i].im;
        na[shell] += norm2(a[i]), nb[shell] += norm2(b[i]);
      }
  FscCurve out;
  for (int64_t s = 0; s < shells; ++s) {
    out.frequency.push_back(double(s) / (n * voxel));
    out.fsc.push_back(na[s] > 0 && nb[s] > 0 ? cross[s] / std::sqrt(na[s] * nb[s]) : 0.0);
  }
  auto crossing = [&](double threshold, bool& reached) {
    for (int64_t s = 1; s < shells; ++s)
      if (out.fsc[s] < threshold) {
        reached = true;
        const double f0 = out.fsc[s - 1], f1 = out.fsc[s];
        const double t = f0 > f1 ? (f0 - threshold) / (f0 - f1) : 0.0;
        const double q = out.frequency[s - 1] + t * (out.frequency[s] - out.frequency[s - 1]);
        return q > 0 ? 1 / q : 0.0;
      }
    reached = false;
    return 1 / out.frequency.back();
  };
  out.resolution_05 = crossing(0.5, out.reached_05);
  out.resolution_0143 = crossing(0.143, out.reached_0143);
  return out;
}

Comparison compare(const std::vector<double>& model, int64_t n, double voxel, const std::vector<Rotation>& found,
                   const std::vector<double>& truth, int64_t nt, double truth_voxel,
                   const std::vector<Rotation>& true_orientations) {
  const int64_t cells = n * n * n;
  if (n < 4 || static_cast<int64_t>(model.size()) != cells)
    throw InputError("spi compare: expected a model of n^3 values with n >= 4; found " + std::to_string(model.size()));
  if (nt < 2 || static_cast<int64_t>(truth.size()) != nt * nt * nt)
    throw InputError("spi compare: expected a truth density of nt^3 values; found " + std::to_string(truth.size()));
  if (!(voxel > 0) || !(truth_voxel > 0) || truth_voxel > voxel * (1 + 1e-9))
    throw InputError("spi compare: expected a truth grid as fine as the model's or finer; found voxels " +
                     std::to_string(truth_voxel) + " A (truth) and " + std::to_string(voxel) + " A (model)");
  for (double v : model)
    if (!std::isfinite(v)) throw InputError("spi compare: expected a finite model density; found NaN or infinity");
  Comparison out;
  if (!found.empty() || !true_orientations.empty()) {
    out.rotation = mean_relative_rotation(true_orientations, found);
    for (size_t i = 0; i < found.size(); ++i) {
      const Rotation expected = multiply(true_orientations[i], out.rotation);
      out.orientation_error.push_back(std::min(rotation_angle(found[i], expected),
                                               rotation_angle(found[i], multiply(kHalfTurnAboutBeam, expected))));
    }
    std::vector<double> e = out.orientation_error;
    std::nth_element(e.begin(), e.begin() + e.size() / 2, e.end());
    out.median_orientation_error = e[e.size() / 2];
  }
  FftwPlan<double> plan({int(n), int(n), int(n)}, 1);
  const double h3 = voxel * voxel * voxel;
  // Model spectrum in the transform's convention F(q) = h^3 sum rho(x) e^{+2 pi i q.x}, FFT order.
  std::vector<C> fm(cells);
  {
    const std::vector<double> shifted = detail::to_fft_order(model, n);
    for (int64_t i = 0; i < cells; ++i) fm[i] = {shifted[i], 0.0};
  }
  plan.forward(fm.data());
  for (auto& v : fm) v = {v.re * h3, -v.im * h3};
  // Truth at M q for every q of the model's reciprocal grid.
  std::vector<double> px(cells), py(cells), pz(cells);
  const Rotation& m = out.rotation;
  for (int64_t z = 0; z < n; ++z)
    for (int64_t y = 0; y < n; ++y)
      for (int64_t x = 0; x < n; ++x) {
        const double q[3] = {signed_index(x, n) / (n * voxel), signed_index(y, n) / (n * voxel), signed_index(z, n) / (n * voxel)};
        const int64_t i = (z * n + y) * n + x;
        px[i] = m[0] * q[0] + m[1] * q[1] + m[2] * q[2];
        py[i] = m[3] * q[0] + m[4] * q[1] + m[5] * q[2];
        pz[i] = m[6] * q[0] + m[7] * q[1] + m[8] * q[2];
      }
  GridTransform<double> transform(truth.data(), nt, truth_voxel, 1e-10);
  std::vector<C> ft(cells);
  transform.evaluate(cells, px.data(), py.data(), pz.data(), ft.data());

  // Hand and shift: the peak of sum_q F_m conj(F_t) e^{-2 pi i q.t} for F_t and for its conjugate.
  struct Peak {
    double value = -1e300;
    int64_t index = 0;
    std::vector<double> c;
  };
  auto peak_of = [&](bool invert) {
    std::vector<C> p(cells);
    for (int64_t i = 0; i < cells; ++i) {
      const C t = invert ? C{ft[i].re, -ft[i].im} : ft[i];
      p[i] = {fm[i].re * t.re + fm[i].im * t.im, fm[i].im * t.re - fm[i].re * t.im};
    }
    plan.forward(p.data());
    Peak pk;
    pk.c.resize(cells);
    for (int64_t i = 0; i < cells; ++i) {
      pk.c[i] = p[i].re;
      if (p[i].re > pk.value) pk.value = p[i].re, pk.index = i;
    }
    return pk;
  };
  Peak direct = peak_of(false), inverse = peak_of(true);
  out.inverted = inverse.value > direct.value;
  const Peak& pk = out.inverted ? inverse : direct;
  if (out.inverted)
    for (auto& v : ft) v.im = -v.im;
  const int64_t jz = pk.index / (n * n), jy = (pk.index / n) % n, jx = pk.index % n;
  double t[3] = {double(signed_index(jx, n)), double(signed_index(jy, n)), double(signed_index(jz, n))};
  // Below a voxel: Newton steps on c(t) = Re sum_k P_k e^{-2 pi i k.t / n} from the grid's peak,
  // with its exact gradient and Hessian (a parabola through the neighbours is biased by the
  // peak's shape; a quarter-voxel error costs FSC 0.7 at three quarters of Nyquist).
  std::vector<C> prod(cells);
  for (int64_t i = 0; i < cells; ++i) prod[i] = {fm[i].re * ft[i].re + fm[i].im * ft[i].im, fm[i].im * ft[i].re - fm[i].re * ft[i].im};
  const double w = 2 * std::numbers::pi / n;
  for (int step = 0; step < 8; ++step) {
    double g[3] = {0, 0, 0}, hess[3][3] = {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
    for (int64_t z = 0; z < n; ++z)
      for (int64_t y = 0; y < n; ++y)
        for (int64_t x = 0; x < n; ++x) {
          const double k[3] = {double(signed_index(x, n)), double(signed_index(y, n)), double(signed_index(z, n))};
          const double ph = -w * (k[0] * t[0] + k[1] * t[1] + k[2] * t[2]);
          const C e{std::cos(ph), std::sin(ph)};
          const C v = prod[(z * n + y) * n + x] * e;  // d/dt_a brings -i w k_a
          for (int a = 0; a < 3; ++a) {
            g[a] += w * k[a] * v.im;  // Re(-i w k_a v) = w k_a Im v
            for (int b = 0; b < 3; ++b) hess[a][b] -= w * w * k[a] * k[b] * v.re;
          }
        }
    // Solve H d = -g (3 x 3, Cramer); stop when the Hessian is not negative definite or d is tiny.
    auto det3 = [](double m[3][3]) {
      return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
             m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    };
    const double det = det3(hess);
    if (!(std::abs(det) > 0) || hess[0][0] >= 0) break;
    double d[3];
    for (int a = 0; a < 3; ++a) {
      double m2[3][3];
      for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c) m2[r][c] = c == a ? -g[r] : hess[r][c];
      d[a] = std::clamp(det3(m2) / det, -0.5, 0.5);
    }
    for (int a = 0; a < 3; ++a) t[a] += d[a];
    if (std::abs(d[0]) + std::abs(d[1]) + std::abs(d[2]) < 1e-6) break;
  }
  for (int a = 0; a < 3; ++a) out.shift[a] = t[a];
  for (int64_t z = 0; z < n; ++z)
    for (int64_t y = 0; y < n; ++y)
      for (int64_t x = 0; x < n; ++x) {
        const double phase = 2 * std::numbers::pi / n *
                             (signed_index(x, n) * out.shift[0] + signed_index(y, n) * out.shift[1] + signed_index(z, n) * out.shift[2]);
        C& v = ft[(z * n + y) * n + x];
        v = v * C{std::cos(phase), std::sin(phase)};
      }
  out.fsc = fourier_shell_correlation(fm, ft, n, voxel);
  // The aligned truth in real space: FFT(rho) = conj(F) / h^3.
  std::vector<C> r(cells);
  for (int64_t i = 0; i < cells; ++i) r[i] = {ft[i].re / h3, -ft[i].im / h3};
  plan.inverse(r.data());
  std::vector<double> real(cells);
  for (int64_t i = 0; i < cells; ++i) real[i] = r[i].re / double(cells);
  out.aligned_truth = detail::to_centred(real, n);
  return out;
}

}  // namespace phasis::spi
