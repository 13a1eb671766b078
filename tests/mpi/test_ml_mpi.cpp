// Maximum likelihood over MPI ranks: CTest starts this executable under mpiexec once per rank count
// (test_ml_mpi_np2, test_ml_mpi_np3). Each rank reads its own frames; the gradients and weights
// (one reduction per iteration), the cost and the line search's sums go through MPI, and every
// rank holds the whole object. The result must equal the one process's to float summation order,
// for every partition (ML sums the whole object even where the run offers region exchange).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "dm_agreement.hpp"  // agreement: the object weighted by its illumination, the probe, the errors
#include "errors.hpp"
#include "phasis/comm/mpi.hpp"
#include "phasis/io/cxi.hpp"
#include "phasis/ptycho/distributed.hpp"
#include "phasis/ptycho/ml.hpp"
#include "phasis/ptycho/simulate.hpp"
#include "shared_dir.hpp"
#include "testing.hpp"

using namespace phasis;
using namespace phasis::testing;

namespace {

/// Rank 0 writes a simulated photon-counting scan (10^3 photons per 64 x 64 frame) at `path`;
/// every rank returns once it exists.
void simulate_to(const std::string& path) {
  if (comm::Mpi().rank() == 0) {
    SimulationOptions so;
    so.frame_size = 64;
    so.positions = 120;
    so.initial_probe = "model";
    so.poisson = true;
    so.photons = 1e3;
    PtychoData d;
    PtychoTruth t;
    simulate(so, d, t);
    write_cxi(path, d, nullptr);
  }
  comm::Mpi().barrier();
}

void check_ranks_match(NoiseModel noise, double smoothness) {
  const int ranks = comm::Mpi().size();
  ASSERT_GT(ranks, 1) << "start under mpiexec with 2 or more ranks";
  SharedDir dir;
  const std::string cxi = dir.file("sim.cxi");
  simulate_to(cxi);
  MlOptions o;
  o.iterations = 20;
  o.noise = noise;
  o.object_smoothness = smoothness;
  // The one-process run the ranks must reproduce.
  const PtychoProblem whole = make_problem(CxiReader(cxi).read_all());
  const SolverResult ref = reconstruct(whole, "ml", o, Device::cpu(), Precision::single);
  struct Case {
    const char* partition;
    const char* reduce;
  };
  for (Case c : {Case{"spatial", "whole"}, Case{"interleaved", "whole"}, Case{"spatial", "regions"}}) {
    DistributedOptions dist;
    dist.partition = c.partition;
    dist.reduce = c.reduce;
    const DistributedRun run = reconstruct_distributed(cxi, "ml", o, Device::cpu(), Precision::single, dist);
    EXPECT_EQ(run.parts, ranks);
    EXPECT_EQ(run.result.algorithm, "ml");
    ASSERT_EQ(run.result.fourier_error.size(), ref.fourier_error.size());
    const Agreement g = agreement(whole, run.result, ref);
    const double unweighted = relative_l2(run.result.object, ref.object);
    if (run.writer)
      std::printf("%d ranks, noise %d, smoothness %g, %s, %s: object %.2e (unweighted %.2e), probe %.2e, errors %.2e "
                  "from the single process\n",
                  ranks, int(noise), smoothness, c.partition, c.reduce, g.object, unweighted, g.probe, g.error_history);
    // Only the order of float sums differs. The object is weighted by its illumination (what the
    // data determine, as in the CPU-GPU comparison): with the Poisson model the pixels at the scan's
    // edge that frames barely touch move most with rounding (unweighted up to 5e-6 with 3 ranks).
    // Measured weighted: object up to 9e-7, probe 4e-7, errors 1e-8 (float against double in one
    // process: 3e-7, 1e-7, 2e-8).
    EXPECT_LT(g.object, 1e-5) << c.partition << ", " << c.reduce;
    EXPECT_LT(g.probe, 1e-5) << c.partition << ", " << c.reduce;
    EXPECT_LT(g.error_history, 1e-6) << c.partition << ", " << c.reduce;
  }
}

}  // namespace

TEST(MaximumLikelihoodMpi, PoissonRanksMatchTheSingleProcess) { check_ranks_match(NoiseModel::poisson, 0); }
TEST(MaximumLikelihoodMpi, GaussianWithSmoothnessRanksMatchTheSingleProcess) {
  check_ranks_match(NoiseModel::gaussian, 0.01);
}
