// Merging: the Toeplitz operator and right-hand side against A^H A and A^H d applied explicitly by
// direct sums; CG against a dense solution of the same regularised normal equations; the L-curve's
// misfit against the misfit summed directly; the L-curve corner on a known L.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

#include "phasis/core/error.hpp"
#include "phasis/spi/merging.hpp"

using namespace phasis;
using namespace phasis::spi;

namespace {
struct Points {
  std::vector<double> x, y, z;
  std::vector<float> d;
};
// Random points inside the grid's band |s| < 1 / (2 h) and values.
Points random_points(int64_t m, double h, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-0.5 / h, 0.5 / h), v(0.0, 2.0);
  Points p;
  for (int64_t j = 0; j < m; ++j) p.x.push_back(u(rng)), p.y.push_back(u(rng)), p.z.push_back(u(rng)), p.d.push_back(float(v(rng)));
  return p;
}
// Phase 2 pi h s_j . k of voxel index (centred) i.
double theta(const Points& p, int64_t j, int64_t i, int64_t n, double h) {
  const int64_t kx = i % n - n / 2, ky = (i / n) % n - n / 2, kz = i / (n * n) - n / 2;
  return 2 * std::numbers::pi * h * (p.x[j] * kx + p.y[j] * ky + p.z[j] * kz);
}
MergeSums sums_of(const Points& p, int64_t n, double h) {
  MergeAccumulator acc(n, h, 1e-12);
  const int64_t m = int64_t(p.x.size()), half = m / 3;  // two uneven batches: sums accumulate
  acc.add(half, p.x.data(), p.y.data(), p.z.data(), p.d.data());
  acc.add(m - half, p.x.data() + half, p.y.data() + half, p.z.data() + half, p.d.data() + half);
  return acc.sums();
}
}  // namespace

TEST(SpiMerging, ToeplitzOperatorEqualsExplicitNormalOperator) {
  const int64_t n = 6, cells = n * n * n, m = 300;
  const double h = 2.0, h3 = h * h * h;
  const Points p = random_points(m, h, 11);
  const MergeSums sums = sums_of(p, n, h);
  std::mt19937_64 rng(2);
  std::normal_distribution<double> g;
  std::vector<double> a(2 * cells);
  for (auto& v : a) v = g(rng);
  ToeplitzOperator op(sums, 2);
  std::vector<double> y(2 * cells);
  op.apply(a.data(), y.data());
  for (int b = 0; b < 2; ++b) {
    // Direct: (A a)_j = h^3 sum_k a_k e^{i theta_jk}, then Re (A^H A a)_k = Re h^3 sum_j e^{-i theta_jk} (A a)_j.
    std::vector<double> are(m, 0), aim(m, 0);
    for (int64_t j = 0; j < m; ++j)
      for (int64_t i = 0; i < cells; ++i) {
        const double t = theta(p, j, i, n, h);
        are[j] += h3 * a[b * cells + i] * std::cos(t), aim[j] += h3 * a[b * cells + i] * std::sin(t);
      }
    double err = 0, ref = 0, rerr = 0, rref = 0;
    for (int64_t i = 0; i < cells; ++i) {
      double yi = 0, bi = 0;
      for (int64_t j = 0; j < m; ++j) {
        const double t = theta(p, j, i, n, h);
        yi += h3 * (are[j] * std::cos(t) + aim[j] * std::sin(t));
        bi += h3 * p.d[j] * std::cos(t);
      }
      err += std::pow(y[b * cells + i] - yi, 2), ref += yi * yi;
      rerr += std::pow(sums.rhs[i] - bi, 2), rref += bi * bi;
    }
    // NUFFT at tolerance 1e-12 in double; the FFT convolution is exact to rounding.
    EXPECT_LT(std::sqrt(err / ref), 1e-9);
    EXPECT_LT(std::sqrt(rerr / rref), 1e-9);
  }
  EXPECT_DOUBLE_EQ(sums.points, double(m));
  EXPECT_NEAR(sums.kernel[0], h3 * h3 * m, 1e-9 * h3 * h3 * m);  // T[0] = h^6 x points
}

TEST(SpiMerging, ConjugateGradientsMatchADenseSolve) {
  const int64_t n = 4, cells = n * n * n, m = 400;
  const double h = 2.5, h3 = h * h * h;
  const Points p = random_points(m, h, 23);
  const MergeSums sums = sums_of(p, n, h);
  std::vector<double> prior(cells);
  std::mt19937_64 rng(4);
  std::normal_distribution<double> g;
  for (auto& v : prior) v = 1e-3 * g(rng);
  const double factor = 0.05, lambda = factor * sums.kernel[0];
  // Dense normal matrix Re(A^H A) + lambda and right-hand side Re(A^H d) + lambda prior.
  std::vector<double> mat(cells * cells), rhs(cells);
  for (int64_t r = 0; r < cells; ++r) {
    double b = 0;
    for (int64_t j = 0; j < m; ++j) b += h3 * p.d[j] * std::cos(theta(p, j, r, n, h));
    rhs[r] = b + lambda * prior[r];
    for (int64_t c = 0; c < cells; ++c) {
      double v = 0;
      for (int64_t j = 0; j < m; ++j) v += h3 * h3 * std::cos(theta(p, j, r, n, h) - theta(p, j, c, n, h));
      mat[r * cells + c] = v + (r == c ? lambda : 0.0);
    }
  }
  // Gaussian elimination with partial pivoting.
  std::vector<double> x = rhs;
  for (int64_t k = 0; k < cells; ++k) {
    int64_t piv = k;
    for (int64_t r = k + 1; r < cells; ++r)
      if (std::abs(mat[r * cells + k]) > std::abs(mat[piv * cells + k])) piv = r;
    for (int64_t c = 0; c < cells; ++c) std::swap(mat[k * cells + c], mat[piv * cells + c]);
    std::swap(x[k], x[piv]);
    for (int64_t r = k + 1; r < cells; ++r) {
      const double f = mat[r * cells + k] / mat[k * cells + k];
      for (int64_t c = k; c < cells; ++c) mat[r * cells + c] -= f * mat[k * cells + c];
      x[r] -= f * x[k];
    }
  }
  for (int64_t k = cells - 1; k >= 0; --k) {
    for (int64_t c = k + 1; c < cells; ++c) x[k] -= mat[k * cells + c] * x[c];
    x[k] /= mat[k * cells + k];
  }
  MergeSettings s;
  s.lambdas = {factor};
  s.max_iterations = 500;
  s.tolerance = 1e-13;
  const MergeSolution sol = merge(sums, prior, s);
  double err = 0, ref = 0;
  for (int64_t i = 0; i < cells; ++i) err += std::pow(sol.autocorrelation[i] - x[i], 2), ref += x[i] * x[i];
  EXPECT_LT(std::sqrt(err / ref), 1e-8);  // CG converged to 1e-13; the condition number is below 1e4
  EXPECT_NEAR(sol.lambdas[0], lambda, 1e-12 * lambda);

  // Misfit: half the squared error over the Friedel-doubled points (s_j and -s_j, both d_j); for
  // real a the two halves are equal, |(A a)_j - d_j|^2 each.
  double m2 = 0;
  for (int64_t j = 0; j < m; ++j) {
    double re = 0, im = 0;
    for (int64_t i = 0; i < cells; ++i) {
      const double t = theta(p, j, i, n, h);
      re += h3 * x[i] * std::cos(t), im += h3 * x[i] * std::sin(t);
    }
    m2 += std::pow(re - p.d[j], 2) + im * im;
  }
  EXPECT_NEAR(sol.misfit[0], std::sqrt(m2), 1e-6 * std::sqrt(m2));
}

TEST(SpiMerging, LcurveCornerIsTheBend) {
  // log misfit rises slowly then fast, log deviation falls fast then slowly: the bend is point 2.
  const std::vector<double> u = {0.0, 0.1, 0.2, 2.0, 4.0}, v = {5.0, 3.0, 1.0, 0.9, 0.8};
  std::vector<double> misfit, deviation;
  for (size_t i = 0; i < u.size(); ++i) misfit.push_back(std::exp(u[i])), deviation.push_back(std::exp(v[i]));
  EXPECT_EQ(lcurve_corner(misfit, deviation), 2);
  EXPECT_EQ(lcurve_corner({1.0, 2.0}, {2.0, 1.0}), 1);
}

TEST(SpiMerging, RefusesEmptyOrMismatchedInput) {
  const MergeSums empty(4, 1.0);
  EXPECT_THROW(merge(empty, {}, {}), InputError);
  const Points p = random_points(10, 1.0, 1);
  const MergeSums sums = sums_of(p, 4, 1.0);
  EXPECT_THROW(merge(sums, std::vector<double>(5), {}), InputError);
  MergeSettings bad;
  bad.lambdas = {-1};
  EXPECT_THROW(merge(sums, {}, bad), InputError);
}
