// Streaming input on the GPU: a Difference Map grown in steps (Solver::grown, the frame store
// taken over on the device, only new frames' amplitudes copied in) on CUDA against the same
// growth on the CPU, with iterations between the growths. Separate passes (64 x 64) and the fused
// 256-point Fourier pass (256 x 256, float) both grow. Tolerances as DM's own CPU/GPU tests
// (test_dm_cuda.cpp): float rounding over tens of iterations, 1e-4.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "backend/cpu.hpp"
#include "backend/cuda.cuh"
#include "errors.hpp"
#include "phasis/comm/local.hpp"
#include "phasis/ptycho/simulate.hpp"
#include "ptycho/dm/difference_map.hpp"

using namespace phasis;

namespace {

/// The first n frames of `d` as a problem holding the amplitudes of frames [from, n) only.
PtychoProblem first_frames(const PtychoData& d, int64_t n, int64_t from) {
  const int64_t m = d.intensities.shape()[1];
  PtychoData part;
  part.geometry = d.geometry;
  part.probe = d.probe.to(Memory::host);
  part.intensities = Array<float>(Shape{n, m, m});
  std::copy(d.intensities.data(), d.intensities.data() + n * m * m, part.intensities.data());
  part.translations = Array<double>(Shape{n, 3});
  std::copy(d.translations.data(), d.translations.data() + n * 3, part.translations.data());
  PtychoProblem pr = make_problem(std::move(part));
  Array<float> tail(Shape{n - from, m, m});
  std::copy(pr.amplitudes.data() + from * m * m, pr.amplitudes.data() + n * m * m, tail.data());
  pr.amplitudes = std::move(tail);
  return pr;
}

template <class B>
std::pair<Array<Complex<float>>, Array<Complex<float>>> grow_and_iterate(const PtychoData& d, const Device& device) {
  const B backend(device);
  comm::Local local;
  DmOptions opt;
  opt.probe_start = 2;
  PtychoProblem at = first_frames(d, 12, 0);
  std::unique_ptr<Solver<B, float>> s = dm::make_solver<B, float>(backend, at, opt, local);
  s->start();
  int it = 0;
  for (; it < 5; ++it) s->iterate(it);
  for (int64_t n : {14, 17, 30, 60}) {  // room made, filled, moved, moved
    PtychoProblem next = first_frames(d, n, at.frames);
    s = s->grown(next, std::llround(at.origin_y - next.origin_y), std::llround(at.origin_x - next.origin_x));
    s->start();
    for (int k = 0; k < 5; ++k, ++it) s->iterate(it);
    at = std::move(next);
  }
  return {s->object().to(Memory::host), s->probe().to(Memory::host)};
}

void agree(int64_t m) {
  SimulationOptions so;
  so.frame_size = m;
  so.positions = 60;
  so.initial_probe = "model";
  PtychoData d;
  PtychoTruth t;
  simulate(so, d, t);
  const auto [cpu_o, cpu_p] = grow_and_iterate<CpuBackend>(d, Device::cpu());
  const auto [gpu_o, gpu_p] = grow_and_iterate<CudaBackend>(d, Device::cuda());
  const double eo = phasis::testing::relative_l2(gpu_o, cpu_o), ep = phasis::testing::relative_l2(gpu_p, cpu_p);
  std::printf("grown to 60 frames of %lld^2 in 4 steps, 25 iterations: object %.2e, probe %.2e\n", (long long)m, eo, ep);
  EXPECT_LT(eo, 1e-4);
  EXPECT_LT(ep, 1e-4);
}

}  // namespace

TEST(DmGrownCuda, GrowingOnTheGpuAgreesWithTheCpu) { agree(64); }
TEST(DmGrownCuda, GrowingOnTheFusedFourierPathAgreesWithTheCpu) { agree(256); }
