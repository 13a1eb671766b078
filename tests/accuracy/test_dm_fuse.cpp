// The fused exit update (DmOptions::fuse_exit_update: the exit waves are updated and scattered into
// the object in one pass) against the separate passes, in double on the CPU. The same numbers reach
// the object and probe sums in the same order, so the reconstructions agree to rounding; only the
// error's summation order differs. A psi mode updated twice or not at all, a wrong offset or
// object mode, or sums not finished as update_object finishes them part at 1e-3 or more.
// (Distributed runs: tests/mpi/test_dm_mpi.cpp; float on a GPU: tests/gpu/test_dm_cuda.cpp.)
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "dm_agreement.hpp"
#include "errors.hpp"
#include "phasis/ptycho/simulate.hpp"

using namespace phasis;

namespace {

void expect_fused_equals_separate(int probe_modes, int object_modes, bool stream, int overlap_iterations = 2) {
  const PtychoProblem pr = phasis::testing::simulated_problem(64, 150, false, probe_modes);
  DmOptions o;
  o.iterations = 10;
  o.probe_modes = probe_modes;
  o.object_modes = object_modes;
  o.overlap_iterations = overlap_iterations;
  o.batch_frames = 32;  // 5 batches, the last one short
  o.stream_frames = stream;
  o.fuse_exit_update = false;
  const DmResult separate = run_dm(pr, o, Device::cpu(), Precision::double_);
  o.fuse_exit_update = true;
  const DmResult fused = run_dm(pr, o, Device::cpu(), Precision::double_);
  EXPECT_EQ(fused.streamed, stream);
  const phasis::testing::Agreement g = phasis::testing::agreement(pr, fused, separate);
  const double all_object = phasis::testing::relative_l2(fused.object, separate.object);  // every object mode
  std::printf("K=%d L=%d %s, %d alternation(s): fused vs separate: object %.2e (all modes %.2e) probe %.2e "
              "error history %.2e\n",
              probe_modes, object_modes, stream ? "streamed" : "resident", overlap_iterations, g.object, all_object,
              g.probe, g.error_history);
  ASSERT_EQ(fused.fourier_error.size(), separate.fourier_error.size());
  EXPECT_LT(g.object, 1e-12);
  EXPECT_LT(all_object, 1e-12);
  EXPECT_LT(g.probe, 1e-12);
  EXPECT_LT(g.error_history, 1e-12);
  // The runs did reconstruct: the error fell.
  EXPECT_LT(fused.fourier_error.back(), 0.5 * fused.fourier_error.front());
}

}  // namespace

TEST(DifferenceMapFused, SingleModeResident) { expect_fused_equals_separate(1, 1, false); }
TEST(DifferenceMapFused, SingleModeStreamed) { expect_fused_equals_separate(1, 1, true); }
TEST(DifferenceMapFused, ThreeProbeModesResident) { expect_fused_equals_separate(3, 1, false); }
TEST(DifferenceMapFused, ThreeProbeModesStreamed) { expect_fused_equals_separate(3, 1, true); }
TEST(DifferenceMapFused, ProbeAndObjectModes) { expect_fused_equals_separate(2, 2, false); }
TEST(DifferenceMapFused, OneAlternation) { expect_fused_equals_separate(1, 1, false, 1); }
