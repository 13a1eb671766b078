// SPI over MPI ranks: each rank holds its share of the images; the merge's type-1 sums, summed over
// the ranks, equal the sums of one process over all images, and a whole generation gives every
// rank the model one process computes.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "phasis/comm/mpi.hpp"
#include "phasis/spi/dataset.hpp"
#include "phasis/spi/mtip.hpp"
#include "phasis/spi/simulate.hpp"
#include "spi/mtip_steps.hpp"
#include "spi_case.hpp"

using namespace phasis;
using namespace phasis::spi;

namespace {
SpiDataset data(int64_t images) { return phasis::testing::spi_data(images, 24, 2.6e-3); }
// This rank's images of `all`.
SpiImages share(const SpiImages& all, int rank, int parts) {
  const int64_t b = all.count * rank / parts, e = all.count * (rank + 1) / parts;
  SpiImages p = all;
  p.count = e - b, p.first = b, p.total = all.count;
  p.intensities.assign(all.intensities.begin() + b * all.pixels, all.intensities.begin() + e * all.pixels);
  return p;
}
}  // namespace

TEST(SpiMpi, MergeSumsOverRanksEqualOneProcess) {
  comm::Mpi mpi;
  const SpiDataset d = data(90);
  const SpiImages all = valid_pixels(d);
  const double h = 1 / (2 * max_frequency(all));
  const MergeSums one = detail::merge_sums_cpu(16, h, 1e-10, all, d.orientations, 32);
  const SpiImages mine = share(all, mpi.rank(), mpi.size());
  std::vector<Rotation> rot(d.orientations.begin() + mine.first, d.orientations.begin() + mine.first + mine.count);
  MergeSums parts = detail::merge_sums_cpu(16, h, 1e-10, mine, rot, 32);
  mpi.sum(parts.kernel.data(), int64_t(parts.kernel.size()), Memory::host);
  mpi.sum(parts.rhs.data(), int64_t(parts.rhs.size()), Memory::host);
  // Only the order of the sums differs; the NUFFT's error is per point, whatever the batches.
  EXPECT_LT(phasis::testing::relative_l2(parts.kernel, one.kernel), 1e-12);
  EXPECT_LT(phasis::testing::relative_l2(parts.rhs, one.rhs), 1e-12);
}

// The lambda sweep spread over the ranks (each solving every size-th weight from the same sums)
// gives every rank what one process solving all weights gets: the systems are independent, only
// the FFT batch differs (FFTW may pick other codelets: rounding, amplified by CG to far below 1e-8).
TEST(SpiMpi, LambdasOverRanksEqualOneProcess) {
  comm::Mpi mpi;
  const SpiDataset d = data(60);
  const SpiImages all = valid_pixels(d);
  const double h = 1 / (2 * max_frequency(all));
  const MergeSums sums = detail::merge_sums_cpu(16, h, 1e-10, all, d.orientations, 30);
  MergeSettings s;
  s.support_radius = 7;
  const MergeSolution one = merge(sums, {}, s);
  const MergeSolution spread = merge(sums, {}, s, &mpi);
  EXPECT_EQ(spread.chosen, one.chosen);
  EXPECT_EQ(spread.iterations, one.iterations);
  EXPECT_LT(phasis::testing::relative_l2(spread.autocorrelation, one.autocorrelation), 1e-8);
  ASSERT_EQ(spread.misfit.size(), one.misfit.size());
  for (size_t l = 0; l < one.misfit.size(); ++l) {
    EXPECT_NEAR(spread.misfit[l], one.misfit[l], 1e-8 * one.misfit[l]) << l;
    EXPECT_NEAR(spread.deviation[l], one.deviation[l], 1e-8 * one.deviation[l]) << l;
  }
}

// A whole generation (merge and phasing) on every rank. The merge's CG stops at a residual of 1e-5
// of an ill-conditioned system, so any change in the order of the sums moves its result by about
// that tolerance times the condition number: measured 8e-6 between two image batchings of one
// process (with CG to 1e-7 at 600 iterations) and 1.3e-5 at the default tolerance. The ranks must not
// move it by more than ten such reorderings (a sum left out would move it by order one).
TEST(SpiMpi, AGenerationOverRanksEqualsOneProcess) {
  comm::Mpi mpi;
  const SpiDataset d = data(90);
  const SpiImages all = valid_pixels(d);
  MtipSettings s;
  s.generations = 1, s.grid = 16, s.phasing.cycles = 2, s.particle_radius = 11;
  const MtipResult one = reconstruct(all, s);
  const MtipResult parts = reconstruct(share(all, mpi.rank(), mpi.size()), s, nullptr, &mpi);
  MtipSettings reordered = s;
  reordered.image_batch = 7;
  const MtipResult other = reconstruct(all, reordered);
  const double sensitivity = phasis::testing::relative_l2(other.merged, one.merged);
  EXPECT_LT(phasis::testing::relative_l2(parts.merged, one.merged), 10 * sensitivity + 1e-12) << sensitivity;  // np 2: 6.6e-5 vs 1.3e-5
  // The same weight of the L-curve (lambda is a factor times T[0], a single-precision NUFFT's sum
  // in another order: equal to float rounding, measured 1.4e-7 at np 2).
  EXPECT_NEAR(parts.generations[0].lambda, one.generations[0].lambda, 1e-6 * one.generations[0].lambda);
  EXPECT_EQ(parts.orientations.size(), size_t(share(all, mpi.rank(), mpi.size()).count));
}
