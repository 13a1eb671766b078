// Multislice physics, part 3: probes, Fresnel propagation, the multislice loop and the annular
// detector, on the CPU backend, against closed forms and an independent double-precision
// reimplementation of one slice.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "errors.hpp"
#include "phasis/core/error.hpp"
#include "phasis/fft/fft.hpp"
#include "phasis/multislice/atoms.hpp"
#include "phasis/multislice/detectors.hpp"
#include "phasis/multislice/energy.hpp"
#include "phasis/multislice/multislice.hpp"
#include "phasis/multislice/potential.hpp"
#include "phasis/multislice/waves.hpp"
#include "testing.hpp"

using namespace phasis;
using namespace phasis::ms;
using phasis::testing::relative_l2;

namespace {

constexpr double kEnergy = 200e3;

template <class T>
double total_intensity(const Array<Complex<T>>& w, int64_t j) {
  const int64_t pix = w.shape()[1] * w.shape()[2];
  double s = 0;
  for (int64_t p = 0; p < pix; ++p) s += norm2(w[j * pix + p]);
  return s;
}

ProbeOptions aberrated_probe() {
  ProbeOptions o;
  o.energy = kEnergy;
  o.semiangle_cutoff = 20;
  o.aberrations.c10 = -50;
  o.aberrations.c12 = 20;
  o.aberrations.phi12 = 0.3;
  o.aberrations.c21 = 300;
  o.aberrations.phi21 = -1.1;
  o.aberrations.c30 = 1e4;
  return o;
}

const Grid kGrid = grid_from_gpts(20.0, 18.0, 200, 180);  // 0.1 Angstrom: 83.6 mrad antialiased at 200 keV

}  // namespace

TEST(MultisliceWaves, ProbesHaveUnitIntensityAndSitWhereAsked) {
  ProbeOptions o;
  o.energy = kEnergy;
  o.semiangle_cutoff = 25;
  const auto w = probe<double>(kGrid, o, {{10.0, 9.0}, {5.3, 12.7}});
  for (int64_t j = 0; j < 2; ++j) EXPECT_NEAR(total_intensity(w, j), 1.0, 1e-12);
  // An aberration-free probe is symmetric about its position: its intensity centroid sits there.
  const double px[2] = {10.0, 5.3}, py[2] = {9.0, 12.7};
  for (int64_t j = 0; j < 2; ++j) {
    double sx = 0, sy = 0;
    for (int64_t iy = 0; iy < kGrid.ny; ++iy)
      for (int64_t ix = 0; ix < kGrid.nx; ++ix) {
        const double i = norm2(w[j * kGrid.pixels() + iy * kGrid.nx + ix]);
        // Distances folded into the periodic cell around the expected position.
        sx += i * std::remainder(ix * kGrid.dx - px[j], kGrid.extent_x());
        sy += i * std::remainder(iy * kGrid.dy - py[j], kGrid.extent_y());
      }
    EXPECT_NEAR(sx, 0.0, 1e-3);
    EXPECT_NEAR(sy, 0.0, 1e-3);
  }
  const auto plane = plane_wave<float>(kGrid, 3);
  for (int64_t j = 0; j < 3; ++j) EXPECT_NEAR(total_intensity(plane, j), 1.0, 1e-5);
}

TEST(MultisliceWaves, AberrationPhaseFollowsKrivanekNotation) {
  const double lambda = wavelength(kEnergy), k = 0.4, alpha = lambda * k;
  Aberrations a;
  a.c10 = 100;
  EXPECT_NEAR(aberration_phase(a, lambda, k, 0), kPi * alpha * alpha * 100 / lambda, 1e-12);
  a = {};
  a.c30 = 1e6;
  EXPECT_NEAR(aberration_phase(a, lambda, 0, k), 0.5 * kPi * std::pow(alpha, 4) * 1e6 / lambda, 1e-9);
  a = {};
  a.c12 = 50;
  a.phi12 = kPi / 4;  // astigmatism axis at 45 degrees: along it +, across it -
  EXPECT_NEAR(aberration_phase(a, lambda, k / std::sqrt(2.0), k / std::sqrt(2.0)), kPi * alpha * alpha * 50 / lambda, 1e-9);
  EXPECT_NEAR(aberration_phase(a, lambda, -k / std::sqrt(2.0), k / std::sqrt(2.0)), -kPi * alpha * alpha * 50 / lambda, 1e-9);
  a = {};
  a.c21 = 1000;
  const double coma = 2 * kPi / lambda * alpha * alpha * alpha / 3 * 1000;
  EXPECT_NEAR(aberration_phase(a, lambda, k, 0), coma, 1e-9);
  EXPECT_NEAR(aberration_phase(a, lambda, -k, 0), -coma, 1e-9);
}

TEST(MultisliceWaves, SoftEdgeIsOneReciprocalPixelAlongEachAxis) {
  // A 20 x 10 A cell: reciprocal pixels of 0.05 and 0.1 1/A, so the default edge (abTEM's soft
  // aperture) is lambda / 20 wide along kx, lambda / 10 along ky and in between on the diagonals:
  // w = sqrt((cos phi lambda / Lx)^2 + (sin phi lambda / Ly)^2). Every pixel of the spectrum and of
  // the probe's own transform against that formula; a single width (the larger extent's, the
  // first version) misses the pixels on the ky edge by 0.2.
  const Grid g = grid_from_gpts(20.0, 10.0, 200, 100);
  const double lambda = wavelength(kEnergy);
  ProbeOptions o;
  o.energy = kEnergy;
  o.semiangle_cutoff = 1e3 * lambda * 0.77;  // |k| = 0.77 1/A: the pixel at ky = 0.8 passes 0.2, at kx = 0.75 0.9
  const auto expected = [&](int64_t iy, int64_t ix, double edge_x, double edge_y) {
    const double kx = fft_frequency(ix, g.nx, g.dx), ky = fft_frequency(iy, g.ny, g.dy);
    const double phi = std::atan2(ky, kx);
    const double w = std::hypot(std::cos(phi) * edge_x, std::sin(phi) * edge_y);
    return std::clamp((1e-3 * o.semiangle_cutoff - lambda * std::hypot(kx, ky)) / w + 0.5, 0.0, 1.0);
  };
  const Array<Complex<double>> s = probe_spectrum(g, o);
  Array<Complex<double>> f = probe<double>(g, o, {{0.0, 0.0}});
  FftwPlan<double>({int(g.ny), int(g.nx)}, 1).forward(f.data());
  const double s0 = std::sqrt(norm2(s[0])), f0 = std::sqrt(norm2(f[0]));
  double worst = 0, worst_f = 0, single = 0;
  int64_t partial_x = 0, partial_y = 0;
  for (int64_t iy = 0; iy < g.ny; ++iy)
    for (int64_t ix = 0; ix < g.nx; ++ix) {
      const int64_t i = iy * g.nx + ix;
      const double want = expected(iy, ix, lambda / 20, lambda / 10);
      worst = std::max(worst, std::abs(std::sqrt(norm2(s[i])) / s0 - want));
      worst_f = std::max(worst_f, std::abs(std::sqrt(norm2(f[i])) / f0 - want));
      single = std::max(single, std::abs(expected(iy, ix, lambda / 20, lambda / 20) - want));
      const bool edge = want > 0 && want < 1;
      partial_x += edge && iy == 0;
      partial_y += edge && ix == 0;
    }
  EXPECT_GT(partial_x, 0);  // the edge falls between pixels on both axes
  EXPECT_GT(partial_y, 0);
  EXPECT_LT(worst, 1e-12);
  EXPECT_LT(worst_f, 1e-12);
  EXPECT_GT(single, 0.19);
  // A given width is the same all round.
  o.edge_mrad = 1.5;
  const Array<Complex<double>> fixed = probe_spectrum(g, o);
  double worst_fixed = 0;
  for (int64_t iy = 0; iy < g.ny; ++iy)
    for (int64_t ix = 0; ix < g.nx; ++ix)
      worst_fixed = std::max(worst_fixed, std::abs(std::sqrt(norm2(fixed[iy * g.nx + ix])) / std::sqrt(norm2(fixed[0])) -
                                                   expected(iy, ix, 1.5e-3, 1.5e-3)));
  EXPECT_LT(worst_fixed, 1e-12);
}

TEST(MultisliceWaves, BadProbesThrow) {
  ProbeOptions o;
  o.energy = 0;
  EXPECT_THROW(probe<float>(kGrid, o, {{0, 0}}), InputError);
  o.energy = kEnergy;
  o.semiangle_cutoff = 90;  // beyond 83.6 mrad
  EXPECT_THROW(probe<float>(kGrid, o, {{0, 0}}), InputError);
  o.semiangle_cutoff = 20;
  EXPECT_THROW(probe<float>(kGrid, o, {}), InputError);
  o.edge_mrad = -1;
  EXPECT_THROW(probe<float>(kGrid, o, {{0, 0}}), InputError);
}

TEST(MultislicePropagation, VacuumConservesProbeIntensity) {
  // The probe's aperture lies inside the antialiasing aperture, so the propagator is unitary on it:
  // float rounding alone, about 1e-7 per FFT, limits the agreement.
  auto w = probe<float>(kGrid, aberrated_probe(), {{10, 9}, {3, 4}});
  for (double dz : {2.0, 50.0, -30.0, 500.0}) {
    propagate<float>(Device::cpu(), w, kGrid, kEnergy, dz);
    for (int64_t j = 0; j < 2; ++j) EXPECT_NEAR(total_intensity(w, j), 1.0, 1e-5) << dz;
  }
}

TEST(MultislicePropagation, TwoHalfStepsEqualOneStep) {
  // P_{dz/2}^2 = P_dz exactly; in float the two routes differ by the rounding of two extra FFT
  // pairs (~1e-7 each, relative), far inside the 1e-5 bar. Double is held to 1e-12.
  const auto start_f = probe<float>(kGrid, aberrated_probe(), {{10, 9}});
  const auto start_d = probe<double>(kGrid, aberrated_probe(), {{10, 9}});
  for (double dz : {1.0, 20.0, 200.0}) {
    auto one = start_f.to(Memory::host), two = start_f.to(Memory::host);
    propagate<float>(Device::cpu(), one, kGrid, kEnergy, dz);
    propagate<float>(Device::cpu(), two, kGrid, kEnergy, dz / 2);
    propagate<float>(Device::cpu(), two, kGrid, kEnergy, dz / 2);
    const double err = relative_l2(two.data(), one.data(), one.size());
    EXPECT_LT(err, 1e-5) << dz;
    std::printf("float dz=%g: relative l2 %.2e\n", dz, err);
    auto one_d = start_d.to(Memory::host), two_d = start_d.to(Memory::host);
    propagate<double>(Device::cpu(), one_d, kGrid, kEnergy, dz);
    propagate<double>(Device::cpu(), two_d, kGrid, kEnergy, dz / 2);
    propagate<double>(Device::cpu(), two_d, kGrid, kEnergy, dz / 2);
    EXPECT_LT(relative_l2(two_d.data(), one_d.data(), one_d.size()), 1e-12) << dz;
  }
}

TEST(MultislicePropagation, OneSliceMatchesDirectComputation) {
  // One transmit-and-propagate step, recomputed here in double with its own loops: the
  // transmission function exp(i sigma v) band-limited to the antialiasing aperture (as abTEM does),
  // times the wave, then the propagator inside the aperture.
  const Atoms sto = crystal("SrTiO3", 2, 2, 1);
  const Grid g = grid_from_gpts(sto.cell[0], sto.cell[1], 96, 96);
  const Potential pot(sto, g, {Parametrization::lobato, sto.cell[2]});
  ASSERT_EQ(pot.num_slices(), 1);
  ProbeOptions o = aberrated_probe();
  const auto start = probe<double>(g, o, {{3.0, 4.0}});

  auto got = start.to(Memory::host);
  multislice<double>(Device::cpu(), got, pot, kEnergy);

  std::vector<float> v(g.pixels());
  pot.slice(0, v.data());
  const double sigma = interaction_parameter(kEnergy), lambda = wavelength(kEnergy), dz = pot.thickness(0);
  const double kmax = antialias_cutoff(g);
  Array<Complex<double>> ref(Shape{1, g.ny, g.nx}), t(Shape{1, g.ny, g.nx});
  for (int64_t i = 0; i < g.pixels(); ++i) t[i] = polar(1.0, sigma * v[i]);
  FftwPlan<double> plan({int(g.ny), int(g.nx)}, 1);
  plan.forward(t.data());
  for (int64_t iy = 0; iy < g.ny; ++iy)
    for (int64_t ix = 0; ix < g.nx; ++ix) {
      const double kx = fft_frequency(ix, g.nx, g.dx), ky = fft_frequency(iy, g.ny, g.dy);
      auto& c = t[iy * g.nx + ix];
      c = kx * kx + ky * ky < kmax * kmax ? c * (1.0 / double(g.pixels())) : Complex<double>(0, 0);
    }
  plan.inverse(t.data());
  for (int64_t i = 0; i < g.pixels(); ++i) ref[i] = start[i] * t[i];
  plan.forward(ref.data());
  for (int64_t iy = 0; iy < g.ny; ++iy)
    for (int64_t ix = 0; ix < g.nx; ++ix) {
      const double kx = fft_frequency(ix, g.nx, g.dx), ky = fft_frequency(iy, g.ny, g.dy), k2 = kx * kx + ky * ky;
      auto& c = ref[iy * g.nx + ix];
      c = k2 < kmax * kmax ? c * polar(1.0 / g.pixels(), -kPi * lambda * dz * k2) : Complex<double>(0, 0);
    }
  plan.inverse(ref.data());
  EXPECT_LT(relative_l2(got.data(), ref.data(), ref.size()), 1e-12);
  // The specimen scatters: the wave changed, and some intensity went beyond the aperture, but not much.
  EXPECT_GT(relative_l2(got.data(), start.data(), start.size()), 0.05);
  EXPECT_LT(total_intensity(got, 0), 1.0);
  EXPECT_GT(total_intensity(got, 0), 0.98);
}

TEST(MultislicePropagation, SliceRangesCompose) {
  const Atoms au = crystal("Au", 2, 2, 2);
  const Grid g = grid_from_gpts(au.cell[0], au.cell[1], 80, 80);
  const Potential pot(au, g, {Parametrization::lobato, 1.0});
  ASSERT_EQ(pot.num_slices(), 9);
  const auto start = plane_wave<double>(g, 2);
  auto whole = start.to(Memory::host), split = start.to(Memory::host);
  multislice<double>(Device::cpu(), whole, pot, kEnergy);
  multislice<double>(Device::cpu(), split, pot, kEnergy, 0, 4);
  multislice<double>(Device::cpu(), split, pot, kEnergy, 4, 9);
  EXPECT_LT(relative_l2(split.data(), whole.data(), whole.size()), 1e-13);
}

TEST(MultisliceDetector, PlaneWaveThroughVacuumStaysInTheBrightField) {
  auto w = plane_wave<float>(kGrid, 2);
  propagate<float>(Device::cpu(), w, kGrid, kEnergy, 100.0);
  const auto bf = annular_detect<float>(Device::cpu(), w, kGrid, kEnergy, {0, 5});
  const auto df = annular_detect<float>(Device::cpu(), w, kGrid, kEnergy, {5, 80});
  for (int j = 0; j < 2; ++j) {
    EXPECT_NEAR(bf[j], 1.0, 1e-5);
    EXPECT_NEAR(df[j], 0.0, 1e-10);
  }
}

TEST(MultisliceDetector, ProbeIntensityFillsItsAperture) {
  ProbeOptions o = aberrated_probe();
  o.edge_mrad = 0;
  auto w = probe<double>(kGrid, o, {{10, 9}});
  propagate<double>(Device::cpu(), w, kGrid, kEnergy, 40.0);
  EXPECT_NEAR(annular_detect<double>(Device::cpu(), w, kGrid, kEnergy, {0, 20})[0], 1.0, 1e-12);
  EXPECT_NEAR(annular_detect<double>(Device::cpu(), w, kGrid, kEnergy, {20, 80})[0], 0.0, 1e-12);
  // A uniform aperture puts equal intensity per solid angle: the 0-10 mrad disc holds a quarter,
  // up to the pixelation of the disc's edge.
  EXPECT_NEAR(annular_detect<double>(Device::cpu(), w, kGrid, kEnergy, {0, 10})[0], 0.25, 0.01);
}

TEST(MultisliceDetector, BadInputsThrow) {
  const auto w = plane_wave<float>(kGrid, 1);
  const double limit = 1e3 * antialias_angle(kGrid, kEnergy);
  EXPECT_NEAR(limit, 1e3 * wavelength(kEnergy) / 0.3, 1e-9);
  EXPECT_NO_THROW(annular_detect<float>(Device::cpu(), w, kGrid, kEnergy, {50, limit}));
  EXPECT_THROW(annular_detect<float>(Device::cpu(), w, kGrid, kEnergy, {50, 200}), InputError);  // HAADF beyond 83.6 mrad
  EXPECT_THROW(annular_detect<float>(Device::cpu(), w, kGrid, kEnergy, {30, 30}), InputError);
  EXPECT_THROW(annular_detect<float>(Device::cpu(), w, kGrid, kEnergy, {-1, 30}), InputError);
  try {
    check_detector({70, 200}, kGrid, kEnergy);
    ADD_FAILURE() << "expected InputError";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("antialiased cutoff"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
  const Grid other = grid_from_gpts(20.0, 18.0, 100, 90);
  EXPECT_THROW(annular_detect<float>(Device::cpu(), w, other, kEnergy, {0, 10}), InputError);
  auto moved = w.to(Memory::host);
  EXPECT_THROW(propagate<float>(Device::cpu(), moved, other, kEnergy, 1.0), InputError);
  EXPECT_THROW(propagate<float>(Device::cpu(), moved, kGrid, -1.0, 1.0), InputError);
  const Atoms au = crystal("Au");
  const Potential pot(au, grid_from_gpts(au.cell[0], au.cell[1], 40, 40));
  auto pw = plane_wave<float>(pot.grid(), 1);
  EXPECT_THROW(multislice<float>(Device::cpu(), pw, pot, kEnergy, 2, 1), InputError);
  EXPECT_THROW(multislice<float>(Device::cpu(), pw, pot, kEnergy, 0, pot.num_slices() + 1), InputError);
  EXPECT_THROW(multislice<float>(parse_device("tpu"), pw, pot, kEnergy), InputError);
  if (!cuda_available()) EXPECT_THROW(multislice<float>(Device::cuda(), pw, pot, kEnergy), DeviceError);
}
