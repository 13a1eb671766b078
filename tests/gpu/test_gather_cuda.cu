// The CUDA gather of the object sums (CudaBackend::gather_add, gather_add_sum) against the CPU's,
// on planes small enough that the GPU splits each tile's frames into chunks joined by atomic adds,
// and with one chunk per tile (the path of large planes, forced here through gather_blocks).
// Double precision: the two differ only in the order of additions, so 1e-12 holds.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <utility>
#include <vector>

#include "backend/cuda.cuh"
#include "backend/tile_frames.hpp"
#include "ptycho/dm/dm_kernels.hpp"

using namespace phasis;

namespace {

/// The backend of GPU 0, made once (a stream and scratch) and never destroyed: a static's
/// destructor would run after the CUDA runtime has begun to unload.
const CudaBackend& cuda_backend() {
  static const CudaBackend* backend = new CudaBackend(Device::cuda());
  return *backend;
}

struct Case {
  int64_t n = 90, m = 40, h = 150, w = 170;
  Array<int32_t> offsets{Shape{90, 2}};
  Array<Complex<double>> probe{Shape{40 * 40}}, object{Shape{150 * 170}}, psi{Shape{90 * 40 * 40}}, buf{Shape{90 * 40 * 40}};
  Case() {
    std::mt19937 rng(11);
    std::uniform_real_distribution<double> u(-1, 1);
    std::uniform_int_distribution<int> oy(0, int(h - m)), ox(0, int(w - m));
    for (int64_t j = 0; j < n; ++j) offsets[2 * j] = oy(rng), offsets[2 * j + 1] = ox(rng);
    for (auto* a : {&probe, &object, &psi, &buf})
      for (int64_t i = 0; i < a->size(); ++i) (*a)[i] = {u(rng), u(rng)};
  }
  model::Geometry geometry() const { return {m, m * m, 1, 1, h, w}; }
};

double max_difference(const Array<Complex<double>>& a, const Array<Complex<double>>& b) {
  double d = 0;
  for (int64_t i = 0; i < a.size(); ++i) d = std::max({d, std::abs(a[i].re - b[i].re), std::abs(a[i].im - b[i].im)});
  return d;
}

void compare(int64_t gather_blocks) {
  const int64_t saved = CudaBackend::gather_blocks;
  CudaBackend::gather_blocks = gather_blocks;
  Case c;
  const model::Geometry g = c.geometry();
  const TileFrames host_tiles(c.offsets, c.m, c.h, c.w, Memory::host), dev_tiles(c.offsets, c.m, c.h, c.w, Memory::device);
  const auto d_off = c.offsets.to(Memory::device);
  const auto d_probe = c.probe.to(Memory::device), d_object = c.object.to(Memory::device), d_buf = c.buf.to(Memory::device);
  auto d_psi = c.psi.to(Memory::device);
  Array<Complex<double>> num(Shape{c.h * c.w}), d_num(Shape{c.h * c.w}, Memory::device);
  Array<double> den(Shape{c.h * c.w}), d_den(Shape{c.h * c.w}, Memory::device);
  num.zero(), den.zero(), d_num.zero(), d_den.zero();
  // Two batches, as a streamed or batched run gives them.
  for (int64_t j0 : {0, 37}) {
    const int64_t nb = j0 == 0 ? 37 : c.n - 37;
    CpuBackend().gather_add<double>(host_tiles.view(c.offsets.data()), 1, j0, nb,
                                   model::ObjectTermsSingle<double>{c.psi.data() + j0 * g.pix, c.probe.data(), c.offsets.data() + 2 * j0, g},
                                   num.data(), den.data());
    cuda_backend().gather_add<double>(dev_tiles.view(d_off.data()), 1, j0, nb,
                                    model::ObjectTermsSingle<double>{d_psi.data() + j0 * g.pix, d_probe.data(), d_off.data() + 2 * j0, g},
                                    d_num.data(), d_den.data());
  }
  EXPECT_LT(max_difference(num, d_num.to(Memory::host)), 1e-12);
  const Array<double> den_back = d_den.to(Memory::host);
  for (int64_t i = 0; i < den.size(); ++i) ASSERT_NEAR(den[i], den_back[i], 1e-12) << i;

  // The fused exit update: every exit-wave element written once, the same error sum.
  num.zero(), den.zero(), d_num.zero(), d_den.zero();
  auto psi = c.psi.to(Memory::host);
  const CpuBackend cpu;
  auto cpu_sums = cpu.sums(1);
  cpu.gather_add_sum<double>(
      host_tiles.view(c.offsets.data()), 1, 0, c.n,
      dm::UpdateExitScatterSingle<double>{psi.data(), c.buf.data(), c.probe.data(), c.object.data(), c.offsets.data(), g},
      num.data(), den.data(), cpu_sums, 0);
  const double e_cpu = cpu_sums.read()[0];
  // On the GPU into the second of two slots, twice over half the frames each: the sums add up on
  // the device and come back in one read.
  auto gpu_sums = cuda_backend().sums(2);
  const int64_t half = c.n / 2;
  for (auto [j0, nb] : {std::pair<int64_t, int64_t>{0, half}, {half, c.n - half}})
    cuda_backend().gather_add_sum<double>(
        dev_tiles.view(d_off.data()), 1, j0, nb,
        dm::UpdateExitScatterSingle<double>{d_psi.data() + j0 * g.pix, d_buf.data() + j0 * g.pix, d_probe.data(),
                                            d_object.data(), d_off.data() + 2 * j0, g},
        d_num.data(), d_den.data(), gpu_sums, 1);
  const auto gpu_read = gpu_sums.read();
  EXPECT_EQ(gpu_read[0], 0.0);
  const double e_gpu = gpu_read[1];
  EXPECT_NEAR(e_gpu, e_cpu, 1e-12 * e_cpu);
  EXPECT_LT(max_difference(psi, d_psi.to(Memory::host)), 1e-14);
  EXPECT_LT(max_difference(num, d_num.to(Memory::host)), 1e-12);
  CudaBackend::gather_blocks = saved;
}

}  // namespace

TEST(GatherCuda, ChunkedTilesMatchCpu) { compare(2048); }  // 30 tiles: 16 chunks each
TEST(GatherCuda, OneChunkPerTileMatchesCpu) { compare(1); }
