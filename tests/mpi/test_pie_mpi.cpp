// ePIE, rPIE and LSQML over MPI ranks (registered as test_pie_mpi_np2 and _np3): every rank draws the same
// scan-wide frame order, keeps its own frames of each batch, and the batch's sums meet in one
// reduction, so the ranks update the same frames together as one process does. The result must
// equal the single process's to float summation order, for every partition.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

#include "errors.hpp"
#include "phasis/comm/mpi.hpp"
#include "phasis/io/cxi.hpp"
#include "phasis/ptycho/distributed.hpp"
#include "phasis/ptycho/lsqml.hpp"
#include "phasis/ptycho/pie.hpp"
#include "phasis/ptycho/simulate.hpp"
#include "shared_dir.hpp"
#include "testing.hpp"

using namespace phasis;
using namespace phasis::testing;

namespace {

/// Rank 0 writes a simulated scan of 64 x 64 frames (the model probe stored); every rank returns
/// once it exists.
void simulate_to(const std::string& path) {
  if (comm::Mpi().rank() == 0) {
    SimulationOptions so;
    so.frame_size = 64;
    so.positions = 120;
    so.initial_probe = "model";
    PtychoData d;
    PtychoTruth t;
    simulate(so, d, t);
    write_cxi(path, d, nullptr);
  }
  comm::Mpi().barrier();
}

template <class Options>
void ranks_match_single_process(const char* algorithm, int64_t mini_batch, double tol = 1e-5) {
  const int ranks = comm::Mpi().size();
  ASSERT_GT(ranks, 1) << "start under mpiexec with 2 or more ranks";
  SharedDir dir;
  const std::string cxi = dir.file("sim.cxi");
  simulate_to(cxi);
  Options o;
  o.iterations = 15;
  o.mini_batch = mini_batch;
  o.seed = 11;
  // The one-process run: the whole scan through the same solver.
  const SolverResult one =
      reconstruct(make_problem(CxiReader(cxi).read_all()), algorithm, o, Device::cpu(), Precision::single);
  for (const char* partition : {"spatial", "interleaved"}) {
    DistributedOptions dist;
    dist.partition = partition;
    const DistributedRun run = reconstruct_distributed(cxi, algorithm, o, Device::cpu(), Precision::single, dist);
    EXPECT_EQ(run.parts, ranks);
    const double dobj = relative_l2(run.result.object, one.object), dprobe = relative_l2(run.result.probe, one.probe);
    if (run.writer)
      std::printf("%s batch %lld, %d ranks, %s: object %.2e, probe %.2e from the single process\n", algorithm,
                  (long long)mini_batch, ranks, partition, dobj, dprobe);
    // Only the order of float sums differs (each rank's sums, then the reduction); with one frame
    // per batch only its rank adds anything, so the sums are exact. The bar is DM's
    // (test_dm_mpi.cpp), float rounding not amplified thanks to the modulus gain limit.
    EXPECT_LE(dobj, tol) << partition;
    EXPECT_LE(dprobe, tol) << partition;
    ASSERT_EQ(run.result.fourier_error.size(), one.fourier_error.size());
    for (size_t i = 0; i < one.fourier_error.size(); ++i)
      EXPECT_NEAR(run.result.fourier_error[i] / one.fourier_error[i], 1.0, 1e-4) << partition << ", iteration " << i;
  }
}

}  // namespace

// Measured with 2 and 3 ranks: 0 (one frame per batch), 3.4e-7 / 1.6e-7 (rPIE, batches of 10),
// 1.3e-7 / 7.9e-6 (the whole scan: every probe pixel sums 120 frames in float, grouped by rank).
TEST(PieMpi, EpieSequentialRanksMatchTheSingleProcess) { ranks_match_single_process<EpieOptions>("epie", 1, 0.0); }
TEST(PieMpi, RpieMiniBatchRanksMatchTheSingleProcess) { ranks_match_single_process<RpieOptions>("rpie", 10); }
// LSQML's mini-batches are drawn as PIE's (scan-wide order from the seed); its per-frame steps are
// averaged over the batch in a second reduction. The same float bar as rPIE's.
TEST(PieMpi, LsqmlMiniBatchRanksMatchTheSingleProcess) { ranks_match_single_process<LsqmlOptions>("lsqml", 10); }
TEST(PieMpi, EpieWholeScanBatchRanksMatchTheSingleProcess) {
  ranks_match_single_process<EpieOptions>("epie", 0, 3e-5);
}
