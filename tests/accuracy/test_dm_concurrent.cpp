// Backends are objects: two DM runs driven from two threads at once, each with its own CPU backend
// and a different thread count, give exactly what each gives alone. (On a GPU machine,
// tests/gpu/test_dm_concurrent_cuda runs the same body with two GPUs, or two backends on one GPU.)
// A backend that read OpenMP's global thread count, or shared scratch between instances, would
// make the concurrent runs differ from the solo ones or crash.
#include <gtest/gtest.h>

#include <cstdio>

#include "dm_agreement.hpp"
#include "dm_concurrent.hpp"

using namespace phasis;

TEST(DifferenceMapConcurrent, TwoCpuBackendsInTwoThreadsEqualEachAlone) {
  const PtychoProblem pr = phasis::testing::simulated_problem(64, 120, false, 1);
  const auto r = phasis::testing::concurrent_runs(pr, Device::cpu(1), Device::cpu(2), 6);
  const phasis::testing::Agreement ga = phasis::testing::agreement(pr, r.together_a, r.alone_a);
  const phasis::testing::Agreement gb = phasis::testing::agreement(pr, r.together_b, r.alone_b);
  const phasis::testing::Agreement threads = phasis::testing::agreement(pr, r.alone_b, r.alone_a);
  std::printf("concurrent vs alone: 1 thread %.1e, 2 threads %.1e; 2 threads vs 1: object %.1e probe %.1e\n",
              ga.object, gb.object, threads.object, threads.probe);
  // The same thread count sums in the same order, concurrent or not (the CPU backend's sums add
  // per-thread partials in thread order): bit for bit, errors included.
  EXPECT_EQ(ga.object, 0.0);
  EXPECT_EQ(ga.probe, 0.0);
  EXPECT_EQ(gb.object, 0.0);
  EXPECT_EQ(gb.probe, 0.0);
  EXPECT_EQ(r.together_a.fourier_error, r.alone_a.fourier_error);
  EXPECT_EQ(r.together_b.fourier_error, r.alone_b.fourier_error);
  // Other thread counts change only the order of the double-precision reductions: float rounding.
  EXPECT_LT(threads.object, 1e-5);
  EXPECT_LT(threads.probe, 1e-5);
}
