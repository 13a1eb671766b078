// bench_ptycho_solvers: one iteration of every registered ptychography solver on the GPU (float,
// one mode) against the device floor bench_ptycho_dm uses, measured in the same run: a 2 GiB
// device copy (bandwidth) and cuFFT over every frame in 512 MiB batches; the floor is 36 bytes per
// pixel over the bandwidth plus the FFT time (what DM must at least read, write and transform).
// Each solver runs with its own default options (default_solver_options), through the registry,
// as reconstruct() builds it: median of 5 iterations after 2 warm-up iterations.
// Usage: bench_ptycho_solvers [FRAMESxSIZE] [name[:key=value] ...], e.g.
//   bench_ptycho_solvers 10000x256 dm raar er epie rpie rpie:mini_batch=64 ml
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "../common/cuda_timing.cuh"
#include "../common/ptycho_synthetic.cuh"
#include "backend/cuda.cuh"
#include "phasis/comm/local.hpp"
#include "phasis/ptycho/pie.hpp"
#include "ptycho/driver.hpp"

using namespace phasis;
using bench::copy_bandwidth_gbs;
using bench::median;
using bench::Timer;

namespace {

/// "rpie:mini_batch=64" -> the solver's default options with that field set (the fields a bench
/// varies; others stay at their defaults).
std::unique_ptr<SolverOptions> options_for(const std::string& spec, std::string& name) {
  const std::size_t colon = spec.find(':');
  name = spec.substr(0, colon);
  std::unique_ptr<SolverOptions> o = default_solver_options(name);
  if (colon == std::string::npos) return o;
  const std::string kv = spec.substr(colon + 1);
  const std::size_t eq = kv.find('=');
  const std::string key = kv.substr(0, eq);
  const double value = std::atof(kv.substr(eq + 1).c_str());
  if (auto* pie = dynamic_cast<PieOptions*>(o.get()); pie && key == "mini_batch") pie->mini_batch = int64_t(value);
  else throw InputError("bench: expected mini_batch=N for a PIE solver; found '" + kv + "'");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t n = 10000, m = 256;
  std::vector<std::string> specs;
  for (int i = 1; i < argc; ++i) {
    long long a = 0, b = 0;
    if (std::sscanf(argv[i], "%lldx%lld", &a, &b) == 2 && a > 0 && b >= 8) n = a, m = b;
    else specs.emplace_back(argv[i]);
  }
  if (specs.empty()) specs = solver_names();
  cudaDeviceProp prop;
  cudaGetDeviceProperties(&prop, 0);
  const double bw = copy_bandwidth_gbs();
  const PtychoProblem pr = bench::synthetic(n, m);
  const int64_t batch = std::clamp<int64_t>((512ll << 20) / (m * m * 8), 1, n);
  const double f_ms = bench::fft_ms(n, m, batch), bytes_ms = 36.0 * n * m * m / (bw * 1e9) * 1e3;
  const double floor_ms = f_ms + bytes_ms;
  std::printf("device %s; copy bandwidth %.0f GB/s; %lld frames of %lld x %lld; floor %.2f ms (fft %.2f + bytes %.2f)\n",
              prop.name, bw, (long long)n, (long long)m, (long long)m, floor_ms, f_ms, bytes_ms);
  std::printf("%-22s %10s %8s %10s\n", "solver", "ms/it", "x floor", "start ms");
  for (const std::string& spec : specs) {
    try {
      std::string name;
      std::unique_ptr<SolverOptions> opt = options_for(spec, name);
      comm::Local alone;
      Timer make;
      make.start();
      const CudaBackend backend(Device::cuda());
      std::unique_ptr<Solver<CudaBackend, float>> solver = make_solver<CudaBackend, float>(name, backend, pr, *opt, alone);
      solver->start();
      const double make_ms = make.stop_ms();
      for (int it = 0; it < 2; ++it) solver->iterate(it + 2);
      backend.synchronize();
      Timer t;
      std::vector<double> ms;
      for (int it = 0; it < 5; ++it) {
        t.start();
        solver->iterate(it + 4);
        backend.synchronize();
        ms.push_back(t.stop_ms());
      }
      const double it_ms = median(ms);
      std::printf("%-22s %10.2f %8.2f %10.1f\n", spec.c_str(), it_ms, it_ms / floor_ms, make_ms);
    } catch (const std::exception& e) {
      std::printf("%-22s failed: %s\n", spec.c_str(), e.what());
    }
    std::fflush(stdout);
  }
  return 0;
}
