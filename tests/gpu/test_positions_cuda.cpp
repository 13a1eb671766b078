// CPU and CUDA runs of rPIE with sub-pixel positions and position refinement agree: the same
// frame order, start and positions, so no ambiguity is removed (dm_agreement.hpp compares the
// object weighted by its illumination, the probe and the error history), and the refined positions
// agree too. The bars: double, 1e-8 (the sums' orders differ; positions feed back into the model,
// which amplifies rounding mildly over 30 iterations); float, 1e-3 for the arrays and 1e-3 px for
// the positions (cuFFT against FFTW, atomics in the gathered sums, then that feedback).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "dm_agreement.hpp"
#include "phasis/ptycho/pie.hpp"
#include "phasis/ptycho/reconstruct.hpp"

using namespace phasis;
using phasis::testing::agreement;

#if PHASIS_HAVE_CUDA

namespace {

void run_case(int64_t mini_batch, Precision precision, double tol, double tol_px) {
  PtychoProblem pr = phasis::testing::simulated_problem(64, 150, false, 1);
  // Off the grid by a deterministic sub-pixel pattern, within the object (the padding is 8 px).
  for (int64_t j = 0; j < pr.frames; ++j) {
    pr.positions[2 * j] += 0.7 * std::sin(1.3 * double(j));
    pr.positions[2 * j + 1] += 0.7 * std::cos(0.9 * double(j));
    for (int a = 0; a < 2; ++a) {
      pr.positions[2 * j + a] = std::clamp(pr.positions[2 * j + a], 0.0, double((a ? pr.object_w : pr.object_h) - 64));
      pr.offsets[2 * j + a] = int32_t(std::lround(pr.positions[2 * j + a]));
    }
  }
  RpieOptions o;
  o.iterations = 30;
  o.mini_batch = mini_batch;
  o.seed = 5;
  o.refine_positions_from = 5;
  o.position_affine_gain = 10;
  o.position_affine_weight = 0.01;
  const SolverResult cpu = reconstruct(pr, "rpie", o, Device::cpu(), precision);
  const SolverResult gpu = reconstruct(pr, "rpie", o, Device::cuda(), precision);
  EXPECT_EQ(gpu.device, "cuda");
  const phasis::testing::Agreement g = agreement(pr, gpu, cpu);
  ASSERT_EQ(cpu.positions.size(), gpu.positions.size());
  double px = 0;
  for (int64_t i = 0; i < cpu.positions.size(); ++i) px = std::max(px, std::abs(cpu.positions[i] - gpu.positions[i]));
  std::printf("rpie batch %lld %s, refined positions: object %.2e probe %.2e error history %.2e positions %.2e px\n",
              (long long)mini_batch, precision == Precision::single ? "float" : "double", g.object, g.probe,
              g.error_history, px);
  EXPECT_LT(g.object, tol);
  EXPECT_LT(g.probe, tol);
  EXPECT_LT(g.error_history, tol);
  EXPECT_LT(px, tol_px);
}

}  // namespace

TEST(PositionsCuda, SequentialRefinementAgreesWithCpuDouble) { run_case(1, Precision::double_, 1e-8, 1e-8); }
TEST(PositionsCuda, MiniBatchRefinementAgreesWithCpuDouble) { run_case(16, Precision::double_, 1e-8, 1e-8); }
TEST(PositionsCuda, MiniBatchRefinementAgreesWithCpuFloat) { run_case(16, Precision::single, 1e-3, 1e-3); }

#endif
