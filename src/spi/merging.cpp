#include "phasis/spi/merging.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "phasis/comm/communicator.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/core/error.hpp"
#include "phasis/fft/fft.hpp"
#include "phasis/nufft/nufft.hpp"
#include "block_cg.hpp"
#include "friedel.hpp"
#include "toeplitz_cuda.hpp"

namespace phasis::spi {

namespace {
// Index of offset d (any integer in (-period, period)) on a circular grid of `period`.
inline int64_t wrap(int64_t d, int64_t period) { return d < 0 ? d + period : d; }

double dot(const double* a, const double* b, int64_t n) {
  double s = 0;
#pragma omp parallel for reduction(+ : s) schedule(static)
  for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}
}  // namespace

MergeSums::MergeSums(int64_t n_, double voxel_)
    : n(n_), voxel(voxel_), kernel(static_cast<size_t>(8 * n_ * n_ * n_)), rhs(static_cast<size_t>(n_ * n_ * n_)) {}

void MergeSums::add(const MergeSums& o) {
  if (o.n != n || o.voxel != voxel)
    throw InputError("spi merge: expected sums on the same grid; found n " + std::to_string(o.n) + " against " +
                     std::to_string(n));
  for (size_t i = 0; i < kernel.size(); ++i) kernel[i] += o.kernel[i];
  for (size_t i = 0; i < rhs.size(); ++i) rhs[i] += o.rhs[i];
  data_norm2 += o.data_norm2;
  points += o.points;
}

namespace {
nufft::Options merge_options() {
  nufft::Options o;
  o.fft_order = true;  // modes in circular order: the kernel is ready for the FFT convolution
  return o;
}

// One batch's type-1 transform of the strengths 1 + i v_j in precision T (friedel.hpp: both sums
// from one transform), added into the double sums.
template <class T>
struct MergePlan {
  nufft::Plan<T> plan;
  std::vector<T> x, y, z;
  std::vector<Complex<T>> c, f;
  MergePlan(int64_t n, double tol) : plan(nufft::Type::type1, {2 * n, 2 * n, 2 * n}, -1, tol, 1, merge_options()) {}

  // weights: each point's number of pixels (null: one each); norm2 < 0: sum values^2 here.
  void add(MergeSums& s, int64_t m, const double* sx, const double* sy, const double* sz, const float* weights,
           const float* values, double norm2, double pixels) {
    const int64_t n = s.n, n2 = 2 * n, cells2 = n2 * n2 * n2;
    const double scale = 2 * std::numbers::pi * s.voxel, h3 = s.voxel * s.voxel * s.voxel;
    x.resize(m), y.resize(m), z.resize(m);
    c.resize(static_cast<size_t>(m));
    const bool own_norm = norm2 < 0;
    if (own_norm) norm2 = 0;
    for (int64_t j = 0; j < m; ++j) {
      x[j] = T(scale * sx[j]), y[j] = T(scale * sy[j]), z[j] = T(scale * sz[j]);
      c[j] = {T(weights ? weights[j] : 1.0f), T(values[j])};
      if (own_norm) norm2 += double(values[j]) * values[j];
    }
    plan.set_points(m, x.data(), y.data(), z.data());
    f.resize(static_cast<size_t>(cells2));
    plan.execute(c.data(), f.data());
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < cells2; ++i) {
      const int64_t j = detail::friedel_partner(i, n2);
      if (j >= 0) s.kernel[i] += h3 * h3 * 0.5 * (double(f[i].re) + double(f[j].re));
    }
    for (int64_t kz = 0; kz < n; ++kz)
      for (int64_t ky = 0; ky < n; ++ky)
        for (int64_t kx = 0; kx < n; ++kx) {
          const int64_t iz = wrap(kz - n / 2, n2), iy = wrap(ky - n / 2, n2), ix = wrap(kx - n / 2, n2);
          const int64_t i = (iz * n2 + iy) * n2 + ix, j = detail::friedel_partner(i, n2);
          s.rhs[(kz * n + ky) * n + kx] += h3 * 0.5 * (double(f[i].im) + double(f[j].im));
        }
    s.data_norm2 += norm2;
    s.points += pixels;
  }
};
}  // namespace

struct MergeAccumulator::Impl {
  MergeSums sums;
  std::unique_ptr<MergePlan<float>> single;  // one of the two, by the tolerance
  std::unique_ptr<MergePlan<double>> twice;
  Impl(int64_t n, double voxel, double tol) : sums(n, voxel) {
    if (tol >= 1e-5)
      single = std::make_unique<MergePlan<float>>(n, tol);
    else
      twice = std::make_unique<MergePlan<double>>(n, tol);
  }
};

MergeAccumulator::MergeAccumulator(int64_t n, double voxel, double tolerance) {
  if (n < 2 || !(voxel > 0))
    throw InputError("spi merge: expected a grid of n >= 2 and a positive voxel; found n " + std::to_string(n));
  impl_ = std::make_unique<Impl>(n, voxel, tolerance);
}
MergeAccumulator::~MergeAccumulator() = default;
MergeAccumulator::MergeAccumulator(MergeAccumulator&&) noexcept = default;
MergeAccumulator& MergeAccumulator::operator=(MergeAccumulator&&) noexcept = default;
const MergeSums& MergeAccumulator::sums() const { return impl_->sums; }

void MergeAccumulator::add(int64_t m, const double* sx, const double* sy, const double* sz, const float* values) {
  if (m <= 0) return;
  if (impl_->single)
    impl_->single->add(impl_->sums, m, sx, sy, sz, nullptr, values, -1, double(m));
  else
    impl_->twice->add(impl_->sums, m, sx, sy, sz, nullptr, values, -1, double(m));
}

void MergeAccumulator::add_grouped(int64_t m, const double* sx, const double* sy, const double* sz,
                                   const float* weights, const float* values, double data_norm2, double pixels) {
  if (m <= 0) return;
  if (impl_->single)
    impl_->single->add(impl_->sums, m, sx, sy, sz, weights, values, data_norm2, pixels);
  else
    impl_->twice->add(impl_->sums, m, sx, sy, sz, weights, values, data_norm2, pixels);
}

struct ToeplitzOperator::Impl {
  int64_t n, batch;
  std::vector<Complex<double>> spectrum;         // FFT of the circular kernel, with 1/cells2
  std::unique_ptr<FftwPlan<double>> plan;        // CPU
  std::unique_ptr<detail::CudaToeplitz> gpu;     // or a GPU
  mutable std::vector<Complex<double>> work;
};

ToeplitzOperator::ToeplitzOperator(const MergeSums& sums, int64_t batch, Device device) {
  if (batch < 1) throw InputError("spi merge: expected a batch >= 1");
  impl_ = std::make_unique<Impl>();
  Impl& p = *impl_;
  p.n = sums.n, p.batch = batch;
  const int64_t n2 = 2 * sums.n, cells2 = n2 * n2 * n2;
  p.spectrum.resize(cells2);
  for (int64_t i = 0; i < cells2; ++i) p.spectrum[i] = {sums.kernel[i] / double(cells2), 0.0};
  FftwPlan<double> one({int(n2), int(n2), int(n2)}, 1);
  one.forward(p.spectrum.data());  // the 1/cells2 of the inverse transform is folded in here
  if (device.is_cuda()) {
    p.gpu = std::make_unique<detail::CudaToeplitz>(device.index, sums.n, batch, p.spectrum);
  } else {
    p.plan = std::make_unique<FftwPlan<double>>(std::vector<int>{int(n2), int(n2), int(n2)}, batch);
    p.work.resize(static_cast<size_t>(batch * cells2));
  }
}
ToeplitzOperator::~ToeplitzOperator() = default;
ToeplitzOperator::ToeplitzOperator(ToeplitzOperator&&) noexcept = default;
int64_t ToeplitzOperator::n() const { return impl_->n; }
int64_t ToeplitzOperator::batch() const { return impl_->batch; }

void ToeplitzOperator::apply(const double* x, double* y) const {
  const Impl& p = *impl_;
  if (p.gpu) {
    p.gpu->apply(x, y);
    return;
  }
  const int64_t n = p.n, n2 = 2 * n, cells = n * n * n, cells2 = n2 * n2 * n2;
  std::fill(p.work.begin(), p.work.end(), Complex<double>{0, 0});
  auto index = [&](int64_t kz, int64_t ky, int64_t kx) {
    return (wrap(kz - n / 2, n2) * n2 + wrap(ky - n / 2, n2)) * n2 + wrap(kx - n / 2, n2);
  };
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t b = 0; b < p.batch; ++b)
    for (int64_t kz = 0; kz < n; ++kz)
      for (int64_t ky = 0; ky < n; ++ky)
        for (int64_t kx = 0; kx < n; ++kx)
          p.work[b * cells2 + index(kz, ky, kx)] = {x[b * cells + (kz * n + ky) * n + kx], 0.0};
  p.plan->forward(p.work.data());
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < p.batch * cells2; ++i) p.work[i] = p.work[i] * p.spectrum[i % cells2];
  p.plan->inverse(p.work.data());
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t b = 0; b < p.batch; ++b)
    for (int64_t kz = 0; kz < n; ++kz)
      for (int64_t ky = 0; ky < n; ++ky)
        for (int64_t kx = 0; kx < n; ++kx)
          y[b * cells + (kz * n + ky) * n + kx] = p.work[b * cells2 + index(kz, ky, kx)].re;
}

int lcurve_corner(const std::vector<double>& misfit, const std::vector<double>& deviation) {
  const int k = static_cast<int>(misfit.size());
  if (k < 3) return k / 2;
  std::vector<double> u(k), v(k);
  for (int i = 0; i < k; ++i) u[i] = std::log(std::max(misfit[i], 1e-300)), v[i] = std::log(std::max(deviation[i], 1e-300));
  // Curvature of the polyline through three consecutive points (Menger curvature: 4 area / product
  // of the sides), signed so that the corner of an "L" (deviation falling, misfit rising) is positive.
  int best = k / 2;
  double best_curvature = -1;
  for (int i = 1; i + 1 < k; ++i) {
    const double ax = u[i] - u[i - 1], ay = v[i] - v[i - 1], bx = u[i + 1] - u[i], by = v[i + 1] - v[i];
    const double cross = ax * by - ay * bx;
    const double sides = std::hypot(ax, ay) * std::hypot(bx, by) * std::hypot(ax + bx, ay + by);
    if (sides <= 0) continue;
    const double curvature = 2 * cross / sides;
    if (curvature > best_curvature) best_curvature = curvature, best = i;
  }
  return best;
}

namespace detail {
struct ToeplitzAccess {
  static const CudaToeplitz* gpu(const ToeplitzOperator& op) { return op.impl_->gpu.get(); }
};
}  // namespace detail

namespace {
// block_cg's vectors on the host (block_cg.hpp says what each step does).
struct CpuCgVectors {
  const ToeplitzOperator& op;
  const std::vector<uint8_t>& support;
  std::vector<double>&x, &r, &p, &q;

  int64_t cells() const { return int64_t(support.size()); }
  void apply() { op.apply(p.data(), q.data()); }
  void regularise(const std::vector<double>& lambda, const std::vector<char>& active) {
    const int64_t n = cells();
    for (size_t l = 0; l < lambda.size(); ++l) {
      if (!active[l]) continue;
      double* ql = q.data() + l * n;
      const double* pl = p.data() + l * n;
      const double lam = lambda[l];
#pragma omp parallel for schedule(static)
      for (int64_t i = 0; i < n; ++i) ql[i] = support[i] ? ql[i] + lam * pl[i] : 0.0;
    }
  }
  std::vector<double> dots_of(const std::vector<double>& a, const std::vector<double>& b, const std::vector<char>& active) {
    std::vector<double> out(active.size(), 0.0);
    for (size_t l = 0; l < active.size(); ++l)
      if (active[l]) out[l] = dot(a.data() + l * cells(), b.data() + l * cells(), cells());
    return out;
  }
  std::vector<double> dots_pq(const std::vector<char>& active) { return dots_of(p, q, active); }
  std::vector<double> dots_rr(const std::vector<char>& active) { return dots_of(r, r, active); }
  void step(const std::vector<double>& alpha, const std::vector<char>& active) {
    const int64_t n = cells();
    for (size_t l = 0; l < active.size(); ++l) {
      if (!active[l]) continue;
      double *xl = x.data() + l * n, *rl = r.data() + l * n;
      const double *pl = p.data() + l * n, *ql = q.data() + l * n, a = alpha[l];
#pragma omp parallel for schedule(static)
      for (int64_t i = 0; i < n; ++i) xl[i] += a * pl[i], rl[i] -= a * ql[i];
    }
  }
  void turn(const std::vector<double>& beta, const std::vector<char>& active) {
    const int64_t n = cells();
    for (size_t l = 0; l < active.size(); ++l) {
      if (!active[l]) continue;
      double* pl = p.data() + l * n;
      const double *rl = r.data() + l * n, b = beta[l];
#pragma omp parallel for schedule(static)
      for (int64_t i = 0; i < n; ++i) pl[i] = rl[i] + b * pl[i];
    }
  }
};
}  // namespace

namespace {
struct LambdaSolutions {
  std::vector<double> x;  // one n^3 solution per lambda
  std::vector<double> misfit, deviation, residual;
  std::vector<int> iterations;
};

// Block CG: the independent systems (S T S + lambda_l) x = S (b + lambda_l prior), sharing each FFT,
// and each solution's L-curve coordinates.
LambdaSolutions solve_lambdas(const MergeSums& sums, const std::vector<double>& prior, const std::vector<uint8_t>& support,
                              const std::vector<double>& lambda, const MergeSettings& settings) {
  const int64_t n = sums.n, cells = n * n * n, L = int64_t(lambda.size());
  ToeplitzOperator op(sums, L, settings.device);
  std::vector<double> x(L * cells), r(L * cells), p(L * cells), q(L * cells);
  std::vector<double> rr(L), target_norm(L);
  for (int64_t l = 0; l < L; ++l)
    for (int64_t i = 0; i < cells; ++i) x[l * cells + i] = support[i] ? prior[i] : 0.0;
  op.apply(x.data(), q.data());
  for (int64_t l = 0; l < L; ++l) {
    double t2 = 0;
    for (int64_t i = 0; i < cells; ++i) {
      const int64_t j = l * cells + i;
      const double target = support[i] ? sums.rhs[i] + lambda[l] * prior[i] : 0.0;
      t2 += target * target;
      r[j] = support[i] ? target - q[j] - lambda[l] * x[j] : 0.0;
    }
    target_norm[l] = std::sqrt(t2);
    rr[l] = dot(r.data() + l * cells, r.data() + l * cells, cells);
  }
  LambdaSolutions out;
  out.iterations.assign(L, 0);
  if (const detail::CudaToeplitz* gpu = detail::ToeplitzAccess::gpu(op)) {
    detail::block_cg_cuda(*gpu, support, lambda, target_norm, x, r, rr, out.iterations, settings.max_iterations,
                          settings.tolerance);
  } else {
    p = r;
    CpuCgVectors v{op, support, x, r, p, q};
    detail::block_cg(v, lambda, target_norm, rr, out.iterations, settings.max_iterations, settings.tolerance);
  }
  // The L-curve's coordinates: ||A a - d||^2 = a.T a - 2 a.b + ||d||^2, with T a by one more apply.
  op.apply(x.data(), q.data());
  for (int64_t l = 0; l < L; ++l) {
    const double* xl = x.data() + l * cells;
    const double m2 = dot(xl, q.data() + l * cells, cells) - 2 * dot(xl, sums.rhs.data(), cells) + sums.data_norm2;
    out.misfit.push_back(std::sqrt(std::max(m2, 0.0)));
    double d2 = 0;
    for (int64_t i = 0; i < cells; ++i) d2 += (xl[i] - prior[i]) * (xl[i] - prior[i]);
    out.deviation.push_back(std::sqrt(d2));
    out.residual.push_back(target_norm[l] > 0 ? std::sqrt(rr[l]) / target_norm[l] : 0.0);
  }
  out.x = std::move(x);
  return out;
}
}  // namespace

MergeSolution merge(const MergeSums& sums, const std::vector<double>& prior_in, const MergeSettings& settings,
                    comm::Communicator* comm) {
  const int64_t n = sums.n, cells = n * n * n;
  if (sums.points <= 0) throw InputError("spi merge: expected at least one oriented pixel; found none");
  if (!prior_in.empty() && static_cast<int64_t>(prior_in.size()) != cells)
    throw InputError("spi merge: expected a prior of " + std::to_string(cells) + " values; found " +
                     std::to_string(prior_in.size()));
  std::vector<double> factors = settings.lambdas;
  if (factors.empty()) factors = {1e-4, 1e-3, 1e-2, 1e-1, 1};
  for (double f : factors)
    if (!(f > 0) || !std::isfinite(f)) throw InputError("spi merge: expected positive finite lambdas");
  std::sort(factors.begin(), factors.end());
  const int64_t L = static_cast<int64_t>(factors.size());
  const double scale = sums.kernel[0];  // T[0] = h^6 * points: the mean eigenvalue of A^H A
  std::vector<double> lambda(L);
  for (int64_t l = 0; l < L; ++l) lambda[l] = factors[l] * scale;

  std::vector<uint8_t> support(cells, 1);
  if (settings.support_radius > 0) {
    const double r2 = settings.support_radius * settings.support_radius;
    for (int64_t kz = 0; kz < n; ++kz)
      for (int64_t ky = 0; ky < n; ++ky)
        for (int64_t kx = 0; kx < n; ++kx) {
          const double dz = kz - n / 2, dy = ky - n / 2, dx = kx - n / 2;
          support[(kz * n + ky) * n + kx] = dx * dx + dy * dy + dz * dz <= r2;
        }
  }
  const std::vector<double> prior = prior_in.empty() ? std::vector<double>(cells, 0.0) : prior_in;
  // The lambda sweep over the parts: part r solves the weights l = r, r + parts, ...; every system
  // is independent of the others, so the split changes nothing but the FFT batch.
  const int parts = comm ? comm->size() : 1, rank = comm ? comm->rank() : 0;
  std::vector<double> mine;
  for (int64_t l = rank; l < L; l += parts) mine.push_back(lambda[l]);
  std::vector<double> misfit(L, 0.0), deviation(L, 0.0), residual(L, 0.0), its(L, 0.0);
  std::vector<double> x;
  if (!mine.empty()) {
    const LambdaSolutions solved = solve_lambdas(sums, prior, support, mine, settings);
    x = solved.x;
    for (size_t k = 0; k < mine.size(); ++k) {
      const size_t l = size_t(rank) + k * size_t(parts);
      misfit[l] = solved.misfit[k], deviation[l] = solved.deviation[k], residual[l] = solved.residual[k];
      its[l] = solved.iterations[k];
    }
  }
  if (parts > 1) {  // each entry has one owner: the sums are its values
    for (auto* v : {&misfit, &deviation, &residual, &its}) comm->sum(v->data(), L, Memory::host);
  }
  MergeSolution out;
  out.lambdas = lambda;
  out.misfit = misfit, out.deviation = deviation, out.residual = residual;
  for (double v : its) out.iterations.push_back(int(v));
  out.chosen = lcurve_corner(out.misfit, out.deviation);
  const int owner = out.chosen % parts;
  out.autocorrelation.assign(static_cast<size_t>(cells), 0.0);
  if (rank == owner) {
    const size_t k = size_t(out.chosen / parts);
    std::copy(x.begin() + k * cells, x.begin() + (k + 1) * cells, out.autocorrelation.begin());
  }
  if (parts > 1) comm->broadcast(out.autocorrelation.data(), cells * int64_t(sizeof(double)), owner, Memory::host);
  return out;
}

}  // namespace phasis::spi
