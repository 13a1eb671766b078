// nufft::Plan on the CPU against direct sums (direct_nufft.hpp): relative l2 error at most 10x the
// requested tolerance over tolerance sweeps, both types, both signs, 2D and 3D, float and double;
// adjointness; type 2 at new points from one prepared grid; options; the methods a CPU plan
// reports; bad inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "direct_nufft.hpp"
#include "errors.hpp"
#include "phasis/core/error.hpp"
#include "phasis/nufft/nufft.hpp"

using namespace phasis;
using namespace phasis::testing;
using nufft::Options;
using nufft::Plan;
using nufft::Type;

namespace {

template <class T>
const std::vector<double> kTolerances = {};
template <>
const std::vector<double> kTolerances<double> = {1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12};
template <>
const std::vector<double> kTolerances<float> = {1e-2, 1e-3, 1e-4, 1e-5, 1e-6};

const std::vector<int64_t> kModes2 = {16, 18};
const std::vector<int64_t> kModes3 = {8, 10, 12};

int64_t product(const std::vector<int64_t>& v) {
  int64_t p = 1;
  for (int64_t n : v) p *= n;
  return p;
}

template <class T>
void set_points(Plan<T>& plan, const std::vector<std::vector<T>>& xyz) {
  plan.set_points(static_cast<int64_t>(xyz[0].size()), xyz[0].data(), xyz[1].data(),
                  xyz.size() == 3 ? xyz[2].data() : nullptr);
}

/// Relative error of one plan execution (type 1 or 2) against the direct sum.
template <class T>
double error_of(Type type, const std::vector<int64_t>& modes, int sign, double tol,
                const std::vector<std::vector<T>>& xyz, const Options& opt = {}) {
  const int64_t m = static_cast<int64_t>(xyz[0].size()), nk = product(modes);
  Plan<T> plan(type, modes, sign, tol, 1, opt);
  set_points(plan, xyz);
  if (type == Type::type1) {
    auto c = random_values<T>(m, 7);
    std::vector<Complex<T>> f(static_cast<std::size_t>(nk));
    plan.execute(c.data(), f.data());
    return relative_l2(f.data(), direct_type1(modes, xyz, c.data(), sign));
  }
  auto f = random_values<T>(nk, 8);
  std::vector<Complex<T>> c(static_cast<std::size_t>(m));
  plan.execute(c.data(), f.data());
  return relative_l2(c.data(), direct_type2(modes, xyz, f.data(), sign));
}

template <class T>
void sweep(const std::vector<int64_t>& modes, int64_t m, const std::vector<double>& tolerances, double upsampling) {
  const double pi = 3.14159265358979323846;
  const auto xyz = random_points<T>(static_cast<int>(modes.size()), m, -pi, pi, 11);
  Options opt;
  opt.upsampling = upsampling;
  for (double tol : tolerances)
    for (Type type : {Type::type1, Type::type2})
      for (int sign : {+1, -1}) {
        const double err = error_of<T>(type, modes, sign, tol, xyz, opt);
        std::printf("  %s %zuD sigma %.2f type %d sign %+d tol %.0e: error %.2e (%.2f x tol)\n",
                    sizeof(T) == 4 ? "float " : "double", modes.size(), upsampling, int(type), sign, tol, err,
                    err / tol);
        EXPECT_LE(err, 10 * tol) << modes.size() << "D type " << int(type) << " sign " << sign << " tol " << tol;
      }
}

template <class T>
class Nufft : public ::testing::Test {};
using Precisions = ::testing::Types<float, double>;
TYPED_TEST_SUITE(Nufft, Precisions);

}  // namespace

TYPED_TEST(Nufft, Accuracy2D) { sweep<TypeParam>(kModes2, 500, kTolerances<TypeParam>, 2.0); }

TYPED_TEST(Nufft, Accuracy3D) { sweep<TypeParam>(kModes3, 300, kTolerances<TypeParam>, 2.0); }

TYPED_TEST(Nufft, AccuracyWithUpsampling125) {
  // In float the smaller grid's larger deconvolution factors amplify rounding: about 1e-5 is the
  // floor there (1.8e-5 measured at 1e-6 in 2D, where the modes reach 0.4 of the fine grid).
  const std::vector<double> tols =
      sizeof(TypeParam) == 8 ? std::vector<double>{1e-2, 1e-4, 1e-6, 1e-8} : std::vector<double>{1e-2, 1e-4, 1e-5};
  sweep<TypeParam>(kModes2, 500, tols, 1.25);
  sweep<TypeParam>(kModes3, 300, tols, 1.25);
}

TYPED_TEST(Nufft, OddModesAndPointsOutsideOnePeriod) {
  using T = TypeParam;
  const double tol = sizeof(T) == 8 ? 1e-9 : 1e-5;
  // Coordinates in [-10, 10] are taken modulo 2 pi; odd sizes exercise the mode range's asymmetry.
  const auto xyz2 = random_points<T>(2, 400, -10, 10, 3);
  const auto xyz3 = random_points<T>(3, 200, -10, 10, 4);
  for (Type type : {Type::type1, Type::type2}) {
    EXPECT_LE(error_of<T>(type, {7, 9}, +1, tol, xyz2), 10 * tol);
    EXPECT_LE(error_of<T>(type, {5, 1, 3}, -1, tol, xyz3), 10 * tol);
  }
}

TYPED_TEST(Nufft, ExactKernelEvaluationIsAsAccurate) {
  using T = TypeParam;
  Options exact;
  exact.exact_kernel = true;
  const auto xyz = random_points<T>(3, 300, -3.2, 3.2, 15);
  for (double tol : sizeof(T) == 8 ? std::vector<double>{1e-3, 1e-9, 1e-12} : std::vector<double>{1e-3, 1e-6})
    for (Type type : {Type::type1, Type::type2}) {
      const double polynomial = error_of<T>(type, kModes3, +1, tol, xyz);
      const double direct = error_of<T>(type, kModes3, +1, tol, xyz, exact);
      EXPECT_LE(direct, 10 * tol);
      // The fit's error (below tol / 5) adds to the kernel's own: never more than tol in total.
      EXPECT_LE(std::abs(polynomial - direct), tol) << "tol " << tol;
    }
}

TYPED_TEST(Nufft, LargeGridKeepsTheSmallestTolerance) {
  using T = TypeParam;
  // 300 x 320 modes: a fine grid of 600 x 640 cells, where fine coordinates held in float would
  // cost about 10x the tolerance in float.
  const double tol = sizeof(T) == 8 ? 1e-12 : 1e-6;
  const auto xyz = random_points<T>(2, 200, -3.2, 3.2, 16);
  for (Type type : {Type::type1, Type::type2}) EXPECT_LE(error_of<T>(type, {300, 320}, -1, tol, xyz), 10 * tol);
}

TYPED_TEST(Nufft, ClusteredPointsAcrossThePeriodEdge) {
  using T = TypeParam;
  const double pi = 3.14159265358979323846, tol = sizeof(T) == 8 ? 1e-10 : 1e-5;
  // All points within 0.05 of the corner (pi, pi[, pi]): every support wraps.
  for (int dims : {2, 3}) {
    auto xyz = random_points<T>(dims, 3000, pi - 0.05, pi + 0.05, 5);
    const std::vector<int64_t> modes = dims == 2 ? kModes2 : kModes3;
    Options opt;
    opt.subproblem_points = 100;
    for (Type type : {Type::type1, Type::type2}) EXPECT_LE(error_of<T>(type, modes, +1, tol, xyz, opt), 10 * tol);
  }
}

TYPED_TEST(Nufft, ManySubproblemsAndNoSortAgree) {
  using T = TypeParam;
  const double pi = 3.14159265358979323846, tol = sizeof(T) == 8 ? 1e-8 : 1e-5;
  const auto xyz = random_points<T>(2, 20000, -pi, pi, 6);
  Options small;
  small.subproblem_points = 257;
  small.device = Device::cpu(2);
  Options unsorted;
  unsorted.sort = false;
  for (Type type : {Type::type1, Type::type2}) {
    EXPECT_LE(error_of<T>(type, kModes2, -1, tol, xyz, small), 10 * tol);
    EXPECT_LE(error_of<T>(type, kModes2, -1, tol, xyz, unsorted), 10 * tol);
  }
}

TYPED_TEST(Nufft, ParallelSortOfManyPointsMatchesTheUnsortedPlan) {
  using T = TypeParam;
  // 300,000 points take the parallel counting sort; interpolation does not depend on the order,
  // so type 2 agrees exactly, and type 1 to rounding.
  const int64_t m = 300000, nk = product(kModes3);
  const auto xyz = random_points<T>(3, m, -7, 7, 13);
  Options unsorted;
  unsorted.sort = false;
  Plan<T> a(Type::type2, kModes3, +1, 1e-4), b(Type::type2, kModes3, +1, 1e-4, 1, unsorted);
  set_points(a, xyz);
  set_points(b, xyz);
  auto f = random_values<T>(nk, 14);
  std::vector<Complex<T>> ca(m), cb(m);
  a.execute(ca.data(), f.data());
  b.execute(cb.data(), f.data());
  for (int64_t j = 0; j < m; ++j) ASSERT_TRUE(ca[j] == cb[j]) << "point " << j;
  std::vector<Complex<T>> fa(nk), fb(nk);
  a.execute_adjoint(ca.data(), fa.data());
  b.execute_adjoint(ca.data(), fb.data());
  std::vector<Complex<double>> ref(nk);
  for (int64_t i = 0; i < nk; ++i) ref[i] = {double(fb[i].re), double(fb[i].im)};
  EXPECT_LE(relative_l2(fa.data(), ref), sizeof(T) == 8 ? 1e-13 : 1e-5);
}

TYPED_TEST(Nufft, FftOrderIsARotationOfTheModes) {
  using T = TypeParam;
  const auto xyz = random_points<T>(3, 100, -3, 3, 9);
  const std::vector<int64_t> modes = {6, 5, 4};
  auto c = random_values<T>(100, 1);
  std::vector<Complex<T>> centred(120), fft(120);
  Options opt;
  Plan<T> a(Type::type1, modes, +1, 1e-5, 1, opt);
  opt.fft_order = true;
  Plan<T> b(Type::type1, modes, +1, 1e-5, 1, opt);
  set_points(a, xyz);
  set_points(b, xyz);
  a.execute(c.data(), centred.data());
  b.execute(c.data(), fft.data());
  // Centred position p holds mode p - n/2; FFT position q holds mode q (< (n+1)/2) or q - n.
  // Equal up to rounding only: threads add their subgrids in whichever order they finish.
  const double rounding = sizeof(T) == 8 ? 1e-13 : 1e-5;
  auto to_fft = [](int64_t p, int64_t n) { return ((p - n / 2) % n + n) % n; };
  for (int64_t z = 0; z < 4; ++z)
    for (int64_t y = 0; y < 5; ++y)
      for (int64_t x = 0; x < 6; ++x) {
        const Complex<T> u = centred[(z * 5 + y) * 6 + x];
        const Complex<T> v = fft[(to_fft(z, 4) * 5 + to_fft(y, 5)) * 6 + to_fft(x, 6)];
        EXPECT_LE(std::sqrt(double(norm2(u - v))), rounding * (1 + std::sqrt(double(norm2(u)))));
      }
}

TYPED_TEST(Nufft, ManyTransformsMatchOneByOne) {
  using T = TypeParam;
  const double tol = sizeof(T) == 8 ? 1e-9 : 1e-5;
  const auto xyz = random_points<T>(2, 300, -3, 3, 10);
  const int64_t m = 300, nk = product(kModes2), nt = 3;
  Plan<T> plan(Type::type1, kModes2, -1, tol, nt);
  set_points(plan, xyz);
  auto c = random_values<T>(m * nt, 2);
  std::vector<Complex<T>> f(static_cast<std::size_t>(nk * nt));
  plan.execute(c.data(), f.data());
  for (int64_t t = 0; t < nt; ++t)
    EXPECT_LE(relative_l2(f.data() + t * nk, direct_type1(kModes2, xyz, c.data() + t * m, -1)), 10 * tol);
  // The adjoint on the same plan: type 2 with sign +1 for every transform.
  auto g = random_values<T>(nk * nt, 3);
  std::vector<Complex<T>> d(static_cast<std::size_t>(m * nt));
  plan.execute_adjoint(d.data(), g.data());
  for (int64_t t = 0; t < nt; ++t)
    EXPECT_LE(relative_l2(d.data() + t * m, direct_type2(kModes2, xyz, g.data() + t * nk, +1)), 10 * tol);
}

TYPED_TEST(Nufft, Type1AndType2AreAdjoint) {
  using T = TypeParam;
  // <type1(c), f> = <c, type2(f)> with opposite signs holds to rounding at any tolerance, since
  // spreading and interpolation use the same kernel values and the FFTs are each other's adjoint.
  const double rounding = sizeof(T) == 8 ? 1e-12 : 1e-5;
  for (int dims : {2, 3})
    for (Type type : {Type::type1, Type::type2}) {
      const std::vector<int64_t> modes = dims == 2 ? kModes2 : kModes3;
      const int64_t m = 400, nk = product(modes);
      const auto xyz = random_points<T>(dims, m, -3.2, 3.2, 12);
      Plan<T> plan(type, modes, +1, 1e-4, 1);
      set_points(plan, xyz);
      auto c = random_values<T>(m, 4), f = random_values<T>(nk, 5);
      std::vector<Complex<T>> fc(static_cast<std::size_t>(nk)), cf(static_cast<std::size_t>(m));
      if (type == Type::type1) {
        plan.execute(c.data(), fc.data());
        plan.execute_adjoint(cf.data(), f.data());
      } else {
        plan.execute_adjoint(c.data(), fc.data());
        plan.execute(cf.data(), f.data());
      }
      Complex<double> lhs(0, 0), rhs(0, 0);  // <fc, f> and <c, cf>, conjugate-linear in the first
      for (int64_t i = 0; i < nk; ++i)
        lhs += Complex<double>(double(fc[i].re), -double(fc[i].im)) * Complex<double>(f[i].re, f[i].im);
      for (int64_t j = 0; j < m; ++j)
        rhs += Complex<double>(double(c[j].re), -double(c[j].im)) * Complex<double>(cf[j].re, cf[j].im);
      const double scale = std::sqrt(norm2(lhs) + norm2(rhs));
      EXPECT_LE(std::sqrt(norm2(lhs - rhs)) / scale, rounding) << dims << "D plan type " << int(type);
    }
}

TYPED_TEST(Nufft, Type2AtNewPointsFromOnePreparedGrid) {
  using T = TypeParam;
  const double tol = sizeof(T) == 8 ? 1e-10 : 1e-5;
  const int64_t nk = product(kModes3);
  auto f = random_values<T>(nk, 6);
  Plan<T> plan(Type::type2, kModes3, -1, tol, 1);
  std::vector<Complex<T>> c(500);
  EXPECT_THROW(plan.interpolate(c.data()), InputError);  // neither points nor grid yet
  plan.prepare_uniform(f.data());
  for (unsigned set = 0; set < 3; ++set) {
    const int64_t m = 200 + 150 * set;
    const auto xyz = random_points<T>(3, m, -3.2, 3.2, 20 + set);
    set_points(plan, xyz);
    plan.interpolate(c.data());
    EXPECT_LE(relative_l2(c.data(), direct_type2(kModes3, xyz, f.data(), -1)), 10 * tol) << "set " << set;
  }
  // A type-1 plan prepares its adjoint direction: type 2 with the opposite sign.
  Plan<T> t1(Type::type1, kModes3, +1, tol, 1);
  const auto xyz = random_points<T>(3, 250, -3.2, 3.2, 30);
  set_points(t1, xyz);
  t1.prepare_uniform(f.data());
  t1.interpolate(c.data());
  EXPECT_LE(relative_l2(c.data(), direct_type2(kModes3, xyz, f.data(), -1)), 10 * tol);
  // A type-1 execution reuses the fine grid, so the prepared grid is gone.
  auto c1 = random_values<T>(250, 7);
  std::vector<Complex<T>> f1(static_cast<std::size_t>(nk));
  t1.execute(c1.data(), f1.data());
  EXPECT_THROW(t1.interpolate(c.data()), InputError);
}

TYPED_TEST(Nufft, NoPointsGiveZeroModes) {
  using T = TypeParam;
  Plan<T> plan(Type::type1, kModes2, +1, 1e-4);
  plan.set_points(0, nullptr, nullptr);
  std::vector<Complex<T>> f(static_cast<std::size_t>(product(kModes2)), Complex<T>(T(1), T(1)));
  plan.execute(nullptr, f.data());
  for (const auto& v : f) EXPECT_EQ(norm2(v), T(0));
}

TYPED_TEST(Nufft, CpuPlansReportTheCpuMethods) {
  using T = TypeParam;
  // The CUDA methods (Options::spread, interpolate) do not apply on the CPU: whatever they ask,
  // before and after set_points, both directions report "cpu".
  Options shared;
  shared.spread = nufft::Spread::shared;
  shared.interpolate = nufft::Interpolate::shared;
  const auto xyz = random_points<T>(3, 500, -4, 4, 31);
  for (Type type : {Type::type1, Type::type2})
    for (const Options& opt : {Options{}, shared}) {
      Plan<T> plan(type, kModes3, +1, 1e-4, 1, opt);
      EXPECT_STREQ(plan.spread_method(), "cpu");
      EXPECT_STREQ(plan.interpolate_method(), "cpu");
      set_points(plan, xyz);
      EXPECT_STREQ(plan.spread_method(), "cpu");
      EXPECT_STREQ(plan.interpolate_method(), "cpu");
    }
}

TYPED_TEST(Nufft, BadInputsThrowInputError) {
  using T = TypeParam;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (double tol : {0.0, -1e-3, 1.0, 2.0, nan, sizeof(T) == 8 ? 1e-15 : 1e-7})
    EXPECT_THROW(Plan<T>(Type::type1, {8, 8}, +1, tol), InputError) << "tolerance " << tol;
  EXPECT_THROW(Plan<T>(Type::type1, {0, 8}, +1, 1e-4), InputError);
  EXPECT_THROW(Plan<T>(Type::type2, {8, 8, -1}, +1, 1e-4), InputError);
  EXPECT_THROW(Plan<T>(Type::type1, {8}, +1, 1e-4), InputError);
  EXPECT_THROW(Plan<T>(Type::type1, {8, 8, 8, 8}, +1, 1e-4), InputError);
  EXPECT_THROW(Plan<T>(Type::type1, {8, 8}, 0, 1e-4), InputError);
  EXPECT_THROW(Plan<T>(Type::type1, {8, 8}, 2, 1e-4), InputError);
  EXPECT_THROW(Plan<T>(static_cast<Type>(3), {8, 8}, 1, 1e-4), InputError);
  EXPECT_THROW(Plan<T>(Type::type1, {8, 8}, 1, 1e-4, 0), InputError);
  Options opt;
  opt.upsampling = 1.5;
  EXPECT_THROW(Plan<T>(Type::type1, {8, 8}, 1, 1e-4, 1, opt), InputError);
  // Sizes in int64 without wrapping: 2^60 modes fit, their 2^63-cell fine grid does not; a fine
  // grid of 2^59 cells fits, two of them in 16-byte values do not (2^64 bytes).
  const int64_t big = int64_t(1) << 20;
  EXPECT_THROW(Plan<T>(Type::type1, {big, big, big}, 1, 1e-2), InputError);
  EXPECT_THROW(Plan<T>(Type::type2, {1 << 19, 1 << 19, 1 << 18}, 1, 1e-2, 2), InputError);
  EXPECT_THROW(Plan<T>(Type::type1, {int64_t(1) << 31, 8}, 1, 1e-2), InputError);

  Plan<T> plan(Type::type1, {8, 8, 8}, 1, 1e-4);
  std::vector<T> x = {0.1f, 0.2f, 0.3f}, y = x, z = x;
  std::vector<Complex<T>> c(3), f(512);
  EXPECT_THROW(plan.execute(c.data(), f.data()), InputError);  // no points yet
  EXPECT_THROW(plan.set_points(3, x.data(), y.data(), nullptr), InputError);
  EXPECT_THROW(plan.set_points(-1, x.data(), y.data(), z.data()), InputError);
  for (T bad : {std::numeric_limits<T>::quiet_NaN(), std::numeric_limits<T>::infinity()}) {
    y[1] = bad;
    EXPECT_THROW(plan.set_points(3, x.data(), y.data(), z.data()), InputError);
  }
#if !PHASIS_HAVE_CUDA
  Options gpu;
  gpu.device = Device::cuda();
  EXPECT_THROW(Plan<T>(Type::type1, {8, 8}, 1, 1e-4, 1, gpu), DeviceError);
#endif
}
