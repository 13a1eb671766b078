// FftwPlan against the defining DFT sum (tests/support/direct_dft.hpp), in float and double, 2D and
// 3D, batched, both directions; plus the round trip, plan reuse, split batches and bad arguments.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "direct_dft.hpp"
#include "errors.hpp"
#include "phasis/core/array.hpp"
#include "phasis/fft/fft.hpp"
#include "testing.hpp"

using namespace phasis;
using phasis::testing::direct_dft;
using phasis::testing::relative_l2;

namespace {

// Tolerances on the relative l2 error. A Cooley-Tukey FFT's error grows like eps * log2(N) in the
// worst case (rms closer to eps * sqrt(log2 N)); the largest transform here has N = 256, so
// log2 N = 8: float eps * 8 = 9.5e-7, and 2e-6 leaves a factor 2 for twiddle rounding and
// non-power-of-two sizes. Double: eps * 8 = 1.8e-15; 1e-13 is loose but still catches any real
// bug (a wrong sign, axis or scale gives errors of order 1). The reference is exact to better
// than T's precision, so these bound the FFT alone.
template <class T> constexpr double kTol = 0;
template <> constexpr double kTol<float> = 2e-6;
template <> constexpr double kTol<double> = 1e-13;

int64_t product(const std::vector<int>& dims) {
  int64_t n = 1;
  for (int d : dims) n *= d;
  return n;
}

template <class T>
Array<Complex<T>> random_array(const std::vector<int>& dims, int64_t batch, unsigned seed) {
  Array<Complex<T>> a(Shape{batch, product(dims)});
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  for (int64_t i = 0; i < a.size(); ++i) a[i] = {T(u(rng)), T(u(rng))};
  return a;
}

template <class T>
class Fftw : public ::testing::Test {};
using Precisions = ::testing::Types<float, double>;
TYPED_TEST_SUITE(Fftw, Precisions);

struct Case {
  std::vector<int> dims;
  int64_t batch;
};
const std::vector<Case> kCases = {{{8, 8}, 1}, {{6, 10}, 1}, {{16, 16}, 3}, {{4, 6, 8}, 2}};

// Transforms each case with `plan_for(dims, batch)` in both directions and checks against the sum.
template <class T, class MakePlan>
void check_against_direct(MakePlan plan_for, const std::vector<Case>& cases) {
  unsigned seed = 1;
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << "dims rank " << c.dims.size() << ", N " << product(c.dims)
                                      << ", batch " << c.batch);
    auto plan = plan_for(c.dims, c.batch);
    const int64_t n = product(c.dims) * c.batch;
    for (int sign : {-1, +1}) {
      auto x = random_array<T>(c.dims, c.batch, seed++);
      auto want = direct_dft(x.data(), c.dims, c.batch, sign);
      if (sign < 0) plan->forward(x.data());
      else plan->inverse(x.data());
      EXPECT_LT(relative_l2(x.data(), want.data(), n), kTol<T>) << (sign < 0 ? "forward" : "inverse");
    }
  }
}

}  // namespace

TYPED_TEST(Fftw, MatchesDirectDft) {
  using T = TypeParam;
  check_against_direct<T>(
      [](const std::vector<int>& d, int64_t b) { return std::make_unique<FftwPlan<T>>(d, b); }, kCases);
}

TYPED_TEST(Fftw, MatchesDirectDftSingleThreaded) {
  using T = TypeParam;
  check_against_direct<T>(
      [](const std::vector<int>& d, int64_t b) { return std::make_unique<FftwPlan<T>>(d, b, 1); }, kCases);
}

// Batches split over several plan executions: 3x5 float transforms have an odd element count, so
// the second chunk starts off the 16-byte alignment the first was planned for.
TYPED_TEST(Fftw, SplitBatchesMatchDirectDft) {
  using T = TypeParam;
  const std::vector<Case> cases = {{{3, 5}, 5}, {{6, 10}, 7}, {{3, 4, 5}, 4}};
  for (int64_t cap : {1, 2, 3}) {
    SCOPED_TRACE(::testing::Message() << "max batch per plan " << cap);
    check_against_direct<T>(
        [cap](const std::vector<int>& d, int64_t b) { return std::make_unique<FftwPlan<T>>(d, b, 0, cap); },
        cases);
  }
}

TYPED_TEST(Fftw, InverseOfForwardIsScaledIdentity) {
  using T = TypeParam;
  for (const Case& c : kCases) {
    FftwPlan<T> plan(c.dims, c.batch);
    auto x = random_array<T>(c.dims, c.batch, 99);
    auto y = x.to(Memory::host);
    plan.forward(y.data());
    plan.inverse(y.data());
    const T n = T(product(c.dims));
    for (int64_t i = 0; i < x.size(); ++i) x[i] *= n;
    EXPECT_LT(relative_l2(y.data(), x.data(), x.size()), kTol<T>);
  }
}

TYPED_TEST(Fftw, PlanIsReusedOnAnotherBuffer) {
  using T = TypeParam;
  const std::vector<int> dims = {6, 10};
  FftwPlan<T> plan(dims, 2);
  EXPECT_EQ(plan.batch(), 2);
  EXPECT_EQ(plan.elements_per_transform(), 60);
  for (unsigned seed : {5u, 6u, 7u}) {
    auto x = random_array<T>(dims, 2, seed);  // a fresh buffer each time
    auto want = direct_dft(x.data(), dims, 2, -1);
    plan.forward(x.data());
    EXPECT_LT(relative_l2(x.data(), want.data(), x.size()), kTol<T>);
  }
}

TYPED_TEST(Fftw, BadArgumentsThrowInputError) {
  using T = TypeParam;
  EXPECT_THROW(FftwPlan<T>({8}, 1), InputError);
  EXPECT_THROW(FftwPlan<T>({2, 2, 2, 2}, 1), InputError);
  EXPECT_THROW(FftwPlan<T>({}, 1), InputError);
  EXPECT_THROW(FftwPlan<T>({8, 0}, 1), InputError);
  EXPECT_THROW(FftwPlan<T>({-4, 8, 8}, 1), InputError);
  EXPECT_THROW(FftwPlan<T>({8, 8}, 0), InputError);
  EXPECT_THROW(FftwPlan<T>({8, 8}, -3), InputError);
  EXPECT_THROW(FftwPlan<T>({8, 8}, 2, 0, 0), InputError);
  EXPECT_THROW(FftwPlan<T>({1 << 30, 1 << 30, 1 << 30}, 1), InputError);
  try {
    FftwPlan<T>({8, 0}, 1);
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("(8, 0) x batch 1"), std::string::npos) << e.what();
  }
}

TYPED_TEST(Fftw, NullOrMisalignedDataThrowsInternalError) {
  using T = TypeParam;
  FftwPlan<T> plan({4, 4}, 1);
  EXPECT_THROW(plan.forward(nullptr), InternalError);
  Array<unsigned char> raw(Shape{64 + 16 * sizeof(Complex<T>)});
  auto* off = reinterpret_cast<Complex<T>*>(raw.data() + 8);  // 8 bytes past a 64-byte boundary
  EXPECT_THROW(plan.inverse(off), InternalError);
}

// Measured plans (FftPlanning::measure, one-thread plans) against the sum too, and one algorithm per shape in a
// process: every array of a batch transforms as it would alone, bit for bit.
TYPED_TEST(Fftw, MeasuredPlansMatchDirectDftAndDoNotDependOnTheBatch) {
  using T = TypeParam;
  set_fftw_planning(FftPlanning::measure);
  check_against_direct<T>(
      [](const std::vector<int>& d, int64_t b) { return std::make_unique<FftwPlan<T>>(d, b, 1); }, kCases);
  auto batch = random_array<T>({32, 24}, 5, 99);
  auto alone = random_array<T>({32, 24}, 1, 7);
  std::copy(batch.data() + 3 * 32 * 24, batch.data() + 4 * 32 * 24, alone.data());  // the 4th array
  FftwPlan<T>({32, 24}, 5, 1).forward(batch.data());  // one thread: measured (fft.hpp)
  FftwPlan<T>({32, 24}, 1, 1).forward(alone.data());
  set_fftw_planning(FftPlanning::estimate);
  for (int64_t i = 0; i < 32 * 24; ++i) {
    ASSERT_EQ(batch[3 * 32 * 24 + i].re, alone[i].re) << i;
    ASSERT_EQ(batch[3 * 32 * 24 + i].im, alone[i].im) << i;
  }
}
