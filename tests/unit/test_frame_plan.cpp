// The frames' memory plan (model/frame_plan.hpp) that every ptychography solver uses: resident
// when everything fits, streamed when not, batches sized to the working-buffer budget, and one
// clear error when not even one frame's staging fits.
#include <gtest/gtest.h>

#include "phasis/core/error.hpp"
#include "ptycho/model/frame_plan.hpp"

namespace phasis::model {
namespace {

constexpr int64_t MiB = 1 << 20;

// 10,000 frames of 1 MiB stored and 0.5 MiB of working buffer each, 100 MiB fixed.
FrameNeeds needs() { return {10000, MiB, MiB / 2, 100 * MiB}; }

TEST(FramePlan, ResidentWhenFramesBatchAndFixedArraysFit) {
  const FramePlan p = plan_frames(needs(), Memory::device, 20000 * MiB, false, 0);
  EXPECT_FALSE(p.stream);
  EXPECT_GE(p.batch * MiB / 2, 256 * MiB);  // a chunk plan of 512 MiB: at least half of it per batch
  EXPECT_LE(p.batch * MiB / 2, 512 * MiB);
}

TEST(FramePlan, StreamsWhenTheFramesDoNotFitAndSharesWhatIsLeft) {
  const int64_t limit = 2000 * MiB;
  const FramePlan p = plan_frames(needs(), Memory::device, limit, false, 0);
  EXPECT_TRUE(p.stream);
  // Two staging slots and the working buffer per batch frame fit in what the fixed arrays leave.
  EXPECT_LE(p.batch * (2 * MiB + MiB / 2), limit - 100 * MiB);
  EXPECT_GE(p.batch, 1);
}

TEST(FramePlan, TheHostNeverStreamsUnlessAskedAndBatchesAreCacheSized) {
  const FramePlan p = plan_frames(needs(), Memory::host, memory_limit(Memory::host, 0), false, 0);
  EXPECT_FALSE(p.stream);
  EXPECT_LE(p.batch * MiB / 2, 64 * MiB);
  EXPECT_TRUE(plan_frames(needs(), Memory::host, memory_limit(Memory::host, 0), true, 0).stream);
}

TEST(FramePlan, AGivenBatchIsKeptWithinTheFrames) {
  EXPECT_EQ(plan_frames(needs(), Memory::device, 20000 * MiB, false, 77).batch, 77);
  EXPECT_EQ(plan_frames(needs(), Memory::device, 20000 * MiB, false, 1 << 30).batch, 10000);
}

TEST(FramePlan, NoRoomForOneFrameIsADeviceErrorThatSaysWhy) {
  try {
    plan_frames(needs(), Memory::device, 101 * MiB, false, 0);
    FAIL() << "expected DeviceError";
  } catch (const DeviceError& e) {
    EXPECT_NE(std::string(e.what()).find("expected room for one frame's staging"), std::string::npos) << e.what();
  }
}

TEST(FramePlan, AnExplicitLimitWins) {
  EXPECT_EQ(memory_limit(Memory::device, 123), 123);
  EXPECT_EQ(memory_limit(Memory::host, 0), INT64_MAX);
}

}  // namespace
}  // namespace phasis::model
