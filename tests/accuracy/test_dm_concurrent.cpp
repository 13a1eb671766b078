// Backends are objects: two DM runs driven from two threads at once, each with its own CPU backend
// and a different thread count, give exactly what each gives alone. (On a GPU machine,
// tests/gpu/test_dm_concurrent_cuda does the same with two GPUs, or two backends on one GPU.) A
// backend that read OpenMP's global thread count, or shared scratch between instances, would make
// the concurrent runs differ from the solo ones or crash.
#include <gtest/gtest.h>

#include <cstdio>
#include <thread>

#include "dm_agreement.hpp"

using namespace phasis;

namespace {

DmResult run(const PtychoProblem& pr, int threads) {
  DmOptions o;
  o.iterations = 6;
  o.probe_start = 1;
  return run_dm(pr, o, Device::cpu(threads), Precision::single);
}

}  // namespace

TEST(DifferenceMapConcurrent, TwoCpuBackendsInTwoThreadsEqualEachAlone) {
  const PtychoProblem pr = phasis::testing::simulated_problem(64, 120, false, 1);
  const DmResult one = run(pr, 1), two = run(pr, 2);
  DmResult a, b;
  std::thread ta([&] { a = run(pr, 1); });
  std::thread tb([&] { b = run(pr, 2); });
  ta.join();
  tb.join();
  const phasis::testing::Agreement ga = phasis::testing::agreement(pr, a, one);
  const phasis::testing::Agreement gb = phasis::testing::agreement(pr, b, two);
  const phasis::testing::Agreement threads = phasis::testing::agreement(pr, two, one);
  std::printf("concurrent vs alone: 1 thread %.1e, 2 threads %.1e; 2 threads vs 1: object %.1e probe %.1e\n",
              ga.object, gb.object, threads.object, threads.probe);
  // The same thread count sums in the same order, concurrent or not: bit for bit.
  EXPECT_EQ(ga.object, 0.0);
  EXPECT_EQ(ga.probe, 0.0);
  EXPECT_EQ(gb.object, 0.0);
  EXPECT_EQ(gb.probe, 0.0);
  EXPECT_EQ(a.fourier_error, one.fourier_error);
  EXPECT_EQ(b.fourier_error, two.fourier_error);
  // Other thread counts change only the order of the double-precision reductions: float rounding.
  EXPECT_LT(threads.object, 1e-5);
  EXPECT_LT(threads.probe, 1e-5);
}
