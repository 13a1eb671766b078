// Mode orthogonalisation and initial modes (see modes.hpp).
#include "phasis/ptycho/modes.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "phasis/core/error.hpp"

namespace phasis {

namespace {

/// Cyclic Jacobi on a real symmetric n x n matrix: eigenvalues on the diagonal, vectors in v.
void jacobi_symmetric(std::vector<double>& a, int n, std::vector<double>& v) {
  v.assign(size_t(n) * n, 0.0);
  for (int i = 0; i < n; ++i) v[i * n + i] = 1;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0, total = 0;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) (i == j ? total : off) += a[i * n + j] * a[i * n + j];
    if (off <= 1e-30 * (total + off) || off == 0) return;
    for (int p = 0; p < n; ++p)
      for (int q = p + 1; q < n; ++q) {
        const double apq = a[p * n + q];
        if (std::abs(apq) < 1e-300) continue;
        const double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const double t = (theta >= 0 ? 1 : -1) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int r = 0; r < n; ++r) {  // columns p, q
          const double arp = a[r * n + p], arq = a[r * n + q];
          a[r * n + p] = c * arp - s * arq;
          a[r * n + q] = s * arp + c * arq;
        }
        for (int r = 0; r < n; ++r) {  // rows p, q
          const double apr = a[p * n + r], aqr = a[q * n + r];
          a[p * n + r] = c * apr - s * aqr;
          a[q * n + r] = s * apr + c * aqr;
        }
        for (int r = 0; r < n; ++r) {
          const double vrp = v[r * n + p], vrq = v[r * n + q];
          v[r * n + p] = c * vrp - s * vrq;
          v[r * n + q] = s * vrp + c * vrq;
        }
      }
  }
}

}  // namespace

void hermitian_eigen(const std::vector<Complex<double>>& a, int n, std::vector<double>& values,
                     std::vector<Complex<double>>& vectors) {
  // The real embedding [[Re A, -Im A], [Im A, Re A]] has each eigenvalue of A twice, with vectors
  // (x, y) and (-y, x) for the complex eigenvector x + i y. Pick n of them, largest first, keeping
  // those not already spanned (complex Gram-Schmidt).
  const int n2 = 2 * n;
  std::vector<double> e(size_t(n2) * n2), v;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      const Complex<double> z = a[i * n + j];
      e[i * n2 + j] = z.re, e[i * n2 + j + n] = -z.im;
      e[(i + n) * n2 + j] = z.im, e[(i + n) * n2 + j + n] = z.re;
    }
  jacobi_symmetric(e, n2, v);
  std::vector<int> order(n2);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int x, int y) { return e[x * n2 + x] > e[y * n2 + y]; });
  values.clear();
  std::vector<std::vector<Complex<double>>> chosen;
  for (int idx : order) {
    if (int(chosen.size()) == n) break;
    std::vector<Complex<double>> u(n);
    for (int i = 0; i < n; ++i) u[i] = {v[i * n2 + idx], v[(i + n) * n2 + idx]};
    for (const auto& c : chosen) {
      Complex<double> dot{};
      for (int i = 0; i < n; ++i) dot += conj_mul(c[i], u[i]);
      for (int i = 0; i < n; ++i) u[i] -= dot * c[i];
    }
    double norm = 0;
    for (const auto& z : u) norm += norm2(z);
    if (norm < 0.5) continue;  // the twin of a vector already taken
    norm = std::sqrt(norm);
    // An eigenvector's phase is arbitrary, and the embedding leaves it to rounding: fix it by making
    // the largest component real and positive, so that runs on different backends give the same modes.
    int top = 0;
    for (int i = 1; i < n; ++i)
      if (norm2(u[i]) > norm2(u[top]) * (1 + 1e-9)) top = i;
    const Complex<double> phase = conj(u[top]) * (1 / (abs(u[top]) * norm));
    for (auto& z : u) z = z * phase;
    chosen.push_back(u);
    values.push_back(e[idx * n2 + idx]);
  }
  if (int(chosen.size()) != n) throw InternalError("hermitian_eigen: could not separate the eigenvectors");
  vectors.assign(size_t(n) * n, {});
  for (int c = 0; c < n; ++c)
    for (int i = 0; i < n; ++i) vectors[i * n + c] = chosen[c][i];
}

void orthogonalising_mix(const std::vector<Complex<double>>& overlap, int k, std::vector<Complex<double>>& coeff,
                         std::vector<double>& occupancy) {
  std::vector<double> values;
  std::vector<Complex<double>> vectors;
  hermitian_eigen(overlap, k, values, vectors);
  // With S_bd = <P_b, P_d> = V L V^H, the modes Q_a = sum_b V_ba P_b have
  // <Q_a, Q_c> = sum_bd conj(V_ba) S_bd V_dc = (V^H S V)_ac = lambda_a delta_ac.
  coeff.assign(size_t(k) * k, {});
  for (int a = 0; a < k; ++a)
    for (int b = 0; b < k; ++b) coeff[a * k + b] = vectors[b * k + a];
  const double total = std::accumulate(values.begin(), values.end(), 0.0);
  occupancy.resize(k);
  for (int a = 0; a < k; ++a) occupancy[a] = total > 0 ? std::max(values[a], 0.0) / total : 0.0;
}

Array<Complex<float>> initial_probe_modes(const Array<Complex<float>>& probe, int64_t k, double fraction) {
  const int64_t m = probe.shape()[0], pix = m * m;
  if (k < 1) throw InputError("probe modes: expected at least 1; found " + std::to_string(k));
  if (!(fraction * (k - 1) < 0.9)) throw InputError("probe modes: too many modes for the initial power split");
  double power = 0, cy = 0, cx = 0;
  for (int64_t p = 0; p < pix; ++p) {
    const double v = norm2(probe[p]);
    power += v, cy += v * (p / m), cx += v * (p % m);
  }
  cy /= power, cx /= power;
  double sy = 0, sx = 0;
  for (int64_t p = 0; p < pix; ++p) {
    const double v = norm2(probe[p]);
    sy += v * (p / m - cy) * (p / m - cy), sx += v * (p % m - cx) * (p % m - cx);
  }
  const double width = std::sqrt((sy + sx) / (2 * power)) + 1e-9;
  Array<Complex<float>> modes(Shape{k, m, m});
  for (int64_t p = 0; p < pix; ++p) modes[p] = probe[p] * float(std::sqrt(1 - fraction * (k - 1)));
  for (int64_t a = 1; a < k; ++a) {
    // Low-order functions of position, in the order a Hermite-Gauss expansion would bring them.
    double s = 0;
    for (int64_t p = 0; p < pix; ++p) {
      const double y = (p / m - cy) / width, x = (p % m - cx) / width;
      const double f[] = {x, y, x * y, x * x - y * y, x * x + y * y - 2, x * (x * x - 3), y * (y * y - 3),
                          x * y * (x * x - y * y), x * x * y, y * y * x};
      const double h = f[(a - 1) % 10] * (1 + 0.1 * ((a - 1) / 10));
      modes[a * pix + p] = probe[p] * float(h);
      s += norm2(modes[a * pix + p]);
    }
    const float scale = float(std::sqrt(fraction * power / s));
    for (int64_t p = 0; p < pix; ++p) modes[a * pix + p] *= scale;
  }
  return modes;
}

}  // namespace phasis
