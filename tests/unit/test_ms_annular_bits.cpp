// AnnularBits (the detectors the fused multislice reads in its last pass, one bit each) must select
// exactly the pixels AnnularMask selects for each detector: the fused and the separate STEM paths
// then sum the same pixels. Rings that share an edge, overlap, and reach the grid's corner.
#include <gtest/gtest.h>

#include <vector>

#include "phasis/multislice/energy.hpp"
#include "phasis/multislice/grid.hpp"
#include "multislice/multislice_kernels.hpp"

using namespace phasis::ms;

TEST(MultisliceAnnularBits, EachBitIsItsDetectorsMask) {
  const Grid g = grid_from_gpts(20.39, 20.39, 96, 96);
  const double lambda = wavelength(200e3);
  const std::vector<std::pair<double, double>> rings = {{0, 20}, {20, 65}, {40, 150}, {65, 1000}};
  AnnularBits bits{nullptr, g.ny, g.nx, g.dy, g.dx, {}, {}, int(rings.size())};
  for (std::size_t d = 0; d < rings.size(); ++d)
    bits.k_in[d] = 1e-3 * rings[d].first / lambda, bits.k_out[d] = 1e-3 * rings[d].second / lambda;
  std::vector<uint8_t> packed(std::size_t(g.pixels()));
  bits.out = packed.data();
  for (int64_t i = 0; i < g.pixels(); ++i) bits(i);
  int64_t selected = 0;
  for (std::size_t d = 0; d < rings.size(); ++d) {
    std::vector<uint8_t> mask(std::size_t(g.pixels()));
    const AnnularMask m{mask.data(), g.ny, g.nx, g.dy, g.dx, bits.k_in[d], bits.k_out[d]};
    for (int64_t i = 0; i < g.pixels(); ++i) {
      m(i);
      ASSERT_EQ(bool(packed[std::size_t(i)] >> d & 1u), bool(mask[std::size_t(i)])) << "detector " << d << " pixel " << i;
      selected += mask[std::size_t(i)];
    }
  }
  EXPECT_GT(selected, g.pixels());  // the rings overlap, so some pixels carry two bits
}
