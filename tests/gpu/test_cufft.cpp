// CufftPlan against FftwPlan on the same random inputs, float and double, 2D batched and 3D, both
// directions, on the default stream and on a stream of its own. Built in every configuration; the
// tests exist only when CUDA is (gpu_main.cpp exits 77 without a device or without CUDA).
#include <gtest/gtest.h>

#if PHASIS_HAVE_CUDA

#include <cuda_runtime.h>

#include <random>
#include <vector>

#include "errors.hpp"
#include "phasis/core/array.hpp"
#include "phasis/fft/fft.hpp"
#include "testing.hpp"

using namespace phasis;
using phasis::testing::relative_l2;

namespace {

// cuFFT and FFTW use different factorisations, so each differs from the exact DFT by a few eps *
// log2(N) (N <= 32768 here: log2 N = 15); their difference is bounded by the sum. Float:
// 2 * 1.2e-7 * 15 = 3.6e-6, so 1e-5 leaves a factor ~3. Double: 2 * 2.2e-16 * 15 = 6.7e-15, so
// 1e-12 is loose but still far below any real bug (errors of order 1).
template <class T> constexpr double kTol = 0;
template <> constexpr double kTol<float> = 1e-5;
template <> constexpr double kTol<double> = 1e-12;

struct Case {
  std::vector<int> dims;
  int64_t batch;
};
const std::vector<Case> kCases = {{{16, 16}, 3}, {{6, 10}, 4}, {{64, 48}, 5}, {{4, 6, 8}, 2}, {{32, 32, 32}, 1}};

int64_t product(const std::vector<int>& dims) {
  int64_t n = 1;
  for (int d : dims) n *= d;
  return n;
}

template <class T>
Array<Complex<T>> random_array(int64_t n, unsigned seed) {
  Array<Complex<T>> a(Shape{n});
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  for (int64_t i = 0; i < n; ++i) a[i] = {T(u(rng)), T(u(rng))};
  return a;
}

void sync(cudaStream_t stream) { ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess); }

template <class T>
class Cufft : public ::testing::Test {};
using Precisions = ::testing::Types<float, double>;
TYPED_TEST_SUITE(Cufft, Precisions);

// Runs each case through a CufftPlan (on `stream`, at most `cap` transforms per cuFFT plan) and an
// FftwPlan, forward and inverse, and compares.
template <class T>
void check_against_fftw(cudaStream_t stream, int64_t cap) {
  unsigned seed = 1;
  for (const Case& c : kCases) {
    SCOPED_TRACE(::testing::Message() << "N " << product(c.dims) << ", rank " << c.dims.size() << ", batch "
                                      << c.batch << ", cap " << cap);
    CufftPlan<T> gpu(c.dims, c.batch, stream, cap);
    FftwPlan<T> cpu(c.dims, c.batch);
    EXPECT_EQ(gpu.elements_per_transform(), cpu.elements_per_transform());
    const int64_t n = product(c.dims) * c.batch;
    for (bool forward : {true, false}) {
      auto host = random_array<T>(n, seed++);
      auto dev = host.to(Memory::device);
      if (forward) {
        gpu.forward(dev.data());
        cpu.forward(host.data());
      } else {
        gpu.inverse(dev.data());
        cpu.inverse(host.data());
      }
      sync(stream);
      auto back = dev.to(Memory::host);
      EXPECT_LT(relative_l2(back.data(), host.data(), n), kTol<T>) << (forward ? "forward" : "inverse");
    }
  }
}

}  // namespace

TYPED_TEST(Cufft, MatchesFftwOnDefaultStream) { check_against_fftw<TypeParam>(nullptr, INT64_MAX); }

TYPED_TEST(Cufft, MatchesFftwOnItsOwnStream) {
  cudaStream_t stream = nullptr;
  ASSERT_EQ(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), cudaSuccess);
  check_against_fftw<TypeParam>(stream, INT64_MAX);
  cudaStreamDestroy(stream);
}

TYPED_TEST(Cufft, SplitBatchesMatchFftw) {
  check_against_fftw<TypeParam>(nullptr, 1);
  check_against_fftw<TypeParam>(nullptr, 2);
}

TYPED_TEST(Cufft, InverseOfForwardIsScaledIdentity) {
  using T = TypeParam;
  const std::vector<int> dims = {4, 6, 8};
  CufftPlan<T> plan(dims, 3);
  auto x = random_array<T>(product(dims) * 3, 42);
  auto dev = x.to(Memory::device);
  plan.forward(dev.data());
  plan.inverse(dev.data());
  sync(nullptr);
  auto y = dev.to(Memory::host);
  for (int64_t i = 0; i < x.size(); ++i) x[i] *= T(product(dims));
  EXPECT_LT(relative_l2(y.data(), x.data(), x.size()), kTol<T>);
}

TYPED_TEST(Cufft, BadArgumentsThrowInputError) {
  using T = TypeParam;
  EXPECT_THROW(CufftPlan<T>({8}, 1), InputError);
  EXPECT_THROW(CufftPlan<T>({2, 2, 2, 2}, 1), InputError);
  EXPECT_THROW(CufftPlan<T>({8, 0}, 1), InputError);
  EXPECT_THROW(CufftPlan<T>({8, 8}, 0), InputError);
  EXPECT_THROW(CufftPlan<T>({8, 8}, 2, nullptr, 0), InputError);
  CufftPlan<T> plan({8, 8}, 1);
  EXPECT_THROW(plan.forward(nullptr), InternalError);
}

#endif  // PHASIS_HAVE_CUDA
