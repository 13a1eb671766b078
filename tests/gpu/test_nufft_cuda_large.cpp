// More than 2^31 non-uniform points in one call on CUDA (2D, float, 64 x 64 modes): type 1 and its
// adjoint type 2 against references that are cheap to compute exactly. The points sit on a few
// thousand known positions (point j on position j mod 4001 below 2^31, and on one of 97 others
// from 2^31 on), so type 1 is sum over positions q of C_q exp(i k.x_q), where C_q, the sum of the
// strengths on q, is accumulated in double while the strengths are made; and type 2 has one value
// per position. Needs about 70 GB of device memory (24 bytes per point in the plan, 8 for the
// strengths, 8 for the coordinates until the plan has copied them); skipped on smaller GPUs.
#include <gtest/gtest.h>

#if PHASIS_HAVE_CUDA

#include <cuda_runtime.h>
#include <omp.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "errors.hpp"
#include "phasis/core/array.hpp"
#include "phasis/nufft/nufft.hpp"

using namespace phasis;
using nufft::Options;
using nufft::Plan;
using nufft::Type;

namespace {

constexpr int64_t kMain = int64_t(1) << 31;        // points on the first positions
constexpr int64_t kPoints = kMain + (int64_t(1) << 25);  // and 2^25 more past 2^31
constexpr int64_t kMainPositions = 4001, kTailPositions = 97;
constexpr int64_t kChunk = int64_t(1) << 26;        // host staging, 512 MiB of strengths
const std::vector<int64_t> kModes = {64, 64};

int64_t position_of(int64_t j) {
  return j < kMain ? j % kMainPositions : kMainPositions + j % kTailPositions;
}

/// Strength of point j, uniform in [-1, 1)^2 from a hash of j (splitmix64), reproducible per j.
Complex<float> strength(int64_t j) {
  uint64_t z = uint64_t(j) + 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  const float scale = 1.0f / 2147483648.0f;  // 2^-31
  return {float(int32_t(uint32_t(z))) * scale, float(int32_t(uint32_t(z >> 32))) * scale};
}

void check(cudaError_t e) { ASSERT_EQ(e, cudaSuccess) << cudaGetErrorString(e); }

}  // namespace

TEST(NufftCudaLarge, MoreThan2To31PointsInOneCall) {
  size_t free_bytes = 0, total_bytes = 0;
  ASSERT_EQ(cudaMemGetInfo(&free_bytes, &total_bytes), cudaSuccess);
  const double need = double(kPoints) * 32 + 2e9;
  if (double(free_bytes) < need)
    GTEST_SKIP() << "needs " << need / 1e9 << " GB of free device memory; found " << free_bytes / 1e9;

  // Positions: float coordinates in [-7, 7) (folded modulo 2 pi by the plan); the references use
  // the float values.
  const int64_t npos = kMainPositions + kTailPositions;
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-7, 7);
  std::vector<float> px(npos), py(npos);
  for (int64_t q = 0; q < npos; ++q) {
    px[q] = float(u(rng));
    py[q] = float(u(rng));
  }

  Options opt;
  opt.device = Device::cuda();
  Plan<float> plan(Type::type1, kModes, +1, 1e-5, 1, opt);
  {
    // Coordinates staged through the host in chunks; freed once the plan has its copy.
    Array<float> x(Shape{kPoints}, Memory::device), y(Shape{kPoints}, Memory::device);
    std::vector<float> hx(kChunk), hy(kChunk);
    for (int64_t j0 = 0; j0 < kPoints; j0 += kChunk) {
      const int64_t n = std::min(kChunk, kPoints - j0);
#pragma omp parallel for
      for (int64_t i = 0; i < n; ++i) {
        const int64_t q = position_of(j0 + i);
        hx[i] = px[q];
        hy[i] = py[q];
      }
      check(cudaMemcpy(x.data() + j0, hx.data(), n * sizeof(float), cudaMemcpyHostToDevice));
      check(cudaMemcpy(y.data() + j0, hy.data(), n * sizeof(float), cudaMemcpyHostToDevice));
    }
    plan.set_points(kPoints, x.data(), y.data());
  }
  ASSERT_EQ(plan.points(), kPoints);

  // Strengths, and their sums per position in double.
  Array<Complex<float>> c(Shape{kPoints}, Memory::device);
  std::vector<Complex<double>> sums(npos, Complex<double>(0, 0));
  {
    std::vector<Complex<float>> hc(kChunk);
    const int threads = omp_get_max_threads();
    std::vector<std::vector<Complex<double>>> part(threads, std::vector<Complex<double>>(npos, Complex<double>(0, 0)));
    for (int64_t j0 = 0; j0 < kPoints; j0 += kChunk) {
      const int64_t n = std::min(kChunk, kPoints - j0);
#pragma omp parallel for
      for (int64_t i = 0; i < n; ++i) {
        const Complex<float> v = strength(j0 + i);
        hc[i] = v;
        part[omp_get_thread_num()][position_of(j0 + i)] += Complex<double>(v.re, v.im);
      }
      check(cudaMemcpy(c.data() + j0, hc.data(), n * sizeof(Complex<float>), cudaMemcpyHostToDevice));
    }
    for (const auto& p : part)
      for (int64_t q = 0; q < npos; ++q) sums[q] += p[q];
  }

  // Type 1 (sign +1) against sum_q C_q exp(i k.x_q); the tail positions' share is kept apart to
  // show what losing the points past 2^31 would cost.
  const int64_t nk = kModes[0] * kModes[1];
  Array<Complex<float>> f(Shape{nk}, Memory::device);
  plan.execute(c.data(), f.data());
  std::vector<Complex<float>> hf(nk);
  check(cudaMemcpy(hf.data(), f.data(), nk * sizeof(Complex<float>), cudaMemcpyDeviceToHost));
  std::vector<Complex<double>> want(nk);
  double ref2 = 0, tail2 = 0;
  for (int64_t r = 0; r < nk; ++r) {
    const double kx = double(r % kModes[0] - kModes[0] / 2), ky = double(r / kModes[0] - kModes[1] / 2);
    Complex<double> all(0, 0), tail(0, 0);
    for (int64_t q = 0; q < npos; ++q) {
      const double p = kx * double(px[q]) + ky * double(py[q]);
      const Complex<double> term = sums[q] * Complex<double>(std::cos(p), std::sin(p));
      all += term;
      if (q >= kMainPositions) tail += term;
    }
    want[r] = all;
    ref2 += norm2(all);
    tail2 += norm2(tail);
  }
  const double err1 = phasis::testing::relative_l2(hf, want), tail_share = std::sqrt(tail2 / ref2);
  std::printf("type 1 (%s spreading), %lld points: relative error %.2e; the points past 2^31 carry %.2e of the "
              "result\n",
              plan.spread_method(), (long long)kPoints, err1, tail_share);
  // Bound: 10x the tolerance (1e-5) as elsewhere, widened to 1e-3 for float accumulation: each
  // fine cell sums ~1e5 partial sums (one per subproblem box) whose rounding adds up as a random
  // walk, sqrt(1e5) x 6e-8 ~ 2e-5 typical, up to ~1e-3 if the roundings were correlated.
  EXPECT_LE(err1, 1e-3);
  EXPECT_GE(tail_share, 0.05);  // so dropping or misplacing them could not pass the bound above

  // Type 2 (the adjoint, sign -1) of random modes, written over the strengths: every point on
  // position q must hold sum_k f[k] exp(-i k.x_q).
  std::vector<Complex<float>> hf2(nk);
  std::mt19937_64 rng2(8);
  std::uniform_real_distribution<double> v(-1, 1);
  for (auto& z : hf2) z = {float(v(rng2)), float(v(rng2))};
  check(cudaMemcpy(f.data(), hf2.data(), nk * sizeof(Complex<float>), cudaMemcpyHostToDevice));
  plan.execute_adjoint(c.data(), f.data());
  std::vector<Complex<double>> at(npos, Complex<double>(0, 0));
  for (int64_t q = 0; q < npos; ++q)
    for (int64_t r = 0; r < nk; ++r) {
      const double kx = double(r % kModes[0] - kModes[0] / 2), ky = double(r / kModes[0] - kModes[1] / 2);
      const double p = -(kx * double(px[q]) + ky * double(py[q]));
      at[q] += Complex<double>(hf2[r].re, hf2[r].im) * Complex<double>(std::cos(p), std::sin(p));
    }
  double e2 = 0, r2 = 0;
  int64_t zero_past = 0;  // points past 2^31 left at exactly 0 (never written)
  std::vector<Complex<float>> hc(kChunk);
  for (int64_t j0 = 0; j0 < kPoints; j0 += kChunk) {
    const int64_t n = std::min(kChunk, kPoints - j0);
    check(cudaMemcpy(hc.data(), c.data() + j0, n * sizeof(Complex<float>), cudaMemcpyDeviceToHost));
#pragma omp parallel for reduction(+ : e2, r2, zero_past)
    for (int64_t i = 0; i < n; ++i) {
      const Complex<double> ref = at[position_of(j0 + i)];
      const double dr = double(hc[i].re) - ref.re, di = double(hc[i].im) - ref.im;
      e2 += dr * dr + di * di;
      r2 += norm2(ref);
      if (j0 + i >= kMain && hc[i].re == 0 && hc[i].im == 0) ++zero_past;
    }
  }
  const double err2_rel = std::sqrt(e2 / r2);
  std::printf("type 2 (%s interpolation), %lld points: relative error %.2e\n", plan.interpolate_method(),
              (long long)kPoints, err2_rel);
  EXPECT_LE(err2_rel, 1e-4);  // 10x the tolerance: interpolation adds no long sums
  EXPECT_EQ(zero_past, 0);
}

#endif  // PHASIS_HAVE_CUDA
