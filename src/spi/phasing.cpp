#include "phasis/spi/phasing.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <numbers>
#include <random>
#include <string>

#include "phasis/core/complex.hpp"
#include "phasis/core/error.hpp"
#include "phasis/fft/fft.hpp"
#include "grid_layout.hpp"
#include "phasing_engine.hpp"

namespace phasis::spi {

namespace {
using C = Complex<double>;

using detail::to_centred;
using detail::to_fft_order;

// Integer shift that puts the density's circular centre of mass on the origin (FFT order), from the
// phase of its first Fourier coefficient along each axis (robust to wrap-around).
void recentre(std::vector<double>& rho, std::vector<uint8_t>& support, int64_t n) {
  double ang[3] = {0, 0, 0};
  for (int axis = 0; axis < 3; ++axis) {
    double re = 0, im = 0;
    for (int64_t z = 0; z < n; ++z)
      for (int64_t y = 0; y < n; ++y)
        for (int64_t x = 0; x < n; ++x) {
          const int64_t c = axis == 0 ? x : axis == 1 ? y : z;
          const double v = rho[(z * n + y) * n + x], t = 2 * std::numbers::pi * c / n;
          re += v * std::cos(t), im += v * std::sin(t);
        }
    ang[axis] = std::atan2(im, re);
  }
  int64_t shift[3];
  for (int a = 0; a < 3; ++a) shift[a] = static_cast<int64_t>(std::lround(ang[a] * n / (2 * std::numbers::pi)));
  std::vector<double> r2(rho.size());
  std::vector<uint8_t> s2(support.size());
  auto m = [n](int64_t v) { return ((v % n) + n) % n; };
  for (int64_t z = 0; z < n; ++z)
    for (int64_t y = 0; y < n; ++y)
      for (int64_t x = 0; x < n; ++x) {
        const int64_t from = (z * n + y) * n + x;
        const int64_t to = (m(z - shift[2]) * n + m(y - shift[1])) * n + m(x - shift[0]);
        r2[to] = rho[from], s2[to] = support[from];
      }
  rho.swap(r2), support.swap(s2);
}

// The CPU's steps: FFTW and OpenMP loops over the grid.
class CpuPhasing final : public detail::PhasingEngine {
 public:
  explicit CpuPhasing(int64_t n) : n_(n), cells_(n * n * n), plan_({int(n), int(n), int(n)}, 1), f_(cells_), proj_(cells_) {}
  void load(const std::vector<double>& amp, const std::vector<uint8_t>& measured, const std::vector<double>& blur,
            const std::vector<double>& rho, const std::vector<uint8_t>& support) override {
    amp_ = amp, measured_ = measured, blur_ = blur, rho_ = rho, support_ = support;
  }
  double modulus(bool) override {
    const int64_t cells = cells_;
    for (int64_t i = 0; i < cells; ++i) f_[i] = {rho_[i], 0.0};
    plan_.forward(f_.data());
    double e2 = 0;
#pragma omp parallel for reduction(+ : e2) schedule(static)
    for (int64_t i = 0; i < cells; ++i) {
      if (!measured_[i]) continue;
      const double m = std::sqrt(norm2(f_[i]));
      e2 += (m - amp_[i]) * (m - amp_[i]);
      f_[i] = m > 0 ? f_[i] * (amp_[i] / m) : C{amp_[i], 0.0};
    }
    plan_.inverse(f_.data());
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < cells; ++i) proj_[i] = f_[i].re / double(cells);
    return e2;
  }
  void hio(double beta) override {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < cells_; ++i) rho_[i] = support_[i] && proj_[i] >= 0 ? proj_[i] : rho_[i] - beta * proj_[i];
  }
  void er() override {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < cells_; ++i) rho_[i] = support_[i] ? std::max(proj_[i], 0.0) : 0.0;
  }
  void shrinkwrap(double threshold) override {
    for (int64_t i = 0; i < cells_; ++i) f_[i] = {rho_[i], 0.0};
    plan_.forward(f_.data());
    for (int64_t i = 0; i < cells_; ++i) f_[i] = f_[i] * blur_[i];
    plan_.inverse(f_.data());
    double bmax = 0;
    for (int64_t i = 0; i < cells_; ++i) bmax = std::max(bmax, f_[i].re);
    if (bmax > 0)
      for (int64_t i = 0; i < cells_; ++i) support_[i] = f_[i].re > threshold * bmax;
  }
  void store(std::vector<double>& rho, std::vector<uint8_t>& support) override { rho = rho_, support = support_; }

 private:
  int64_t n_, cells_;
  FftwPlan<double> plan_;
  std::vector<C> f_;
  std::vector<double> amp_, blur_, rho_, proj_;
  std::vector<uint8_t> measured_, support_;
};
}  // namespace

namespace detail {
std::unique_ptr<PhasingEngine> make_cpu_phasing(int64_t n) { return std::make_unique<CpuPhasing>(n); }
}  // namespace detail

std::vector<double> fourier_amplitudes(const std::vector<double>& density, int64_t n) {
  const std::vector<double> r = to_fft_order(density, n);
  std::vector<C> f(r.size());
  for (size_t i = 0; i < r.size(); ++i) f[i] = {r[i], 0.0};
  FftwPlan<double>({int(n), int(n), int(n)}, 1).forward(f.data());
  std::vector<double> a(r.size());
  for (size_t i = 0; i < a.size(); ++i) a[i] = std::sqrt(norm2(f[i]));
  return a;
}

std::vector<double> autocorrelation_of(const std::vector<double>& density, int64_t n, double voxel) {
  const int64_t cells = n * n * n;
  if (static_cast<int64_t>(density.size()) != cells)
    throw InputError("spi autocorrelation: expected " + std::to_string(cells) + " values; found " +
                     std::to_string(density.size()));
  const std::vector<double> r = to_fft_order(density, n);
  std::vector<C> f(cells);
  for (int64_t i = 0; i < cells; ++i) f[i] = {r[i], 0.0};
  FftwPlan<double> plan({int(n), int(n), int(n)}, 1);
  plan.forward(f.data());
  for (auto& v : f) v = {norm2(v), 0.0};
  plan.inverse(f.data());
  const double scale = voxel * voxel * voxel / double(cells);
  std::vector<double> a(cells);
  for (int64_t i = 0; i < cells; ++i) a[i] = f[i].re * scale;
  return to_centred(a, n);
}

PhasingResult phase(const std::vector<double>& autocorrelation, int64_t n, double voxel,
                    const PhasingSettings& s, const PhasingResult* start) {
  const int64_t cells = n * n * n;
  if (static_cast<int64_t>(autocorrelation.size()) != cells)
    throw InputError("spi phasing: expected an autocorrelation of " + std::to_string(cells) + " values; found " +
                     std::to_string(autocorrelation.size()));
  if (s.cycles < 1 || s.hio_iterations < 0 || s.er_iterations < 1 || !(s.beta > 0 && s.beta <= 1) ||
      !(s.threshold > 0 && s.threshold < 1) || !(s.sigma > 0))
    throw InputError("spi phasing: expected cycles >= 1, er_iterations >= 1, 0 < beta <= 1, sigma > 0 and "
                     "0 < threshold < 1");
  FftwPlan<double> plan({int(n), int(n), int(n)}, 1);
  // Target amplitudes from the merged autocorrelation (real: it is centrosymmetric).
  const std::vector<double> a = to_fft_order(autocorrelation, n);
  std::vector<C> f(cells);
  for (int64_t i = 0; i < cells; ++i) f[i] = {a[i], 0.0};
  plan.forward(f.data());
  const double h3 = voxel * voxel * voxel;
  std::vector<double> amp(cells);
  double amp_norm = 0;
  for (int64_t i = 0; i < cells; ++i) {
    amp[i] = std::sqrt(std::max(f[i].re, 0.0) / h3);
    amp_norm += amp[i] * amp[i];
  }
  amp_norm = std::sqrt(amp_norm);
  if (!(amp_norm > 0)) throw InputError("spi phasing: expected an autocorrelation with positive intensities; found none");

  std::vector<double> rho(cells, 0.0);
  std::vector<uint8_t> support(cells, 0);
  if (start) {
    rho = to_fft_order(start->density, n);
    support = to_fft_order(start->support, n);
  } else {
    const double amax = *std::max_element(a.begin(), a.end());
    std::mt19937_64 rng(s.seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (int64_t i = 0; i < cells; ++i) {
      support[i] = a[i] > s.initial_threshold * amax;
      rho[i] = support[i] ? u(rng) : 0.0;
    }
  }
  // Gaussian blur in Fourier space for shrink-wrap: exp(-2 pi^2 sigma^2 q^2), q in cycles/voxel.
  std::vector<double> blur(cells);
  for (int64_t z = 0; z < n; ++z)
    for (int64_t y = 0; y < n; ++y)
      for (int64_t x = 0; x < n; ++x) {
        auto q = [n](int64_t i) { return double(i < (n + 1) / 2 ? i : i - n) / double(n); };
        const double q2 = q(x) * q(x) + q(y) * q(y) + q(z) * q(z);
        blur[(z * n + y) * n + x] = std::exp(-2 * std::numbers::pi * std::numbers::pi * s.sigma * s.sigma * q2) / double(cells);
      }

  // Which coefficients carry data (FFT order; q in cycles / A = index / (n h)).
  std::vector<uint8_t> measured(cells, 1);
  if (s.max_frequency > 0) {
    const double q2max = std::pow(s.max_frequency * n * voxel, 2);
    for (int64_t z = 0; z < n; ++z)
      for (int64_t y = 0; y < n; ++y)
        for (int64_t x = 0; x < n; ++x) {
          auto k = [n](int64_t i) { return double(i < (n + 1) / 2 ? i : i - n); };
          measured[(z * n + y) * n + x] = k(x) * k(x) + k(y) * k(y) + k(z) * k(z) <= q2max;
        }
  }
  amp_norm = 0;
  for (int64_t i = 0; i < cells; ++i)
    if (measured[i]) amp_norm += amp[i] * amp[i];
  amp_norm = std::sqrt(amp_norm);
  auto engine = s.device.is_cuda() ? detail::make_cuda_phasing(s.device.index, n) : detail::make_cpu_phasing(n);
  engine->load(amp, measured, blur, rho, support);
  PhasingResult out;
  for (int cycle = 0; cycle < s.cycles; ++cycle) {
    for (int it = 0; it < s.hio_iterations; ++it) {
      engine->modulus(false);
      engine->hio(s.beta);
    }
    double e2 = 0;
    for (int it = 0; it < s.er_iterations; ++it) {
      e2 = engine->modulus(it + 1 == s.er_iterations);  // the error of the cycle's last ER
      engine->er();
    }
    out.error.push_back(std::sqrt(e2) / amp_norm);
    engine->shrinkwrap(s.threshold);  // from the ER density
  }
  engine->store(rho, support);
  recentre(rho, support, n);
  out.density = to_centred(rho, n);
  out.support = to_centred(support, n);
  return out;
}

}  // namespace phasis::spi
