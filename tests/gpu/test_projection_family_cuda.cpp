// RAAR and error reduction (DM's projection family, dm_kernels.hpp ProjectionStep) on the GPU
// against the CPU, and which Fourier pass each takes at 256 x 256 in float: RAAR's Fourier input
// is DM's (2 P O_j - psi), so it takes the fused kernels; ER's is P O_j, so it takes cuFFT.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "dm_agreement.hpp"
#include "phasis/ptycho/reconstruct.hpp"

using namespace phasis;

#if PHASIS_HAVE_CUDA
namespace {

void agree(const std::string& algorithm, const DmOptions& o, int64_t m, int64_t frames, Precision precision,
           const char* gpu_path, double tol) {
  PtychoProblem pr = phasis::testing::simulated_problem(m, frames);
  const SolverResult cpu = reconstruct(pr, algorithm, o, Device::cpu(), precision);
  const SolverResult gpu = reconstruct(pr, algorithm, o, Device::cuda(), precision);
  EXPECT_EQ(gpu.algorithm, algorithm);
  EXPECT_EQ(gpu.fourier_path, gpu_path);
  const phasis::testing::Agreement g = phasis::testing::agreement(pr, gpu, cpu);
  std::printf("%s m=%lld %s: object %.2e probe %.2e error history %.2e (GPU path %s)\n", algorithm.c_str(), (long long)m,
              precision_name(precision), g.object, g.probe, g.error_history, gpu.fourier_path.c_str());
  EXPECT_LT(g.object, tol);
  EXPECT_LT(g.probe, tol);
  EXPECT_LT(g.error_history, tol);
  // The R-factor (model/misfit.hpp), computed on each backend from its own result.
  EXPECT_GT(cpu.r_factor, 0);
  EXPECT_LT(std::abs(gpu.r_factor - cpu.r_factor), tol * cpu.r_factor + 1e-7) << gpu.r_factor << " vs " << cpu.r_factor;
}

RaarOptions raar() {
  RaarOptions o;
  o.iterations = 50;
  o.beta = 0.8;
  return o;
}

DmOptions er() {
  DmOptions o;
  o.iterations = 50;
  return o;
}

}  // namespace

// Tolerances as DM's own CPU/GPU tests (test_dm_cuda.cpp): float 1e-4, double 1e-6.
TEST(ProjectionFamilyCuda, RaarAgreesWithCpuFloat) { agree("raar", raar(), 64, 150, Precision::single, "separate", 1e-4); }
TEST(ProjectionFamilyCuda, RaarAgreesWithCpuDouble) { agree("raar", raar(), 64, 150, Precision::double_, "separate", 1e-6); }
TEST(ProjectionFamilyCuda, RaarTakesTheFusedFourierPass) { agree("raar", raar(), 256, 60, Precision::single, "fused 256", 1e-4); }
TEST(ProjectionFamilyCuda, ErAgreesWithCpuFloat) { agree("er", er(), 64, 150, Precision::single, "separate", 1e-4); }
TEST(ProjectionFamilyCuda, ErNeverTakesTheFusedFourierPass) { agree("er", er(), 256, 60, Precision::single, "separate", 1e-4); }
#endif
