// Backends are objects: DM runs driven from two threads at once, each with its own CUDA backend
// (its GPU, stream and scratch), give what each gives alone: the body of
// tests/accuracy/test_dm_concurrent on GPUs. With two GPUs the threads use one each; with one GPU
// both backends share it. A backend that synchronised the whole device or shared its reduction
// scratch between instances would mix the runs' sums or serialise them wrongly.
#include <gtest/gtest.h>

#include <cstdio>

#include "dm_agreement.hpp"
#include "dm_concurrent.hpp"

using namespace phasis;

TEST(DifferenceMapConcurrentCuda, TwoBackendsInTwoThreadsEqualEachAlone) {
  const int second = cuda_device_count() > 1 ? 1 : 0;
  const PtychoProblem pr = phasis::testing::simulated_problem(128, 300, false, 1);
  const auto r = phasis::testing::concurrent_runs(pr, Device::cuda(0), Device::cuda(second), 8);
  const phasis::testing::Agreement ga = phasis::testing::agreement(pr, r.together_a, r.alone_a);
  const phasis::testing::Agreement gb = phasis::testing::agreement(pr, r.together_b, r.alone_b);
  std::printf("GPUs 0 and %d from two threads against each alone: object %.1e %.1e, probe %.1e %.1e\n", second,
              ga.object, gb.object, ga.probe, gb.probe);
  // Only the order of the double-precision block sums (atomics) can differ between runs: float
  // rounding at most. Mixed-up scratch or streams give errors of order one.
  EXPECT_LT(ga.object, 1e-5);
  EXPECT_LT(gb.object, 1e-5);
  EXPECT_LT(ga.probe, 1e-5);
  EXPECT_LT(gb.probe, 1e-5);
}
