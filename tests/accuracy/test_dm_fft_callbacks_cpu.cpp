// DmOptions::fft_callbacks only changes float CUDA runs (cuFFT LTO callbacks); a CPU run asked for
// them takes the separate passes, as documented in dm.hpp, and must reconstruct exactly as without.
// (The callbacks themselves: tests/gpu/test_dm_cuda.cpp.)
#include <gtest/gtest.h>

#include "dm_agreement.hpp"
#include "phasis/ptycho/simulate.hpp"

using namespace phasis;

TEST(DifferenceMapFftCallbacks, IgnoredOnTheCpu) {
  const PtychoProblem pr = phasis::testing::simulated_problem(64, 150, false, 1);
  DmOptions o;
  o.iterations = 5;
  const DmResult plain = run_dm(pr, o, Device::cpu(), Precision::single);
  o.fft_callbacks = true;
  const DmResult asked = run_dm(pr, o, Device::cpu(), Precision::single);
  const phasis::testing::Agreement g = phasis::testing::agreement(pr, asked, plain);
  EXPECT_LT(g.object, 1e-12);
  EXPECT_LT(g.probe, 1e-12);
  EXPECT_LT(g.error_history, 1e-12);
}
