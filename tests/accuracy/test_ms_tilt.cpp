// The specimen tilt against its analytic equivalent, as a shear of the atoms (crystal.hpp:
// tilt_specimen) and as the engine applies it (PotentialOptions::tilt): in the Fresnel
// propagator a plane wave tilted by k0 (tan t = lambda k0) through a specimen equals
//   psi(x) = exp(2 pi i k0.x) exp(-i pi lambda T |k0|^2) phi(x - T tan t),
// phi the untilted wave through the specimen sheared by x -= z tan t (T the thickness): each
// slice's propagator P(k + k0) = P(k) exp(-2 pi i lambda dz k.k0) exp(-i pi lambda dz |k0|^2)
// shifts phi by dz tan t. The test runs both multislices on the same atoms; it makes the relation
// exact on the grid by putting every atom on a pixel and choosing k0 so that each slice shifts by a
// whole pixel (so the sampled potential of the sheared atoms is the shifted potential, bit for bit
// in its construction) and the total shift is a whole number of pixels.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "errors.hpp"
#include "phasis/core/error.hpp"
#include "phasis/fft/fft.hpp"
#include "phasis/multislice/atoms.hpp"
#include "phasis/multislice/crystal.hpp"
#include "phasis/multislice/energy.hpp"
#include "phasis/multislice/grid.hpp"
#include "phasis/multislice/multislice.hpp"
#include "phasis/multislice/potential.hpp"
#include "phasis/multislice/waves.hpp"

using namespace phasis;
using namespace phasis::ms;
using phasis::testing::relative_l2;

TEST(MultisliceTilt, ShearedSpecimenEqualsATiltedPlaneWave) {
  constexpr double kEnergy = 200e3;
  const int64_t n = 512, slices = 10;
  const double dx = 0.025, extent = dx * double(n), lambda = wavelength(kEnergy);
  // k0 = (8, -8) / extent: each slice of dz = dx extent / (8 lambda) shifts the wave by (+1, -1) pixels.
  const int mx = 8, my = -8;
  const double k0x = mx / extent, k0y = my / extent, dz = dx / (lambda * k0x);
  const Grid g = grid_from_gpts(extent, extent, n, n);
  // Carbon atoms on pixels, a different handful in each layer, each layer at a slice's start.
  Atoms flat;
  flat.cell = {extent, extent, double(slices) * dz};
  for (int64_t k = 0; k < slices; ++k)
    for (int64_t j = 0; j < 5; ++j) {
      const int64_t ix = (37 * k + 53 * j + 11) % n, iy = (71 * k + 29 * j + 5) % n;
      flat.add(6, double(ix) * dx, double(iy) * dx, double(k) * dz);
    }
  Atoms sheared = flat;
  const double t_mrad = 1e3 * std::atan(lambda * k0x);
  tilt_specimen(sheared, {t_mrad, -t_mrad});
  // The shear put every atom on a pixel again (to rounding).
  for (int64_t i = 0; i < sheared.size(); ++i) {
    const double px = sheared.x[i] / dx, py = sheared.y[i] / dx;
    ASSERT_NEAR(px, std::round(px), 1e-9);
    ASSERT_NEAR(py, std::round(py), 1e-9);
  }
  const PotentialOptions options{Parametrization::lobato, dz};
  const Potential pot_flat(flat, g, options), pot_sheared(sheared, g, options);
  ASSERT_EQ(pot_flat.num_slices(), slices);

  Array<Complex<double>> tilted(Shape{1, n, n}), straight(Shape{1, n, n});
  for (int64_t iy = 0; iy < n; ++iy)
    for (int64_t ix = 0; ix < n; ++ix) {
      tilted[iy * n + ix] = polar(1.0, 2 * kPi * (k0x * double(ix) * dx + k0y * double(iy) * dx));
      straight[iy * n + ix] = Complex<double>(1, 0);
    }
  multislice<double>(Device::cpu(), tilted, pot_flat, kEnergy);
  multislice<double>(Device::cpu(), straight, pot_sheared, kEnergy);

  // The analytic relation, with the total shift of (slices, -slices) pixels.
  const double thickness = double(slices) * dz;
  const Complex<double> phase = polar(1.0, -kPi * lambda * thickness * (k0x * k0x + k0y * k0y));
  Array<Complex<double>> expected(Shape{1, n, n});
  for (int64_t iy = 0; iy < n; ++iy)
    for (int64_t ix = 0; ix < n; ++ix) {
      const int64_t sx = ((ix - slices) % n + n) % n, sy = ((iy + slices) % n + n) % n;
      expected[iy * n + ix] = polar(1.0, 2 * kPi * (k0x * double(ix) * dx + k0y * double(iy) * dx)) * phase * straight[sy * n + sx];
    }
  // The specimen scatters (the relation is not met by a wave that stayed flat).
  Array<Complex<double>> flat_wave(Shape{1, n, n});
  for (int64_t i = 0; i < n * n; ++i) flat_wave[i] = Complex<double>(1, 0);
  EXPECT_GT(relative_l2(straight.data(), flat_wave.data(), n * n), 1e-2);

  // The one difference is the antialiasing aperture: the tilted run cuts at |k| = k_max around the
  // lab's axis, the sheared one around the beam. What scatters into the band where the two apertures
  // differ (|k - k0| within |k0| of k_max) is what the relation may miss; it is measured here.
  const double kmax = antialias_cutoff(g), k0 = std::hypot(k0x, k0y);
  Array<Complex<double>> spectrum(Shape{1, n, n});
  for (int64_t i = 0; i < n * n; ++i) spectrum[i] = straight[i];
  FftwPlan<double> plan({int(n), int(n)}, 1);
  plan.forward(spectrum.data());
  double band = 0, total = 0;
  for (int64_t iy = 0; iy < n; ++iy)
    for (int64_t ix = 0; ix < n; ++ix) {
      const double kx = fft_frequency(ix, n, dx), ky = fft_frequency(iy, n, dx), k = std::hypot(kx, ky);
      const Complex<double> c = spectrum[iy * n + ix];
      const double p = c.re * c.re + c.im * c.im;
      total += p;
      if (k > kmax - k0) band += p;
    }
  const double err = relative_l2(tilted.data(), expected.data(), n * n);
  std::printf("tilt %.2f mrad, relative L2 %.3g, exit-wave power in the aperture band %.3g\n", t_mrad, err, band / total);
  // Measured: the error is 0.6 of the band's amplitude at this sampling (3.3e-4 against 5.7e-4) and
  // at 0.05 A (1.0e-3 against 1.7e-3), so it is the apertures' difference, not the shear's.
  EXPECT_LT(err, 2 * std::sqrt(band / total));
  EXPECT_LT(err, 1e-3);

  // The shear the other way round (the beam's direction mistaken) breaks the relation.
  Atoms wrong = flat;
  tilt_specimen(wrong, {-t_mrad, t_mrad});
  const Potential pot_wrong(wrong, g, options);
  Array<Complex<double>> w(Shape{1, n, n});
  for (int64_t i = 0; i < n * n; ++i) w[i] = Complex<double>(1, 0);
  multislice<double>(Device::cpu(), w, pot_wrong, kEnergy);
  for (int64_t iy = 0; iy < n; ++iy)
    for (int64_t ix = 0; ix < n; ++ix) {
      const int64_t sx = ((ix - slices) % n + n) % n, sy = ((iy + slices) % n + n) % n;
      expected[iy * n + ix] = polar(1.0, 2 * kPi * (k0x * double(ix) * dx + k0y * double(iy) * dx)) * phase * w[sy * n + sx];
    }
  const double err_wrong = relative_l2(tilted.data(), expected.data(), n * n);
  std::printf("sheared the wrong way: relative L2 %.3g\n", err_wrong);
  EXPECT_GT(err_wrong, 30 * err);
}

TEST(MultisliceTilt, PotentialTiltShiftsSlicesExactlyAtAnyTilt) {
  // PotentialOptions::tilt (what [structure] tilt sets): the engine moves each slice's
  // band-limited transmission function by -z_k tan t as a phase on its spectrum, exact for
  // sub-pixel shifts (0.39 x 0.24 pixel per slice here), so the relation above holds between
  // pixels too, to the same apertures' difference. The total shift T tan t is applied to the
  // untilted wave as a Fourier phase.
  constexpr double kEnergy = 200e3;
  const int64_t n = 512, slices = 10;
  const double dx = 0.025, extent = dx * double(n), lambda = wavelength(kEnergy), dz = 1.0;
  const int mx = 5, my = 3;
  const double k0x = mx / extent, k0y = my / extent;
  const Grid g = grid_from_gpts(extent, extent, n, n);
  Atoms flat;
  flat.cell = {extent, extent, double(slices) * dz};
  for (int64_t k = 0; k < slices; ++k)
    for (int64_t j = 0; j < 5; ++j) {
      const int64_t ix = (37 * k + 53 * j + 11) % n, iy = (71 * k + 29 * j + 5) % n;
      flat.add(6, double(ix) * dx, double(iy) * dx, double(k) * dz);
    }
  PotentialOptions options{Parametrization::lobato, dz};
  const Potential untilted(flat, g, options);
  options.tilt = {1e3 * std::atan(lambda * k0x), 1e3 * std::atan(lambda * k0y)};
  const Potential tilted_pot(flat, g, options);
  std::printf("tilt (%.3f, %.3f) mrad: %.3f x %.3f pixels per slice\n", options.tilt[0], options.tilt[1],
              dz * lambda * k0x / dx, dz * lambda * k0y / dx);

  Array<Complex<double>> tilted(Shape{1, n, n}), straight(Shape{1, n, n});
  for (int64_t iy = 0; iy < n; ++iy)
    for (int64_t ix = 0; ix < n; ++ix) {
      tilted[iy * n + ix] = polar(1.0, 2 * kPi * (k0x * double(ix) * dx + k0y * double(iy) * dx));
      straight[iy * n + ix] = Complex<double>(1, 0);
    }
  multislice<double>(Device::cpu(), tilted, untilted, kEnergy);
  multislice<double>(Device::cpu(), straight, tilted_pot, kEnergy);

  // phi(x - T tan t) through its spectrum, then the tilt's plane wave and phase.
  const double thickness = double(slices) * dz, sx = thickness * lambda * k0x, sy = thickness * lambda * k0y;
  FftwPlan<double> plan({int(n), int(n)}, 1);
  plan.forward(straight.data());
  for (int64_t iy = 0; iy < n; ++iy)
    for (int64_t ix = 0; ix < n; ++ix) {
      const double q = fft_frequency(ix, n, dx) * sx + fft_frequency(iy, n, dx) * sy;
      straight[iy * n + ix] = straight[iy * n + ix] * polar(1.0 / double(n * n), -2 * kPi * q);
    }
  plan.inverse(straight.data());
  const Complex<double> phase = polar(1.0, -kPi * lambda * thickness * (k0x * k0x + k0y * k0y));
  Array<Complex<double>> expected(Shape{1, n, n});
  for (int64_t iy = 0; iy < n; ++iy)
    for (int64_t ix = 0; ix < n; ++ix)
      expected[iy * n + ix] =
          polar(1.0, 2 * kPi * (k0x * double(ix) * dx + k0y * double(iy) * dx)) * phase * straight[iy * n + ix];
  const double err = relative_l2(tilted.data(), expected.data(), n * n);
  std::printf("relative L2 %.3g\n", err);
  // The same apertures' difference as in the whole-pixel case (3.3e-4 there, at a larger tilt).
  EXPECT_LT(err, 1e-3);
  // The slices themselves are the untilted ones (the engine moves their transmission functions);
  // the shifts are -z_k tan t.
  std::vector<float> a(std::size_t(n * n)), b(std::size_t(n * n));
  untilted.slice(3, a.data());
  tilted_pot.slice(3, b.data());
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]);
  const std::vector<double> shifts = tilted_pot.slice_shifts();
  ASSERT_EQ(shifts.size(), 2u * slices);
  EXPECT_NEAR(shifts[6], -3 * dz * lambda * k0x, 1e-12);
  EXPECT_NEAR(shifts[7], -3 * dz * lambda * k0y, 1e-12);
  EXPECT_TRUE(untilted.slice_shifts().empty());
  options.tilt = {120, 0};
  EXPECT_THROW(Potential(flat, g, options), InputError);
}
