// CPU and CUDA runs of the same 50-iteration Difference Map agree to float32 rounding.
// Compared: the object weighted by its illumination sum_j |P(r - r_j)|^2 (what the data
// determine: unilluminated pixels keep their start value on both), the probe, and the error
// history. Both runs start from the same state, so no ambiguity is removed.
// Before the modulus gain limit (DmOptions::modulus_gain_limit), sparse single-mode scans in float
// parted to 1.5e-4 to 2.7e-4: the exact projection blows the rounding-decided phase of a nearly
// vanishing Fourier amplitude up to full size, and DM's early iterations amplified the ~1e-7
// differences of cuFFT and FFTW by ~10^3 (float against double on the CPU alone did the same).
// With the default limit of 2, float against double on the CPU stays at 5e-7 through 70
// iterations, so every case here, the sparse ones included, must agree to 1e-4.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>

#include "phasis/ptycho/dm.hpp"
#include "phasis/ptycho/reconstruct.hpp"
#include "phasis/ptycho/simulate.hpp"
#include "dm_agreement.hpp"

using namespace phasis;
using phasis::testing::agreement;

#if PHASIS_HAVE_CUDA

namespace {

PtychoProblem problem(int64_t m, int64_t positions, bool poisson, int64_t modes = 1) {
  return phasis::testing::simulated_problem(m, positions, poisson, modes);
}

void run_case(int64_t m, int64_t positions, bool poisson, const std::string& precision, double tol,
              double fourier_relax = 0, int modes = 1) {
  PtychoProblem pr = problem(m, positions, poisson, modes);
  DmOptions o;
  o.iterations = 50;
  o.probe_modes = modes;
  o.fourier_relax = fourier_relax;
  DmResult cpu = run_dm(pr, o, Device::cpu(), parse_precision(precision)), gpu = run_dm(pr, o, Device::cuda(), parse_precision(precision));
  const phasis::testing::Agreement g = agreement(pr, gpu, cpu);
  std::printf("%s M=%lld N=%lld K=%d %s: object %.2e probe %.2e error history %.2e\n", precision.c_str(),
              (long long)m, (long long)positions, modes, poisson ? "poisson" : "noise-free", g.object, g.probe,
              g.error_history);
  EXPECT_LT(g.object, tol);
  EXPECT_LT(g.probe, tol);
  EXPECT_LT(g.error_history, tol);
}

}  // namespace

TEST(DifferenceMapCuda, AgreesWithCpuFloat) { run_case(64, 150, false, "float", 1e-4); }
TEST(DifferenceMapCuda, AgreesWithCpuDouble) { run_case(64, 150, false, "double", 1e-6); }
TEST(DifferenceMapCuda, AgreesWithCpuLargerFrames) { run_case(128, 400, false, "float", 1e-4); }
TEST(DifferenceMapCuda, AgreesWithCpuDenseScan) { run_case(64, 400, false, "float", 1e-4); }
TEST(DifferenceMapCuda, AgreesWithCpuPoissonPowerBound) { run_case(64, 150, true, "float", 1e-4, 1.0); }
TEST(DifferenceMapCuda, AgreesWithCpuThreeModesDouble) { run_case(64, 200, false, "double", 1e-6, 0, 3); }
TEST(DifferenceMapCuda, AgreesWithCpuPoissonExactProjection) { run_case(64, 150, true, "float", 1e-4); }
TEST(DifferenceMapCuda, AgreesWithCpuThreeModesFloat) { run_case(64, 200, false, "float", 1e-4, 0, 3); }

#endif

#if PHASIS_HAVE_CUDA
// Frames streamed from pinned host memory under a 64 MiB cap (resident they need 78 MiB plus the
// 512 MiB Fourier batch) against the same run with the frames on the GPU.
TEST(DifferenceMapCuda, StreamedFramesMatchResidentFrames) {
  PtychoProblem pr = problem(128, 400, false);
  DmOptions o;
  o.iterations = 50;
  const DmResult resident = run_dm(pr, o, Device::cuda(), Precision::single);
  o.device_memory_limit = 64ll << 20;
  const DmResult streamed = run_dm(pr, o, Device::cuda(), Precision::single);
  EXPECT_FALSE(resident.streamed);
  ASSERT_TRUE(streamed.streamed);
  const phasis::testing::Agreement g = agreement(pr, streamed, resident);
  std::printf("streamed (batches of %lld) vs resident: object %.2e probe %.2e error history %.2e\n",
              (long long)streamed.batch_frames, g.object, g.probe, g.error_history);
  // Only the order of atomic adds differs (as between two resident runs).
  EXPECT_LT(g.object, 1e-5);
  EXPECT_LT(g.probe, 1e-5);
  EXPECT_LT(g.error_history, 1e-5);
}
#endif

#if PHASIS_HAVE_CUDA
// The fused exit update and object scatter (DmOptions::fuse_exit_update, the default) against the
// separate passes on the GPU, resident and streamed, one and three probe modes. The same terms
// reach the object sums, so only the order of atomic adds differs (as between two resident runs).
namespace {
void fused_case(int modes, bool stream) {
  PtychoProblem pr = problem(64, 200, false, modes);
  DmOptions o;
  o.iterations = 50;
  o.probe_modes = modes;
  o.stream_frames = stream;
  o.batch_frames = stream ? 48 : 0;
  o.fuse_exit_update = false;
  const DmResult separate = run_dm(pr, o, Device::cuda(), Precision::single);
  o.fuse_exit_update = true;
  const DmResult fused = run_dm(pr, o, Device::cuda(), Precision::single);
  EXPECT_EQ(fused.streamed, stream);
  const phasis::testing::Agreement g = agreement(pr, fused, separate);
  std::printf("K=%d %s: fused vs separate: object %.2e probe %.2e error history %.2e\n", modes,
              stream ? "streamed" : "resident", g.object, g.probe, g.error_history);
  EXPECT_LT(g.object, 1e-5);
  EXPECT_LT(g.probe, 1e-5);
  EXPECT_LT(g.error_history, 1e-5);
}
}  // namespace

TEST(DifferenceMapCuda, FusedExitUpdateMatchesSeparatePasses) { fused_case(1, false); }
TEST(DifferenceMapCuda, FusedExitUpdateMatchesSeparatePassesStreamed) { fused_case(1, true); }
TEST(DifferenceMapCuda, FusedExitUpdateMatchesSeparatePassesThreeModes) { fused_case(3, false); }
#endif

#if PHASIS_HAVE_CUDA
// The Fourier pass in phasis' fused 256 x 256 FFT kernels (DmOptions::fused_fourier,
// dm_fused_fourier.hpp) against cuFFT with the separate passes, both on the GPU, with the same
// per-pixel functions, so only the FFT kernels and the compiler's contractions differ. Streamed in
// batches, the tail batch runs too. Three modes and the power bound take the separate passes (the
// strategy is chosen once: DmResult::fourier_path says which ran, and the test asserts it).
namespace {
void variant_case(bool DmOptions::*variant, const char* name, int64_t m, int64_t frames, int modes, bool stream,
                  double fourier_relax, const char* expected_path) {
  PtychoProblem pr = problem(m, frames, fourier_relax > 0, modes);
  DmOptions o;
  o.iterations = 50;
  o.probe_modes = modes;
  o.fourier_relax = fourier_relax;
  o.stream_frames = stream;
  o.batch_frames = stream ? frames / 4 + 1 : 0;
  o.fused_fourier = false;
  const DmResult separate = run_dm(pr, o, Device::cuda(), Precision::single);
  o.*variant = true;
  const DmResult other = run_dm(pr, o, Device::cuda(), Precision::single);
  EXPECT_EQ(separate.fourier_path, "separate");
  EXPECT_EQ(other.fourier_path, expected_path);  // the fast path ran where it applies
  const phasis::testing::Agreement g = agreement(pr, other, separate);
  std::printf("m=%lld K=%d %s relax %.1f: %s vs separate: object %.2e probe %.2e error history %.2e\n", (long long)m,
              modes, stream ? "streamed" : "resident", fourier_relax, name, g.object, g.probe, g.error_history);
  EXPECT_LT(g.object, 1e-5);
  EXPECT_LT(g.probe, 1e-5);
  EXPECT_LT(g.error_history, 1e-5);
}
void fused_fourier_case(int modes, bool stream, double relax) {
  const bool applies = modes == 1 && relax == 0;
  variant_case(&DmOptions::fused_fourier, "fused fourier", 256, 60, modes, stream, relax,
               applies ? "fused 256" : "separate");
}
}  // namespace

TEST(DifferenceMapCuda, FusedFourierMatchesSeparatePasses) { fused_fourier_case(1, false, 0); }
TEST(DifferenceMapCuda, FusedFourierMatchesSeparatePassesStreamed) { fused_fourier_case(1, true, 0); }
TEST(DifferenceMapCuda, FusedFourierFallsBackWithTwoModes) { fused_fourier_case(2, false, 0); }
TEST(DifferenceMapCuda, FusedFourierFallsBackWithPowerBound) { fused_fourier_case(1, false, 1.0); }
// The default CUDA run at 256 x 256 takes the fused kernels: against the CPU (FFTW).
TEST(DifferenceMapCuda, AgreesWithCpuFusedFourier256) { run_case(256, 60, false, "float", 1e-4); }
#endif

#if PHASIS_HAVE_CUDA
// A checkpoint's state (SolverOptions::checkpoint: exit waves from device memory, resident and
// streamed) resumed on the GPU ends where the uninterrupted GPU run does, to the order of atomic
// adds (as between two resident runs); a CPU checkpoint resumed on the GPU ends where the CPU run
// does, to float32 rounding (the CPU-GPU bar above).
namespace {
std::shared_ptr<SolverStart> copy_state(const SolverStart& s) {
  auto c = std::make_shared<SolverStart>();
  c->object = s.object.to(Memory::host), c->probe = s.probe.to(Memory::host), c->exit_waves = s.exit_waves.to(Memory::host);
  c->occupancy = s.occupancy, c->stage = s.stage, c->iteration = s.iteration, c->errors = s.errors, c->seconds = s.seconds;
  return c;
}
SolverChain dm_chain(const DmOptions& base, std::shared_ptr<const CheckpointPolicy> policy, std::shared_ptr<const SolverStart> start) {
  auto o = std::make_shared<DmOptions>(base);
  o->checkpoint = std::move(policy);
  o->start = std::move(start);
  return SolverChain{{"dm", o}};
}
void resume_case(bool stream, int modes) {
  PtychoProblem pr = problem(64, 200, false, modes);
  DmOptions o;
  o.iterations = 40;
  o.probe_modes = modes;
  o.stream_frames = stream;
  o.batch_frames = stream ? 48 : 0;
  std::shared_ptr<SolverStart> gpu_state, cpu_state;
  auto keep = [](std::shared_ptr<SolverStart>& into) {
    auto p = std::make_shared<CheckpointPolicy>();
    p->every = 15;
    p->write = [&into](const SolverStart& s) { if (s.iteration == 15) into = copy_state(s); };
    return p;
  };
  const DmResult gpu = reconstruct(pr, dm_chain(o, keep(gpu_state), nullptr), Device::cuda(), Precision::single);
  const DmResult cpu = reconstruct(pr, dm_chain(o, keep(cpu_state), nullptr), Device::cpu(), Precision::single);
  ASSERT_TRUE(gpu_state && cpu_state);
  ASSERT_GT(gpu_state->exit_waves.size(), 0);
  const DmResult gpu_resumed = reconstruct(pr, dm_chain(o, nullptr, gpu_state), Device::cuda(), Precision::single);
  const DmResult cpu_on_gpu = reconstruct(pr, dm_chain(o, nullptr, cpu_state), Device::cuda(), Precision::single);
  const phasis::testing::Agreement same = agreement(pr, gpu_resumed, gpu), across = agreement(pr, cpu_on_gpu, cpu);
  std::printf("K=%d %s: resumed at 15 of 40 on the GPU vs uninterrupted: object %.2e probe %.2e error %.2e; "
              "CPU checkpoint resumed on the GPU vs the CPU run: object %.2e probe %.2e error %.2e\n", modes,
              stream ? "streamed" : "resident", same.object, same.probe, same.error_history, across.object, across.probe,
              across.error_history);
  EXPECT_EQ(gpu_resumed.fourier_error.size(), 40u);
  EXPECT_LT(same.object, 1e-5);
  EXPECT_LT(same.probe, 1e-5);
  EXPECT_LT(same.error_history, 1e-5);
  EXPECT_LT(across.object, 1e-4);
  EXPECT_LT(across.probe, 1e-4);
  EXPECT_LT(across.error_history, 1e-4);
}
}  // namespace
TEST(DifferenceMapCuda, ResumedCheckpointMatchesTheUninterruptedRun) { resume_case(false, 1); }
TEST(DifferenceMapCuda, ResumedCheckpointOfStreamedModesMatchesTheUninterruptedRun) { resume_case(true, 3); }
#endif
