// The fused multislice neither reads nor writes the column groups where the propagator is zero
// (fused_multislice.hpp): aperture_column_groups must name every group where FresnelPropagator
// has a non-zero value (else the simulation loses intensity) and no other (else it does work for
// nothing). Checked against the propagator itself on grids of several samplings, square and not,
// for several slice thicknesses; and live_column_groups against a spectrum with known columns.
#include <gtest/gtest.h>

#include <vector>

#include "phasis/multislice/energy.hpp"
#include "multislice/fused_multislice.hpp"
#include "phasis/multislice/grid.hpp"
#include "multislice/multislice_kernels.hpp"
#include "phasis/multislice/waves.hpp"

using namespace phasis;
using namespace phasis::ms;

TEST(MultisliceColumnGroups, ApertureGroupsAreThePropagatorsNonZeroColumns) {
  const double lambda = wavelength(200e3);
  for (const auto& [ex, ey] : std::vector<std::pair<double, double>>{{20.39, 20.39}, {30.0, 17.5}, {11.0, 40.0}, {51.2, 51.2}}) {
    const Grid g = grid_from_gpts(ex, ey, 512, 512);
    const double k_max = antialias_cutoff(g);
    const uint32_t groups = aperture_column_groups(g);
    for (double dz : {0.5, 2.04, 10.0}) {
      std::vector<Complex<float>> p(std::size_t(g.pixels()));
      const FresnelPropagator<float> f{p.data(), g.ny, g.nx, g.dy, g.dx, lambda * dz, k_max * k_max, 1.0 / double(g.pixels())};
      for (int64_t i = 0; i < g.pixels(); ++i) f(i);
      EXPECT_EQ(live_column_groups(p.data()), groups) << "extent " << ex << " x " << ey << ", dz " << dz;
    }
    // With square pixels the antialiasing aperture passes 2/3 of the frequencies along x: about
    // 22 of 32 groups (its radius is set by the coarser axis, so fewer where dx < dy).
    if (ex == ey) EXPECT_EQ(__builtin_popcount(groups), 22) << ex;
  }
}

TEST(MultisliceColumnGroups, LiveGroupsNameTheColumnsHoldingAValue) {
  std::vector<Complex<float>> s(512 * 512, Complex<float>(0.0f, 0.0f));
  s[3 * 512 + 0] = {1.0f, 0.0f};     // group 0
  s[500 * 512 + 47] = {0.0f, -2.0f};  // group 2
  s[7 * 512 + 511] = {1e-30f, 0.0f};  // group 31
  EXPECT_EQ(live_column_groups(s.data()), (1u << 0) | (1u << 2) | (1u << 31));
}

TEST(MultisliceColumnGroups, ProbeGroupsHoldEveryValueOfTheProbeSpectrum) {
  // Hard and soft edges, cutoffs small and near the antialiased limit, astigmatic and coma'd.
  for (const auto& [cutoff, edge] : std::vector<std::pair<double, double>>{{20, -1}, {5, 0}, {30, 2}, {24.5, 0}}) {
    const Grid g = grid_from_gpts(20.39, 20.39, 512, 512);
    ProbeOptions o;
    o.semiangle_cutoff = cutoff;
    if (edge >= 0) o.edge_mrad = edge;
    o.aberrations.c12 = 30, o.aberrations.c21 = 500, o.aberrations.phi21 = 0.3;
    const Array<Complex<double>> s = probe_spectrum(g, o);
    const uint32_t live = live_column_groups(s.data()), groups = column_groups_within(g, probe_outer_frequency(g, o));
    EXPECT_EQ(live & ~groups, 0u) << "a value outside the probe's groups, cutoff " << cutoff;
    EXPECT_EQ(__builtin_popcount(groups), __builtin_popcount(live)) << "cutoff " << cutoff;  // none for nothing
  }
}
