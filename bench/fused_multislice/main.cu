// bench_fused_multislice: the fused 512 x 512 multislice kernels (fft512_cuda.cuh,
// fused_multislice.cu) against the device floor, all measured in the same run:
//   bandwidth  a device-to-device copy of 2 GiB (bytes read + written over time)
//   passes     each kind of pass over a batch of B waves (default 196, the benchmark's 14 x 14
//              probes), for each block shape: ms, GB/s and the share of the copy bandwidth
//   sequence   fused_propagate_to_readings (probes made in the first pass, 4 slices, one annular
//              detector: 9 passes) over the batch, run in chunks of c waves one after another
//              (small chunks stay in the GPU's L2 cache between passes); its floor counts only the
//              column groups it reads and writes (probe spectrum, antialiasing aperture); and the
//              same told that every column holds a value (16 batch-sized transfers)
//   cufft      cuFFT's forward 2D transform of the batch, for reference (its floor: 2 transfers)
// Data are synthetic (unit-modulus transmissions, the propagator and probe spectrum of the
// benchmark's 200 keV, 20 mrad probe and 2.04 Angstrom slices): timing does not depend on them.
// Usage: bench_fused_multislice [B]
#include <cufft.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <vector>

#include "../common/cuda_timing.cuh"
#include "backend/cuda.cuh"
#include "fft/fft512_cuda.cuh"
#include "phasis/multislice/detectors.hpp"
#include "phasis/multislice/energy.hpp"
#include "multislice/fused_multislice.hpp"
#include "phasis/multislice/waves.hpp"

using namespace phasis;
using C = Complex<float>;

namespace {

/// The backend of GPU 0, made once (a stream and scratch) and never destroyed: a static's
/// destructor would run after the CUDA runtime has begun to unload.
const CudaBackend& cuda_backend() {
  static const CudaBackend* backend = new CudaBackend(Device::cuda());
  return *backend;
}

constexpr int64_t N = fft512::kN;

/// exp(i phase) with a phase that varies over the array.
struct UnitPhases {
  C* out;
  float rate;
  __device__ void operator()(int64_t i) const {
    float s, c;
    sincosf(rate * float(i % 9973), &s, &c);
    out[i] = C(c, s);
  }
};

/// |v|^2 of every point, per block (bench stand-in for a detector).
struct NormSum {
  double* out;
  int count = 1;
  __device__ void term(int, int, C v, float (&acc)[fft512::kSums]) const { acc[0] += norm2(v); }
  __device__ void commit(int64_t wave, int, double total) const { atomicAdd(out + wave, total); }
};

struct Row {
  std::string what;
  double ms, transfers;  // transfers: batch-sized reads + writes
};

}  // namespace

int main(int argc, char** argv) {
  const int64_t batch = argc > 1 ? std::atoll(argv[1]) : 196;
  if (batch < 1) {
    std::fprintf(stderr, "bench_fused_multislice: expected a batch of at least 1 wave; found %s\n", argv[1]);
    return 2;
  }
  cudaDeviceProp prop{};
  cudaGetDeviceProperties(&prop, 0);
  const double bw = bench::copy_bandwidth_gbs();
  const double batch_bytes = double(batch) * N * N * sizeof(C);
  std::printf("device %s; copy bandwidth %.0f GB/s (read + write); batch %lld waves of 512 x 512 (%.0f MB); L2 %d MB\n",
              prop.name, bw, (long long)batch, batch_bytes / 1e6, prop.l2CacheSize >> 20);

  const ms::Grid g = ms::grid_from_gpts(20.39, 20.39, N, N);
  const int64_t ns = 4;
  Array<C> waves(Shape{batch, N, N}, Memory::device), transmissions(Shape{ns, N, N}, Memory::device),
      propagator(Shape{N, N}, Memory::device);
  cuda_backend().for_each(waves.size(), UnitPhases{waves.data(), 0.37f});
  cuda_backend().for_each(transmissions.size(), UnitPhases{transmissions.data(), 0.11f});
  const double k_max = ms::antialias_cutoff(g);  // the benchmark's slices are 2.04 Angstrom thick
  cuda_backend().for_each(propagator.size(), ms::FresnelPropagator<float>{propagator.data(), N, N, g.dy, g.dx,
                                                                        ms::wavelength(ms::ProbeOptions{}.energy) * 2.04, k_max * k_max,
                                                                        1.0 / double(N * N)});
  Array<double> sums(Shape{batch}, Memory::device);

  // The probes: the benchmark's spectrum, at positions on a 14 x 14 grid.
  ms::ProbeOptions po;
  const Array<Complex<double>> s = ms::probe_spectrum(g, po);
  Array<C> spectrum_host(s.shape());
  for (int64_t i = 0; i < s.size(); ++i) spectrum_host[i] = C(float(s[i].re), float(s[i].im));
  const Array<C> spectrum = spectrum_host.to(Memory::device);
  Array<double> xy_host(Shape{batch, 2});
  for (int64_t j = 0; j < batch; ++j) xy_host[2 * j] = 8.156 + 0.291 * double(j % 14), xy_host[2 * j + 1] = 8.156 + 0.291 * double(j / 14 % 14);
  const Array<double> xy = xy_host.to(Memory::device);
  Array<Complex<double>> ramps(Shape{batch, 2 * N}, Memory::device);
  cuda_backend().for_each(batch * 2 * N, ms::ProbeRamps{ramps.data(), xy.data(), N, N, g.dy, g.dx});
  Array<uint8_t> bits(Shape{N, N}, Memory::device);
  const double lambda = ms::wavelength(po.energy);
  ms::AnnularBits f{bits.data(), N, N, g.dy, g.dx, {}, {}, 1};
  f.k_in[0] = 65e-3 / lambda, f.k_out[0] = 200e-3 / lambda;
  cuda_backend().for_each(N * N, f);
  cuda_backend().synchronize();

  std::vector<Row> rows;
  const fft512::Keep keep;
  const auto row_pass = [&](auto rows_per_block) {
    constexpr int R = decltype(rows_per_block)::value;
    const double t = bench::time_ms([&] { fft512::rows<true, true, false, R>(waves.data(), batch * N, keep); });
    rows.push_back({"rows x" + std::to_string(R) + ": inverse, mid, forward", t, 2});
  };
  row_pass(std::integral_constant<int, 4>{});
  row_pass(std::integral_constant<int, 2>{});
  row_pass(std::integral_constant<int, 8>{});
  rows.push_back({"columns x16: forward, mid, inverse",
                  bench::time_ms([&] { fft512::columns<false, true, true, 16>(waves.data(), batch, keep); }), 2});
  rows.push_back({"columns x8: forward, mid, inverse",
                  bench::time_ms([&] { fft512::columns<false, true, true, 8>(waves.data(), batch, keep); }), 2});
  rows.push_back({"columns x4: forward, mid, inverse",
                  bench::time_ms([&] { fft512::columns<false, true, true, 4>(waves.data(), batch, keep); }), 2});
  rows.push_back({"column sums x16: forward, mid, |.|^2",
                  bench::time_ms([&] { fft512::column_sums<false, 16>(waves.data(), batch, keep, NormSum{sums.data()}); }), 1});
  rows.push_back({"column sums x8: forward, mid, |.|^2",
                  bench::time_ms([&] { fft512::column_sums<false, 8>(waves.data(), batch, keep, NormSum{sums.data()}); }), 1});

  ms::FusedSlices slices{transmissions.data(), ns, std::vector<const C*>(std::size_t(ns), propagator.data()),
                         ms::live_column_groups(spectrum_host.data()), ms::aperture_column_groups(g)};
  const double probe_share = __builtin_popcount(slices.live_column_groups) / 32.0,
               aperture_share = __builtin_popcount(slices.aperture_column_groups) / 32.0;
  std::printf("column groups of 16 holding a value: probe spectrum %d of 32, antialiasing aperture %d of 32\n",
              __builtin_popcount(slices.live_column_groups), __builtin_popcount(slices.aperture_column_groups));
  const auto sequence = [&](const ms::FusedSlices& s, int64_t chunk) {
    return bench::time_ms([&] {
      for (int64_t j0 = 0; j0 < batch; j0 += chunk) {
        const int64_t nb = std::min(chunk, batch - j0);
        const ms::ShiftedProbe<float> probes{waves.data() + j0 * N * N, spectrum.data(), ramps.data() + j0 * 2 * N, N, N};
        ms::fused_propagate_to_readings(probes, nb, s, bits.data(), 1, float(N * N), sums.data() + j0, batch);
      }
    });
  };
  // Transfers of the sequence: the probes' pass writes the probe's groups; the first row pass
  // reads them and writes the aperture's; 3 column and row passes read and write the aperture's;
  // the last column pass reads them.
  const double pruned = 2 * probe_share + (1 + 3 * 4 + 1) * aperture_share;
  std::vector<int64_t> chunks{batch};
  for (int64_t c : {98, 49, 14})
    if (c < batch) chunks.push_back(c);
  for (int64_t chunk : chunks)
    rows.push_back({"sequence, chunks of " + std::to_string(chunk), sequence(slices, chunk), pruned});
  ms::FusedSlices every = slices;
  every.live_column_groups = every.aperture_column_groups = fft512::kAllGroups;
  rows.push_back({"sequence, every column", sequence(every, batch), 16});

  cufftHandle plan;
  int n[2] = {int(N), int(N)};
  if (cufftPlanMany(&plan, 2, n, nullptr, 1, 0, nullptr, 1, 0, CUFFT_C2C, int(batch)) == CUFFT_SUCCESS) {
    auto* d = reinterpret_cast<cufftComplex*>(waves.data());
    rows.push_back({"cuFFT forward 2D", bench::time_ms([&] { cufftExecC2C(plan, d, d, CUFFT_FORWARD); }), 2});
    cufftDestroy(plan);
  }
  cuda_backend().synchronize();

  std::printf("%-40s %9s %9s %9s %8s\n", "pass", "ms", "floor ms", "GB/s", "of copy");
  for (const Row& r : rows) {
    const double floor_ms = r.transfers * batch_bytes / (bw * 1e9) * 1e3;
    std::printf("%-40s %9.3f %9.3f %9.0f %7.0f%%\n", r.what.c_str(), r.ms, floor_ms, r.transfers * batch_bytes / (r.ms * 1e6),
                100 * floor_ms / r.ms);
  }
  return 0;
}
