// CPU and CUDA runs of the same maximum-likelihood reconstruction agree to rounding: the object
// weighted by its illumination, the probe and the error history (dm_agreement.hpp: both runs start
// from the same state, so no ambiguity is removed). The solver is one template over the backends;
// only the FFTs (FFTW, cuFFT), the order of sums (OpenMP partials, CUDA reductions and, with few
// object tiles, the gather's atomic adds) and the probe sums' loop differ. Float and double runs on
// the CPU alone agree to 1e-7 (tests/accuracy/test_ml.cpp), so the float bar leaves 100x.
#include <gtest/gtest.h>

#include <cstdio>

#include "dm_agreement.hpp"
#include "phasis/ptycho/ml.hpp"
#include "phasis/ptycho/simulate.hpp"

using namespace phasis;
using phasis::testing::agreement;

#if PHASIS_HAVE_CUDA

namespace {

/// Photon-counting data at 10^3 photons per frame (or noise-free), the model probe as the start.
PtychoProblem problem(int64_t m, int64_t positions, bool poisson, int64_t modes = 1) {
  SimulationOptions so;
  so.frame_size = m;
  so.positions = positions;
  so.probe_modes = modes;
  so.initial_probe = "model";
  so.poisson = poisson;
  so.photons = poisson ? 1e3 : 1e6;
  PtychoData d;
  PtychoTruth t;
  simulate(so, d, t);
  return make_problem(std::move(d));
}

void run_case(int64_t m, int64_t positions, bool poisson, NoiseModel noise, const std::string& precision, double tol,
              double smoothness = 0, int modes = 1) {
  const PtychoProblem pr = problem(m, positions, poisson, modes);
  MlOptions o;
  o.iterations = 30;
  o.noise = noise;
  o.object_smoothness = smoothness;
  o.probe_modes = modes;
  const SolverResult cpu = reconstruct(pr, "ml", o, Device::cpu(), parse_precision(precision));
  const SolverResult gpu = reconstruct(pr, "ml", o, Device::cuda(), parse_precision(precision));
  EXPECT_EQ(gpu.device, "cuda");
  const phasis::testing::Agreement g = agreement(pr, gpu, cpu);
  std::printf("%s M=%lld N=%lld K=%d noise %d smoothness %g: object %.2e probe %.2e error history %.2e\n",
              precision.c_str(), (long long)m, (long long)positions, modes, int(noise), smoothness, g.object, g.probe,
              g.error_history);
  EXPECT_LT(g.object, tol);
  EXPECT_LT(g.probe, tol);
  EXPECT_LT(g.error_history, tol);
}

}  // namespace

TEST(MaximumLikelihoodCuda, PoissonAgreesWithCpuFloat) { run_case(64, 120, true, NoiseModel::poisson, "float", 1e-5); }
TEST(MaximumLikelihoodCuda, PoissonAgreesWithCpuDouble) { run_case(64, 120, true, NoiseModel::poisson, "double", 1e-9); }
TEST(MaximumLikelihoodCuda, GaussianSmoothnessAgreesWithCpuFloat) {
  run_case(64, 120, true, NoiseModel::gaussian, "float", 1e-5, 0.01);
}
TEST(MaximumLikelihoodCuda, LargerFramesAgreeWithCpuFloat) { run_case(128, 200, true, NoiseModel::poisson, "float", 1e-5); }
TEST(MaximumLikelihoodCuda, TwoModesAgreeWithCpuDouble) {
  run_case(64, 150, false, NoiseModel::gaussian, "double", 1e-9, 0, 2);
}

// Frames streamed from pinned host memory under a 64 MiB cap (resident, 400 frames of 128 x 128
// need 157 MiB of coefficients and amplitudes) against the same run with the frames on the GPU.
TEST(MaximumLikelihoodCuda, StreamedFramesMatchResidentFrames) {
  const PtychoProblem pr = problem(128, 400, true);
  MlOptions o;
  o.iterations = 20;
  const SolverResult resident = reconstruct(pr, "ml", o, Device::cuda(), Precision::single);
  o.device_memory_limit = 64ll << 20;
  const SolverResult streamed = reconstruct(pr, "ml", o, Device::cuda(), Precision::single);
  EXPECT_FALSE(resident.streamed);
  ASSERT_TRUE(streamed.streamed);
  const phasis::testing::Agreement g = agreement(pr, streamed, resident);
  std::printf("streamed (batches of %lld) vs resident: object %.2e probe %.2e error history %.2e\n",
              (long long)streamed.batch_frames, g.object, g.probe, g.error_history);
  EXPECT_LT(g.object, 1e-5);
  EXPECT_LT(g.probe, 1e-5);
  EXPECT_LT(g.error_history, 1e-5);
}

#endif
