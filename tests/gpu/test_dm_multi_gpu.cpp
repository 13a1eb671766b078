// Several GPUs in one process: a thread and an NCCL part per GPU. The result must match one GPU to
// float summation order. With a single GPU visible, GPU part counts above one cannot run and the
// multi-GPU cases are skipped (GTEST_SKIP, reported); the one-GPU path through the same driver
// still runs.
#include <gtest/gtest.h>

#include <cstdio>

#include "dm_agreement.hpp"
#include "phasis/io/cxi.hpp"
#include "phasis/ptycho/distributed.hpp"
#include "phasis/ptycho/simulate.hpp"
#include "testing.hpp"

using namespace phasis;

namespace {

std::string simulated(const phasis::testing::TempDir& dir, int64_t m, int64_t n) {
  SimulationOptions so;
  so.frame_size = m;
  so.positions = n;
  so.initial_probe = "model";
  PtychoData d;
  PtychoTruth t;
  simulate(so, d, t);
  const std::string path = dir.file("sim.cxi");
  write_cxi(path, d, &t);
  return path;
}

void expect_same_as_one_gpu(const std::string& partition) {
  if (cuda_device_count() < 2) GTEST_SKIP() << "needs 2 GPUs; found " << cuda_device_count();
  phasis::testing::TempDir dir;
  const std::string path = simulated(dir, 128, 400);
  DmOptions o;
  o.iterations = 50;
  DistributedOptions one, two;
  one.devices = {0};
  two.devices = {0, 1};
  two.partition = partition;
  const DistributedRun a = run_dm_distributed(path, o, Device::cuda(), Precision::single, one);
  const DistributedRun b = run_dm_distributed(path, o, Device::cuda(), Precision::single, two);
  EXPECT_EQ(b.parts, 2);
  EXPECT_EQ(b.reduction.rfind("nccl", 0), 0u) << b.reduction;
  PtychoProblem whole = make_problem(CxiReader(path).read_all());
  const phasis::testing::Agreement g = phasis::testing::agreement(whole, b.result, a.result);
  std::printf("2 GPUs (%s) vs 1: object %.2e probe %.2e error history %.2e\n", partition.c_str(), g.object, g.probe,
              g.error_history);
  EXPECT_LT(g.object, 1e-5);
  EXPECT_LT(g.probe, 1e-5);
  EXPECT_LT(g.error_history, 1e-5);
}

}  // namespace

TEST(DifferenceMapMultiGpu, OneGpuThroughTheDriverMatchesTheSolver) {
  phasis::testing::TempDir dir;
  const std::string path = simulated(dir, 64, 150);
  DmOptions o;
  o.iterations = 20;
  const DistributedRun a = run_dm_distributed(path, o, Device::cuda(), Precision::single, DistributedOptions{});
  const PtychoProblem whole = make_problem(CxiReader(path).read_all());
  const DmResult b = run_dm(whole, o, Device::cuda(), Precision::single);
  EXPECT_EQ(a.parts, 1);
  EXPECT_EQ(a.reduction, "none");
  // Atomic scatter order differs between runs; nothing else does.
  const phasis::testing::Agreement g = phasis::testing::agreement(whole, a.result, b);
  EXPECT_LT(g.object, 1e-5);
  EXPECT_LT(g.probe, 1e-5);
}
TEST(DifferenceMapMultiGpu, TwoGpusSpatialMatchOne) { expect_same_as_one_gpu("spatial"); }
TEST(DifferenceMapMultiGpu, TwoGpusInterleavedMatchOne) { expect_same_as_one_gpu("interleaved"); }
