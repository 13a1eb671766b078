// bench_ptycho_noise: phase RMSE against the known truth for every solver (or chain) on simulated
// Poisson data at several photon counts per frame, after a fixed number of iterations, on the CPU.
// Every solver runs with its own default options (default_solver_options) and the same start;
// "dm+relax" is DM with its power bound at the noise level (fourier_relax = 1).
// Usage: bench_ptycho_noise [--iterations N] [--photons 1e3,1e4] [solver or chain ...], e.g.
//   bench_ptycho_noise --iterations 100 dm dm+relax raar er epie rpie ml dm:50,ml:50
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "phasis/core/error.hpp"
#include "phasis/ptycho/compare.hpp"
#include "phasis/ptycho/dm.hpp"
#include "phasis/ptycho/problem.hpp"
#include "phasis/ptycho/reconstruct.hpp"
#include "phasis/ptycho/simulate.hpp"

using namespace phasis;

namespace {

/// "dm:50,ml:50" or a name (with `iterations`); "dm+relax": DM with fourier_relax = 1.
SolverChain chain_for(const std::string& spec, int iterations) {
  const bool relax = spec == "dm+relax";
  SolverChain chain;
  for (const auto& [name, count] : parse_chain(relax ? "dm" : spec, iterations)) {
    std::shared_ptr<SolverOptions> o = default_solver_options(name);
    o->iterations = count;
    if (relax) dynamic_cast<DmOptions&>(*o).fourier_relax = 1;
    chain.push_back({name, std::move(o)});
  }
  return chain;
}

}  // namespace

int main(int argc, char** argv) {
  int iterations = 100;
  std::vector<double> photons = {1e3, 1e4};
  std::vector<std::string> specs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--iterations" && i + 1 < argc) {
      iterations = std::atoi(argv[++i]);
    } else if (a == "--photons" && i + 1 < argc) {
      photons.clear();
      for (const char* p = argv[++i]; *p;) {
        photons.push_back(std::atof(p));
        while (*p && *p != ',') ++p;
        if (*p == ',') ++p;
      }
    } else {
      specs.push_back(a);
    }
  }
  if (specs.empty()) {
    specs = solver_names();
    specs.insert(specs.begin() + 1, "dm+relax");
  }
  std::printf("%-18s", "solver");
  for (double ph : photons) std::printf(" %14.0e", ph);
  std::printf("   (phase RMSE in rad after %d iterations; 64 x 64 frames, 150 positions, Poisson)\n", iterations);
  for (const std::string& spec : specs) {
    std::printf("%-18s", spec.c_str());
    for (double ph : photons) {
      try {
        SimulationOptions so;
        so.frame_size = 64;
        so.positions = 150;
        so.poisson = true;
        so.photons = ph;
        PtychoData data;
        PtychoTruth truth;
        simulate(so, data, truth);
        Array<int64_t> pos = positions_in_pixels(data.translations, data.geometry.object_pixel_y_m(64),
                                                 data.geometry.object_pixel_x_m(64));
        for (int64_t j = 0; j < pos.shape()[0]; ++j)
          pos[2 * j] -= int64_t(truth.origin_y), pos[2 * j + 1] -= int64_t(truth.origin_x);
        const PtychoProblem pr = make_problem(std::move(data));
        const SolverResult r = reconstruct(pr, chain_for(spec, iterations), Device::cpu(), Precision::single);
        const Array<uint8_t> region = illuminated_region(truth.probe, pos, truth.object.shape()[0], truth.object.shape()[1]);
        const CompareResult c =
            compare_objects(r.object, pr.origin_y, pr.origin_x, truth.object, truth.origin_y, truth.origin_x, region);
        std::printf(" %14.4f", c.phase_rmse);
      } catch (const std::exception& e) {
        std::printf("  failed: %s", e.what());
      }
      std::fflush(stdout);
    }
    std::printf("\n");
  }
  return 0;
}
