// Frames streamed through the solver in batches (the path for data larger than the GPU) give the
// same reconstruction as frames held in memory. On the CPU the "staging" is a plain copy, so this
// checks the batching: every pass over frames (exit waves, Fourier step, object scatter, probe
// sums, mode mixing) sees each frame once with the right offsets. tests/gpu/test_dm_cuda checks
// the asynchronous copies on a GPU.
#include <gtest/gtest.h>

#include <cstdio>

#include "dm_agreement.hpp"
#include "phasis/ptycho/simulate.hpp"

using namespace phasis;

namespace {

void expect_streamed_equals_resident(int modes) {
  const PtychoProblem pr = phasis::testing::simulated_problem(64, 150, false, modes);
  DmOptions o;
  o.iterations = 10;
  o.probe_modes = modes;
  o.batch_frames = 32;  // 5 batches, the last one short
  const DmResult resident = run_dm(pr, o, Device::cpu(), Precision::double_);
  o.stream_frames = true;
  const DmResult streamed = run_dm(pr, o, Device::cpu(), Precision::double_);
  EXPECT_FALSE(resident.streamed);
  EXPECT_TRUE(streamed.streamed);
  EXPECT_EQ(streamed.batch_frames, 32);
  const phasis::testing::Agreement g = phasis::testing::agreement(pr, streamed, resident);
  std::printf("%d mode(s): streamed vs resident: object %.2e probe %.2e error history %.2e\n", modes, g.object,
              g.probe, g.error_history);
  // Resident frames go through the same batches, so only the copies differ: the runs agree bit for
  // bit (measured 0). A wrong slot, offset or missed copy back shows up at 1e-3 or more.
  EXPECT_LT(g.object, 1e-12);
  EXPECT_LT(g.probe, 1e-12);
  EXPECT_LT(g.error_history, 1e-12);
}

}  // namespace

TEST(DifferenceMapStreaming, SingleModeMatchesResidentFrames) { expect_streamed_equals_resident(1); }
TEST(DifferenceMapStreaming, ProbeModesMatchResidentFrames) { expect_streamed_equals_resident(3); }
