// The sampled form of the projected potential (sampled_potential.hpp, the default): its spectrum
// against an independent Hankel transform, its grid values against the analytic projected
// potential, and the finite projection's point samples.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "phasis/multislice/atoms.hpp"
#include "phasis/multislice/energy.hpp"
#include "phasis/multislice/grid.hpp"
#include "phasis/multislice/parametrization.hpp"
#include "phasis/multislice/potential.hpp"
#include "phasis/multislice/radial_potential.hpp"

using namespace phasis;
using namespace phasis::ms;

namespace {

/// 2 pi integral_0^inf v(r) J0(2 pi q r) r dr by the trapezoid rule in t = ln r, from 1e-7 to
/// 25 Angstrom in steps of 1e-4 (every J0 period takes over 50 steps at q = 8 / Angstrom; below
/// 1e-7 and beyond 25 Angstrom the integrand, r^2 ln r and exp(-beta r), leaves under 1e-12).
double hankel(const RadialPotential& v, double q) {
  const double t0 = std::log(1e-7), t1 = std::log(25.0), h = 1e-4;
  const auto n = int64_t((t1 - t0) / h);
  double s = 0;
#pragma omp parallel for reduction(+ : s)
  for (int64_t i = 0; i <= n; ++i) {
    const double r = std::exp(t0 + double(i) * h), w = (i == 0 || i == n) ? 0.5 : 1.0;
    s += w * v.projected(r) * std::cyl_bessel_j(0.0, 2 * kPi * q * r) * r * r;
  }
  return 2 * kPi * s * h;
}

}  // namespace

// The spectrum the sampled form multiplies by is the closed-form plane transform of v_z
// (radial_potential.hpp); here it is checked against a numerical Hankel transform of v_z itself,
// which shares nothing with it but the Bessel-function projection (tested against quadrature of
// the 3D potential in test_ms_potential). Measured worst: 1.1e-8 of F(0); tolerance 1e-5 of F(0)
// (the K0/K1 approximations are good to 2.5e-7 relative, bessel.hpp, and the trapezoid rule's
// error grows with q).
TEST(MsSampledPotential, PlaneTransformMatchesHankelTransform) {
  double worst = 0;
  for (auto p : {Parametrization::lobato, Parametrization::kirkland})
    for (int z : {1, 8, 38, 79}) {
      const RadialPotential v = atomic_potential(z, p);
      const double f0 = v.projected_fourier(0);
      EXPECT_NEAR(f0, v.projected_integral(), 1e-12 * f0);
      for (double q : {0.0, 0.25, 0.7, 1.5, 3.0, 8.0}) {
        const double ref = hankel(v, q), got = v.projected_fourier(q);
        worst = std::max(worst, std::abs(got - ref) / f0);
        EXPECT_NEAR(got, ref, 1e-5 * f0) << to_string(p) << " Z=" << z << " q=" << q;
      }
    }
  std::printf("plane transform against Hankel transform: worst %.2e of F(0)\n", worst);
}

// An atom on a grid point: the sampled slice is the projected potential band-limited to the grid.
// Away from the core, where v_z varies slowly on the scale of a pixel, it is the analytic v_z(r)
// at the grid points (summed over the periodic images that reach the cell) plus a ringing at the
// grid's highest frequencies: the spectrum beyond the grid is missing (F(q) falls only like 1/q^2
// there, from the core's singularity) and abTEM's sinc compensation lifts the frequencies near
// Nyquist by up to 9%. The ringing has about the same absolute size at every radius, so it is
// bounded against v_z(0.5 A), and relative to v_z(r) only near the core, where v_z is large.
// Measured at 0.05 A sampling (abTEM would also give this): on the grid, Sr 6.4e-3 and Au 2.3e-2
// of v_z(r) for r in [0.5, 1] A, and 6.4e-3 and 1.3e-2 of v_z(0.5 A) for r in [0.5, 3] A; half a
// pixel off the grid (the bilinear spreading damps the highest frequencies) 2.2e-3 and 4.7e-3 of
// v_z(r). Tolerances 3e-2 of v_z(r) on [0.5, 1] A and 2e-2 of v_z(0.5 A) on [0.5, 3] A. This
// bounds what the band limit changes away from the core (a wrong scale, position or wrap of the
// atom fails it); it cannot tell the sampled form from plain point samples of v_z, which the
// construction test below and the exact plane integral (test_ms_slices) do. The value nearest the
// core, finite where v_z is singular, is printed, not tested.
TEST(MsSampledPotential, GridValuesAwayFromTheCoreAreTheProjectedPotential) {
  const double extent = 16.0;
  const Grid g = grid_from_gpts(extent, extent, 320, 320);  // 0.05 A
  for (int z : {38, 79})
    for (double offset : {0.0, 0.5}) {
      Atoms a;
      a.cell = {extent, extent, 2.0};
      const double ax = 8.0 + offset * g.dx, ay = 8.0 + offset * g.dy;
      a.add(z, ax, ay, 1.0);
      const Potential pot(a, g, {Parametrization::lobato, 2.0});
      ASSERT_EQ(pot.options().form, PotentialForm::sampled);
      const auto v = pot.all_slices();
      const RadialPotential rp = atomic_potential(z, Parametrization::lobato);
      const double v05 = rp.projected(0.5);
      double worst_near = 0, worst_abs = 0;
      int checked = 0;
      for (int64_t iy = 0; iy < g.ny; ++iy)
        for (int64_t ix = 0; ix < g.nx; ++ix) {
          const double rx = double(ix) * g.dx - ax, ry = double(iy) * g.dy - ay, r = std::hypot(rx, ry);
          if (r < 0.5 || r > 3.0) continue;
          double ref = 0;
          for (int i = -1; i <= 1; ++i)
            for (int j = -1; j <= 1; ++j) ref += rp.projected(std::hypot(rx + i * extent, ry + j * extent));
          const double got = v[std::size_t(iy * g.nx + ix)], d = std::abs(got - ref);
          worst_abs = std::max(worst_abs, d / v05);
          if (r <= 1.0) {
            worst_near = std::max(worst_near, d / ref);
            EXPECT_NEAR(got, ref, 3e-2 * ref) << "Z=" << z << " r=" << r;
          }
          EXPECT_NEAR(got, ref, 2e-2 * v05) << "Z=" << z << " r=" << r;
          ++checked;
        }
      const int64_t c = int64_t(std::lround(ay / g.dy)) * g.nx + int64_t(std::lround(ax / g.dx));
      std::printf("Z=%d offset %.1f px: %d points; r in [0.5, 1] A: worst %.2e of v_z; [0.5, 3] A: worst %.2e of "
                  "v_z(0.5 A); nearest point %.1f V A (v_z(dx / 2) = %.1f)\n",
                  z, offset, checked, worst_near, worst_abs, v[std::size_t(c)], rp.projected(0.5 * g.dx));
      EXPECT_GT(checked, 10000);
    }
}

// The construction itself, against a direct Fourier sum that does not go through deltas or FFTs:
// for atoms at arbitrary positions, the slice is sum_atoms sum_corners w_corner (1/area)
// sum_q F(q) / s(q) cos(2 pi q.(r - corner)), where the corners are the four grid points around
// the atom and w their bilinear weights. Evaluated on one row and one column of a small grid
// (atoms near the edges, so the spreading wraps); the two differ by the float rounding of the
// slice (6e-8 of the peak). Measured 1.1e-8; tolerance 1e-6 of the peak.
TEST(MsSampledPotential, SliceIsTheDirectFourierSumOfSpreadDeltas) {
  const Grid g = grid_from_gpts(6.0, 5.0, 60, 48);
  Atoms a;
  a.cell = {6.0, 5.0, 2.0};
  a.add(79, 0.0137, 4.9712, 1.0);
  a.add(8, 3.3333, 2.5, 1.0);
  a.add(79, 5.96, 0.031, 1.0);
  const Potential pot(a, g, {Parametrization::lobato, 2.0});
  const auto v = pot.all_slices();
  float peak = 0;
  for (float f : v) peak = std::max(peak, std::abs(f));
  const auto direct = [&](int64_t iy, int64_t ix) {
    double s = 0;
    for (int64_t n = 0; n < a.size(); ++n) {
      const RadialPotential rp = atomic_potential(a.z[std::size_t(n)], Parametrization::lobato);
      const double u = a.x[std::size_t(n)] / g.dx, w = a.y[std::size_t(n)] / g.dy;
      const double fu = std::floor(u), fw = std::floor(w), wx = u - fu, wy = w - fw;
      for (int cy = 0; cy < 2; ++cy)
        for (int cx = 0; cx < 2; ++cx) {
          const double weight = (cx ? wx : 1 - wx) * (cy ? wy : 1 - wy);
          const double px = (fu + cx) * g.dx, py = (fw + cy) * g.dy;
          for (int64_t ky = 0; ky < g.ny; ++ky)
            for (int64_t kx = 0; kx < g.nx; ++kx) {
              const double qy = fft_frequency(ky, g.ny, g.dy), qx = fft_frequency(kx, g.nx, g.dx);
              const double x = std::hypot(qx * g.dx, qy * g.dy), sinc = x > 0 ? std::sin(x) / x : 1.0;
              const double phase = 2 * kPi * (qx * (double(ix) * g.dx - px) + qy * (double(iy) * g.dy - py));
              s += weight * rp.projected_fourier(std::hypot(qx, qy)) / sinc * std::cos(phase);
            }
        }
    }
    return s / (g.extent_x() * g.extent_y());
  };
  double worst = 0;
  for (int64_t ix = 0; ix < g.nx; ++ix) worst = std::max(worst, std::abs(v[std::size_t(47 * g.nx + ix)] - direct(47, ix)));
  for (int64_t iy = 0; iy < g.ny; ++iy) worst = std::max(worst, std::abs(v[std::size_t(iy * g.nx + 33)] - direct(iy, 33)));
  std::printf("slice against the direct Fourier sum: worst %.2e of the peak\n", worst / peak);
  EXPECT_LT(worst, 1e-6 * peak);
}

// The finite projection's sampled form: each pixel takes the slab integral at its distance from
// the atom (held at least half a pixel), so the slices of a cell that holds the whole atom add up
// to the infinite projection's table at those distances. Measured 2.4e-5 relative l2 (the slab
// table's interpolation, SlabTableMatchesQuadrature); tolerance 1e-3.
TEST(MsSampledPotential, FiniteSampledSlicesSumToPointValues) {
  Atoms atoms;
  atoms.cell = {8, 8, 10};
  atoms.add(79, 2.1, 3.3, 4.2);
  atoms.add(8, 5.0, 5.5, 5.6);
  const Grid g = grid_from_gpts(8, 8, 160, 160);
  const Potential pf(atoms, g, {Parametrization::lobato, 0.5, 1e-4, Projection::finite});
  ASSERT_EQ(pf.options().form, PotentialForm::sampled);
  ASSERT_EQ(pf.num_slices(), 20);
  const auto vf = pf.all_slices();
  std::vector<double> sum(std::size_t(g.pixels()), 0.0), ref(std::size_t(g.pixels()), 0.0);
  for (int64_t p = 0; p < g.pixels(); ++p)
    for (int64_t k = 0; k < 20; ++k) sum[std::size_t(p)] += vf[std::size_t(k * g.pixels() + p)];
  const double r_core = 0.5 * std::min(g.dx, g.dy);
  for (int64_t a = 0; a < atoms.size(); ++a) {
    const ProjectedTable& t = pf.table(atoms.z[std::size_t(a)]);
    for (int64_t iy = 0; iy < g.ny; ++iy)
      for (int64_t ix = 0; ix < g.nx; ++ix) {
        // Every image of the atom that the cutoff disc brings onto the pixel (the table is 0 beyond it).
        const double rx = double(ix) * g.dx - atoms.x[std::size_t(a)], ry = double(iy) * g.dy - atoms.y[std::size_t(a)];
        for (int i = -1; i <= 1; ++i)
          for (int j = -1; j <= 1; ++j)
            ref[std::size_t(iy * g.nx + ix)] += t(std::max(std::hypot(rx + 8 * i, ry + 8 * j), r_core));
      }
  }
  double num = 0, den = 0;
  for (std::size_t p = 0; p < sum.size(); ++p) num += (sum[p] - ref[p]) * (sum[p] - ref[p]), den += ref[p] * ref[p];
  const double err = std::sqrt(num / den);
  std::printf("finite sampled slices against point values: relative l2 %.2e\n", err);
  EXPECT_LT(err, 1e-3);
}
