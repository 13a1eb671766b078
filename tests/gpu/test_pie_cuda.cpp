// CPU and CUDA runs of the same ePIE and rPIE agree to float rounding: both draw the same frame
// order from the seed and start from the same object and probe, so no ambiguity is removed.
// Compared (dm_agreement.hpp): the object weighted by its illumination, the probe, the error
// history. On the CPU alone, float against double parts by 1e-6 to 1e-5 over these runs
// (tests/accuracy/test_pie.cpp, PieRounding); the bars leave 10x for cuFFT against FFTW and the
// GPU's order of the gathered sums (atomic chunks on small objects).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "dm_agreement.hpp"
#include "phasis/ptycho/pie.hpp"
#include "phasis/ptycho/reconstruct.hpp"

using namespace phasis;
using phasis::testing::agreement;

#if PHASIS_HAVE_CUDA

namespace {

template <class Options>
void run_case(const char* algorithm, int64_t mini_batch, Precision precision, double tol, int probe_modes = 1) {
  const PtychoProblem pr = phasis::testing::simulated_problem(64, 150, false, probe_modes);
  Options o;
  o.iterations = 30;
  o.mini_batch = mini_batch;
  o.probe_modes = probe_modes;
  o.seed = 5;
  const SolverResult cpu = reconstruct(pr, algorithm, o, Device::cpu(), precision);
  const SolverResult gpu = reconstruct(pr, algorithm, o, Device::cuda(), precision);
  EXPECT_EQ(gpu.device, "cuda");
  const phasis::testing::Agreement g = agreement(pr, gpu, cpu);
  std::printf("%s batch %lld %s K=%d: object %.2e probe %.2e error history %.2e\n", algorithm, (long long)mini_batch,
              precision == Precision::single ? "float" : "double", probe_modes, g.object, g.probe, g.error_history);
  EXPECT_LT(g.object, tol);
  EXPECT_LT(g.probe, tol);
  EXPECT_LT(g.error_history, tol);
}

}  // namespace

TEST(PieCuda, EpieSequentialAgreesWithCpuFloat) { run_case<EpieOptions>("epie", 1, Precision::single, 1e-4); }
TEST(PieCuda, RpieSequentialAgreesWithCpuFloat) { run_case<RpieOptions>("rpie", 1, Precision::single, 1e-4); }
TEST(PieCuda, EpieMiniBatchAgreesWithCpuFloat) { run_case<EpieOptions>("epie", 16, Precision::single, 1e-4); }
TEST(PieCuda, RpieMiniBatchAgreesWithCpuFloat) { run_case<RpieOptions>("rpie", 16, Precision::single, 1e-4); }
TEST(PieCuda, RpieMiniBatchAgreesWithCpuDouble) { run_case<RpieOptions>("rpie", 16, Precision::double_, 1e-9); }
TEST(PieCuda, RpieThreeProbeModesAgreesWithCpuDouble) {
  run_case<RpieOptions>("rpie", 8, Precision::double_, 1e-9, 3);
}

#endif
