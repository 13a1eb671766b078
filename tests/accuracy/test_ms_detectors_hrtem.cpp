// Segmented and pixelated detectors against independent sums over the diffraction pattern, and the
// HRTEM image of a weak phase object against its analytic linear-imaging form.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <vector>

#include "phasis/core/error.hpp"
#include "phasis/multislice/atoms.hpp"
#include "phasis/multislice/detectors.hpp"
#include "phasis/multislice/diffraction.hpp"
#include "phasis/multislice/energy.hpp"
#include "phasis/multislice/hrtem.hpp"
#include "phasis/multislice/multislice.hpp"
#include "phasis/multislice/potential.hpp"
#include "phasis/multislice/stem.hpp"
#include "phasis/multislice/waves.hpp"

using namespace phasis;
using namespace phasis::ms;

namespace {

struct Exit {
  Atoms atoms = crystal("SrTiO3", 2, 2, 2);
  Grid grid = grid_from_gpts(atoms.cell[0], atoms.cell[1], 96, 96);  // 0.081 A: 103 mrad antialiased
  Array<Complex<double>> waves;
  double energy = 200e3;
  Exit() {
    ProbeOptions p;
    p.energy = energy;
    p.semiangle_cutoff = 22;
    p.aberrations.c10 = -20;
    waves = probe<double>(grid, p, {{1.3, 2.1}, {4.0, 3.9}});
    multislice<double>(Device::cpu(), waves, Potential(atoms, grid, {Parametrization::lobato, 1.9525}), energy);
  }
};

}  // namespace

TEST(MultisliceDetectors, SegmentsSumToAnnularAndMatchABruteForceSum) {
  Exit e;
  const Array<double> pat = diffraction_patterns(e.waves);
  const SegmentedDetector d{10, 80, 3, 5, 0.3};
  const Array<double> r = segmented_detect(pat, e.grid, e.energy, d);
  const double lambda = wavelength(e.energy);
  for (int64_t j = 0; j < 2; ++j) {
    // Independent: bins from each pixel's angle and azimuth (acos form, in degrees), no shared code.
    std::vector<double> want(15, 0.0);
    for (int64_t iy = 0; iy < e.grid.ny; ++iy)
      for (int64_t ix = 0; ix < e.grid.nx; ++ix) {
        const double ky = (iy < 48 ? iy : iy - 96) / e.grid.extent_y(), kx = (ix < 48 ? ix : ix - 96) / e.grid.extent_x();
        const double k = std::sqrt(kx * kx + ky * ky), mrad = 1e3 * lambda * k;
        if (mrad < 10 || mrad >= 80) continue;
        double deg = std::acos(kx / k) * 180 / kPi;
        if (ky < 0) deg = 360 - deg;
        deg = std::fmod(deg - 0.3 * 180 / kPi + 720, 360);
        const int ring = int((mrad - 10) / (70.0 / 3)), seg = int(deg / 72);
        want[std::size_t(ring * 5 + seg)] += pat[(j * 96 + iy) * 96 + ix];
      }
    double all = 0;
    for (int b = 0; b < 15; ++b) {
      EXPECT_NEAR(r[j * 15 + b], want[std::size_t(b)], 1e-12) << "bin " << b;
      all += r[j * 15 + b];
    }
    // All segments together are the annular detector of the same angles (a separate code path).
    const auto ann = annular_detect<double>(Device::cpu(), e.waves, e.grid, e.energy, {10, 80});
    EXPECT_NEAR(all, ann[std::size_t(j)], 1e-10);
  }
  EXPECT_THROW(segmented_detect(pat, e.grid, e.energy, {10, 120, 1, 4, 0}), InputError);  // beyond the cutoff
  EXPECT_THROW(segmented_detect(pat, e.grid, e.energy, {10, 80, 0, 4, 0}), InputError);
}

TEST(MultisliceDetectors, PixelatedCropKeepsTheWholeBeamCentred) {
  Exit e;
  const Array<double> pat = diffraction_patterns(e.waves);
  const auto [my, mx] = pixelated_shape(e.grid);
  // k_max L = (2/3) (96 / 2) = 32, on the aperture's edge (|k| < k_max passes): half-width 31 or
  // 32 pixels by rounding, and the pixels at 32 are zero either way; the sums below tell.
  EXPECT_TRUE(my == 63 || my == 65) << my;
  EXPECT_EQ(mx, my);
  const int64_t h = my / 2;
  const Array<double> px = pixelated_crop(pat, e.grid);
  for (int64_t j = 0; j < 2; ++j) {
    double in = 0, wave = 0;
    for (int64_t i = 0; i < my * mx; ++i) in += px[j * my * mx + i];
    for (int64_t i = 0; i < 96 * 96; ++i)
      wave += std::norm(std::complex<double>(e.waves[j * 9216 + i].re, e.waves[j * 9216 + i].im));
    EXPECT_NEAR(in, wave, 1e-12);  // Parseval, and nothing lies outside the antialiasing aperture
    EXPECT_DOUBLE_EQ(px[j * my * mx + h * mx + h], pat[j * 9216]);                          // zero frequency
    EXPECT_DOUBLE_EQ(px[j * my * mx + (h + 1) * mx + h - 2], pat[j * 9216 + 1 * 96 + 96 - 2]);  // (ky, kx) = (1, -2)
  }
}

TEST(MultisliceDetectors, ExitWavesByBatchMatchMultisliceByHand) {
  // The batched driver (slices computed once, batches of 3 and a tail of 2) against probe() and
  // multislice_cpu() called by hand on all positions at once.
  const Atoms atoms = crystal("SrTiO3", 2, 2, 1);
  const Grid g = grid_from_gpts(atoms.cell[0], atoms.cell[1], 64, 64);
  const Potential pot(atoms, g, {Parametrization::lobato, 1.9525});
  StemOptions o;
  o.probe.semiangle_cutoff = 20;
  o.batch = 3;
  const std::vector<Position> at = {{0.5, 0.5}, {1, 2}, {3, 1}, {4, 4}, {6, 2}};
  Array<Complex<double>> want = probe<double>(g, o.probe, at);
  multislice<double>(Device::cpu(), want, pot, o.probe.energy);
  int calls = 0;
  stem_exit_waves<double>(Device::cpu(), pot, at, o, [&](int64_t first, const Array<Complex<double>>& w) {
    ++calls;
    for (int64_t i = 0; i < w.size(); ++i) {
      ASSERT_NEAR(w[i].re, want[first * 4096 + i].re, 1e-12);
      ASSERT_NEAR(w[i].im, want[first * 4096 + i].im, 1e-12);
    }
  });
  EXPECT_EQ(calls, 2);
}

TEST(MultisliceHrtem, WeakPhaseObjectFollowsTheDampedCtf) {
  // psi = exp(i eps cos(2 pi g x)) ~ 1 + i eps cos(2 pi g x): the image is
  //   I = 1 + 2 eps E(g) sin(chi(g)) cos(2 pi g x) + O(eps^2)
  // with chi = pi lambda g^2 C10 + (pi/2) lambda^3 g^4 C30 and Kirkland's envelopes
  //   E = exp(-(1/2) (pi lambda Delta)^2 g^4) exp(-(pi alpha / lambda)^2 (C30 lambda^3 g^3 + C10 lambda g)^2).
  const Grid g = grid_from_gpts(20, 20, 128, 128);
  const double energy = 300e3, lambda = wavelength(energy), eps = 1e-4;
  CtfOptions c;
  c.aberrations.c10 = -400;  // near Scherzer for C30 = 1.2 mm at 300 keV
  c.aberrations.c30 = 1.2e7;
  c.focal_spread = 30;
  c.convergence = 0.3;
  for (int harmonic : {6, 10, 14}) {  // 0.3, 0.5, 0.7 1/A: the envelopes from 0.99 to ~0.1
    const double q = harmonic / 20.0;
    Array<Complex<double>> psi(Shape{1, 128, 128});
    for (int64_t iy = 0; iy < 128; ++iy)
      for (int64_t ix = 0; ix < 128; ++ix) {
        const double ph = eps * std::cos(2 * kPi * q * ix * g.dx);
        psi[iy * 128 + ix] = {std::cos(ph), std::sin(ph)};
      }
    const Array<double> img = hrtem_image(psi, g, energy, c);
    double amp = 0;  // the cos(2 pi q x) component of the image
    for (int64_t ix = 0; ix < 128; ++ix) amp += 2.0 / 128 * img[ix] * std::cos(2 * kPi * q * ix * g.dx);
    const double chi = kPi * lambda * q * q * c.aberrations.c10 + 0.5 * kPi * std::pow(lambda, 3) * std::pow(q, 4) * c.aberrations.c30;
    const double a = 1e-3 * c.convergence;
    const double env = std::exp(-0.5 * std::pow(kPi * lambda * c.focal_spread, 2) * std::pow(q, 4)) *
                       std::exp(-std::pow(kPi * a / lambda, 2) *
                                std::pow(c.aberrations.c30 * std::pow(lambda, 3) * std::pow(q, 3) + c.aberrations.c10 * lambda * q, 2));
    const double want = 2 * eps * env * std::sin(chi);
    std::printf("g = %.2f 1/A: chi %.3f rad, envelope %.4f, amplitude %.4e (analytic %.4e)\n", q, chi, env, amp, want);
    // O(eps^2) terms and the finite-difference gradient: far below 1e-3 of the linear term here.
    EXPECT_NEAR(amp, want, 1e-3 * std::abs(want) + 1e-12);
  }
  // A perfect lens returns the exit wave's intensity.
  Array<Complex<double>> one(Shape{1, 128, 128});
  for (int64_t i = 0; i < one.size(); ++i) one[i] = {std::cos(0.01 * i), std::sin(0.02 * i)};
  const Array<double> same = hrtem_image(one, g, energy, CtfOptions{});
  for (int64_t i = 0; i < one.size(); ++i) ASSERT_NEAR(same[i], std::norm(std::complex<double>(one[i].re, one[i].im)), 1e-12);
}

TEST(MultisliceHrtem, ObjectiveApertureEdge) {
  // An amplitude object psi = 1 + eps cos(2 pi q x) through a lens with no aberrations images as
  //   I = 1 + 2 eps A(q) cos(2 pi q x) + O(eps^2),
  // A the objective aperture: with the cutoff at q, the soft edge (one reciprocal pixel, abTEM's
  // default) passes half of it, a pixel inside all, a pixel outside nothing; the hard edge passes
  // nothing at the cutoff; a four-pixel edge falls by a quarter per pixel.
  const Grid g = grid_from_gpts(20, 20, 128, 128);
  const double energy = 300e3, lambda = wavelength(energy), eps = 1e-4, q0 = 10 / 20.0;
  const auto amplitude = [&](int harmonic, const CtfOptions& c) {
    const double q = harmonic / 20.0;
    Array<Complex<double>> psi(Shape{1, 128, 128});
    for (int64_t iy = 0; iy < 128; ++iy)
      for (int64_t ix = 0; ix < 128; ++ix) psi[iy * 128 + ix] = {1 + eps * std::cos(2 * kPi * q * ix * g.dx), 0};
    const Array<double> img = hrtem_image(psi, g, energy, c);
    double amp = 0;
    for (int64_t ix = 0; ix < 128; ++ix) amp += 2.0 / 128 * img[ix] * std::cos(2 * kPi * q * ix * g.dx);
    return amp / (2 * eps);  // A(q), to O(eps)
  };
  CtfOptions soft;
  soft.aperture = 1e3 * lambda * q0;
  EXPECT_NEAR(aperture_edges_mrad(soft, g, energy)[0], 1e3 * lambda / 20, 1e-12);
  EXPECT_NEAR(aperture_edges_mrad(soft, g, energy)[1], 1e3 * lambda / 20, 1e-12);
  EXPECT_NEAR(amplitude(10, soft), 0.5, 1e-4);
  EXPECT_NEAR(amplitude(9, soft), 1.0, 1e-4);
  EXPECT_NEAR(amplitude(11, soft), 0.0, 1e-4);
  CtfOptions hard = soft;
  hard.aperture_edge = 0;
  EXPECT_NEAR(amplitude(10, hard), 0.0, 1e-4);
  EXPECT_NEAR(amplitude(9, hard), 1.0, 1e-4);
  CtfOptions wide = soft;
  wide.aperture_edge = 4 * 1e3 * lambda / 20;  // four pixels: 1/2 + 1/4 a pixel inside the cutoff
  EXPECT_NEAR(amplitude(9, wide), 0.75, 1e-4);
  EXPECT_NEAR(amplitude(11, wide), 0.25, 1e-4);
  CtfOptions bad = soft;
  bad.aperture_edge = -1;
  EXPECT_THROW(amplitude(10, bad), InputError);
}

TEST(MultisliceHrtem, ObjectiveApertureEdgeIsOnePixelAlongEachAxis) {
  // A 20 x 10 A cell: the default edge is lambda / 20 wide along kx and lambda / 10 along ky
  // (abTEM's soft aperture). With the cutoff at 0.47 1/A, a grating along y at 0.5 1/A (a pixel
  // 0.03 beyond, 0.3 of a y pixel) passes (0.47 - 0.5) / 0.1 + 1/2 = 0.2 (one width of lambda / 20
  // all round would pass nothing), one along x at 0.45 1/A (0.4 of an x pixel inside) 0.9.
  const Grid g = grid_from_gpts(20, 10, 128, 64);
  const double energy = 300e3, lambda = wavelength(energy), eps = 1e-4;
  const auto amplitude = [&](double qx, double qy) {
    Array<Complex<double>> psi(Shape{1, 64, 128});
    for (int64_t iy = 0; iy < 64; ++iy)
      for (int64_t ix = 0; ix < 128; ++ix)
        psi[iy * 128 + ix] = {1 + eps * std::cos(2 * kPi * (qx * ix * g.dx + qy * iy * g.dy)), 0};
    CtfOptions c;
    c.aperture = 1e3 * lambda * 0.47;
    const Array<double> img = hrtem_image(psi, g, energy, c);
    double amp = 0;
    for (int64_t iy = 0; iy < 64; ++iy)
      for (int64_t ix = 0; ix < 128; ++ix)
        amp += 2.0 / (128 * 64) * img[iy * 128 + ix] * std::cos(2 * kPi * (qx * ix * g.dx + qy * iy * g.dy));
    return amp / (2 * eps);
  };
  EXPECT_NEAR(amplitude(0, 0.5), 0.2, 1e-4);
  EXPECT_NEAR(amplitude(0.45, 0), 0.9, 1e-4);
  const std::array<double, 2> e = aperture_edges_mrad(CtfOptions{}, g, energy);
  EXPECT_NEAR(e[0], 1e3 * lambda / 20, 1e-12);
  EXPECT_NEAR(e[1], 1e3 * lambda / 10, 1e-12);
}
