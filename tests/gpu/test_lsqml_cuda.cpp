// CPU and CUDA runs of the same LSQML reconstruction agree to float rounding: both draw the same
// frame order from the seed and start from the same object and probe, so no ambiguity is removed.
// Compared (dm_agreement.hpp): the object weighted by its illumination, the probe, the error
// history. The solver is one template over the backends; the FFTs (FFTW, cuFFT), the order of the
// sums (OpenMP against CUDA reductions, the gathered object sums' atomic chunks on small objects)
// and the host's reads of the per-frame sums (in double on both) are what differ. On the CPU alone,
// float against double parts by 1e-7 to 4e-7 over these runs (tests/unit/test_lsqml.cpp,
// FloatAndDoubleAgree); the float bar leaves about 100x for cuFFT against FFTW.
#include <gtest/gtest.h>

#include <cstdio>

#include "dm_agreement.hpp"
#include "phasis/ptycho/lsqml.hpp"
#include "phasis/ptycho/reconstruct.hpp"

using namespace phasis;
using phasis::testing::agreement;

#if PHASIS_HAVE_CUDA

namespace {

/// `poisson`: photon-counting data (at the simulation's 10^6 photons per frame); else noise-free.
void run_case(bool poisson, NoiseModel noise, int64_t mini_batch, Precision precision, double tol, int probe_modes = 1) {
  const PtychoProblem pr = phasis::testing::simulated_problem(64, 150, poisson, probe_modes);
  LsqmlOptions o;
  o.iterations = 30;
  o.noise = noise;
  o.mini_batch = mini_batch;
  o.probe_modes = probe_modes;
  o.seed = 5;
  const SolverResult cpu = reconstruct(pr, "lsqml", o, Device::cpu(), precision);
  const SolverResult gpu = reconstruct(pr, "lsqml", o, Device::cuda(), precision);
  EXPECT_EQ(gpu.device, "cuda");
  const phasis::testing::Agreement g = agreement(pr, gpu, cpu);
  std::printf("lsqml noise %d batch %lld %s K=%d: object %.2e probe %.2e error history %.2e\n", int(noise),
              (long long)mini_batch, precision == Precision::single ? "float" : "double", probe_modes, g.object, g.probe,
              g.error_history);
  EXPECT_LT(g.object, tol);
  EXPECT_LT(g.probe, tol);
  EXPECT_LT(g.error_history, tol);
}

}  // namespace

TEST(LsqmlCuda, PoissonAgreesWithCpuFloat) { run_case(true, NoiseModel::poisson, 10, Precision::single, 1e-4); }
TEST(LsqmlCuda, GaussianAgreesWithCpuFloat) { run_case(false, NoiseModel::gaussian, 10, Precision::single, 1e-4); }
TEST(LsqmlCuda, LargeBatchAgreesWithCpuFloat) { run_case(true, NoiseModel::poisson, 64, Precision::single, 1e-4); }
TEST(LsqmlCuda, PoissonAgreesWithCpuDouble) { run_case(true, NoiseModel::poisson, 10, Precision::double_, 1e-9); }
TEST(LsqmlCuda, TwoProbeModesAgreeWithCpuDouble) {
  run_case(false, NoiseModel::gaussian, 8, Precision::double_, 1e-9, 2);
}

#endif
