// bench_ptycho_dm: one Difference Map iteration on the GPU against the device floor, all measured
// in the same run:
//   bandwidth  a device-to-device copy of 2 GiB (bytes read + written over time)
//   fft        cuFFT forward + inverse over every frame, in the batches DM uses
//   floor      36 bytes per pixel over the bandwidth (psi read by the Fourier, object and probe
//              steps and written once: 32 B; amplitudes read once: 4 B) plus the fft time
//   dm         median of 5 iterations after 2 warm-up iterations, for each way of forming the
//              object sums (gather: per object pixel over tile lists, the default; scatter: atomic
//              adds per frame pixel) with the exit update fused with the first object sums (fused
//              yes, the default) and as separate passes (no)
//   fourier    the Fourier pass: cuFFT with the reflection and modulus projection as their own
//              passes (sep), or phasis' fused FFT kernels (fused; one mode, 256 x 256 frames;
//              DmOptions::fused_fourier)
// Data are synthetic (random amplitudes on a Fermat spiral): timing does not depend on them.
//   memory     device memory the solver holds, per frame and per frame and mode
//   start ms   making the solver and its first sums (FFT plans, buffers)
// Usage: bench_ptycho_dm [--modes 1,4,8] [frames x size ...], e.g. bench_ptycho_dm 1000x128 10000x256
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "backend/cuda.cuh"
#include "phasis/comm/local.hpp"
#include "ptycho/dm/difference_map.hpp"
#include "../common/cuda_timing.cuh"
#include "../common/ptycho_synthetic.cuh"

using namespace phasis;
using bench::copy_bandwidth_gbs;
using bench::median;
using bench::Timer;
using bench::synthetic;
using bench::fft_ms;

int main(int argc, char** argv) {
  std::vector<std::pair<int64_t, int64_t>> sizes;
  std::vector<int> modes_list = {1};
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--modes" && i + 1 < argc) {
      modes_list.clear();
      for (const char* p = argv[++i]; *p;) {
        modes_list.push_back(std::atoi(p));
        while (*p && *p != ',') ++p;
        if (*p == ',') ++p;
      }
      continue;
    }
    long long n = 0, m = 0;
    if (std::sscanf(argv[i], "%lldx%lld", &n, &m) != 2 || n < 1 || m < 8) {
      std::fprintf(stderr, "bench_ptycho_dm: expected FRAMESxSIZE (e.g. 10000x256); found '%s'\n", argv[i]);
      return 2;
    }
    sizes.emplace_back(n, m);
  }
  if (sizes.empty()) sizes = {{1000, 128}, {10000, 128}, {40000, 128}, {1000, 256}, {10000, 256}, {40000, 256}};
  cudaDeviceProp prop;
  cudaGetDeviceProperties(&prop, 0);
  const double bw = copy_bandwidth_gbs();
  std::printf("device %s; copy bandwidth %.0f GB/s (read + write)\n", prop.name, bw);
  std::printf("%8s %5s %5s %8s %6s %7s %10s %10s %10s %10s %7s %12s %12s %9s\n", "frames", "size", "modes", "object", "fused", "fourier", "dm ms/it", "fft ms",
              "bytes ms", "floor ms", "ratio", "MiB/frame", "B/px/mode", "start ms");
  for (auto [n, m] : sizes)
    for (int modes : modes_list) {
    try {
      PtychoProblem pr = synthetic(n, m);
      // The floor with K modes: K FFT pairs per frame and the exit-wave bytes K times over.
      const int64_t batch = std::clamp<int64_t>((512ll << 20) / (m * m * 8 * modes), 1, n) * modes;
      const double f_ms = fft_ms(n * modes, m, batch);
      const double bytes_ms = (32.0 * modes + 4.0) * n * m * m / (bw * 1e9) * 1e3;
      const double floor_ms = bytes_ms + f_ms;
      for (const char* fourier : {"sep", "fused"})
      for (bool gather : {true, false})
      for (bool fuse : {true, false}) {  // exit update fused with the first object sums, or not
        const bool fused = fourier[0] == 'f';
        if (fused && modes > 1) continue;  // the solver would take the separate passes anyway
        if (fused && m != 256) continue;
        DmOptions opt;
        opt.fused_fourier = fused;
        opt.object_gather = gather;
        opt.iterations = 1;
        opt.probe_modes = modes;
        opt.fuse_exit_update = fuse;
        size_t free_before = 0, free_after = 0, total = 0;
        cudaMemGetInfo(&free_before, &total);
        comm::Local alone;
        Timer make;
        make.start();
        const CudaBackend backend(Device::cuda());
        dm::DifferenceMap<CudaBackend, float> solver(backend, pr, opt, alone);
        solver.start();
        const double make_ms = make.stop_ms();  // plans, buffers, first sums
        cudaMemGetInfo(&free_after, &total);
        const double held = double(free_before - free_after);
        for (int it = 0; it < 2; ++it) solver.iterate(it + 2);
        backend.synchronize();
        Timer t;
        std::vector<double> ms;
        for (int it = 0; it < 5; ++it) {
          t.start();
          solver.iterate(it + 4);
          ms.push_back(t.stop_ms());
        }
        const double dm_ms = median(ms);
        std::printf("%8lld %5lld %5d %8s %6s %7s %10.2f %10.2f %10.2f %10.2f %7.2f %12.3f %12.2f %9.1f\n", (long long)n, (long long)m,
                    modes, gather ? "gather" : "scatter", fuse ? "yes" : "no", fourier, dm_ms, f_ms, bytes_ms, floor_ms, dm_ms / floor_ms,
                    held / n / (1 << 20), held / (double(n) * m * m * modes), make_ms);
        std::fflush(stdout);
      }
    } catch (const std::exception& e) {
      std::printf("%8lld %5lld %5d  failed: %s\n", (long long)n, (long long)m, modes, e.what());
    }
    }
  return 0;
}
