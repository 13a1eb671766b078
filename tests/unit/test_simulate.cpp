// The simulator: probe power, photon counts, scan geometry, noise and bad options.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "phasis/core/error.hpp"
#include "phasis/ptycho/simulate.hpp"

using namespace phasis;

namespace {

SimulationOptions small() {
  SimulationOptions o;
  o.frame_size = 32;
  o.positions = 30;
  o.photons = 1e4;
  return o;
}

}  // namespace

TEST(Simulate, ProbeIsNormalisedAndCentred) {
  for (const char* model : {"aperture", "gaussian"}) {
    SimulationOptions o = small();
    o.probe = model;
    Array<Complex<float>> p = make_probe(o);
    double s = 0, cy = 0, cx = 0;
    for (int64_t y = 0; y < 32; ++y)
      for (int64_t x = 0; x < 32; ++x) {
        const double v = norm2(p[y * 32 + x]);
        s += v, cy += v * y, cx += v * x;
      }
    EXPECT_NEAR(s, 1.0, 1e-5) << model;
    EXPECT_NEAR(cy / s, 16.0, 0.6) << model;
    EXPECT_NEAR(cx / s, 16.0, 0.6) << model;
  }
}

TEST(Simulate, PatternsCarryThePhotonsAndTheTruth) {
  SimulationOptions o = small();
  PtychoData d;
  PtychoTruth t;
  simulate(o, d, t);
  const int64_t n = d.intensities.shape()[0], m = 32, pix = m * m, w = t.object.shape()[1];
  ASSERT_EQ(n, 30);
  ASSERT_EQ(d.translations.shape()[0], 30);
  const double dy = d.geometry.object_pixel_y_m(m), dx = d.geometry.object_pixel_x_m(m);
  for (int64_t j = 0; j < n; ++j) {
    // Parseval: the pattern's sum equals sum |P O_j|^2 in real space.
    const int64_t oy = std::llround(d.translations[3 * j + 1] / dy) - int64_t(t.origin_y);
    const int64_t ox = std::llround(d.translations[3 * j] / dx) - int64_t(t.origin_x);
    double real = 0, fourier = 0;
    for (int64_t y = 0; y < m; ++y)
      for (int64_t x = 0; x < m; ++x) real += norm2(t.probe[y * m + x] * t.object[(oy + y) * w + ox + x]);
    for (int64_t p = 0; p < pix; ++p) fourier += d.intensities[j * pix + p];
    EXPECT_NEAR(fourier / real, 1.0, 1e-4);
    EXPECT_LE(fourier, o.photons * 1.0001);
    EXPECT_GT(fourier, 0.25 * o.photons);  // |O| >= 0.55
  }
  EXPECT_TRUE(d.probe.empty());
}

TEST(Simulate, PoissonNoiseGivesCounts) {
  SimulationOptions o = small();
  o.poisson = true;
  PtychoData d;
  PtychoTruth t;
  simulate(o, d, t);
  double total = 0;
  for (int64_t i = 0; i < d.intensities.size(); ++i) {
    EXPECT_EQ(d.intensities[i], std::floor(d.intensities[i]));
    total += d.intensities[i];
  }
  EXPECT_GT(total / 30, 0.25 * o.photons);
}

TEST(Simulate, RasterAndJitterStayOnTheGrid) {
  SimulationOptions o = small();
  o.scan = "raster";
  o.positions = 10;  // rounds up to 4 x 4
  o.step_px = 5;
  Array<int64_t> pos = make_scan(o, 10);
  ASSERT_EQ(pos.shape()[0], 16);
  std::set<int64_t> ys;
  for (int64_t j = 0; j < 16; ++j) ys.insert(pos[2 * j]);
  EXPECT_EQ(ys.size(), 4u);
  o.jitter_px = 1.5;
  Array<int64_t> jit = make_scan(o, 10);
  int moved = 0;
  for (int64_t i = 0; i < 32; ++i) moved += jit[i] != pos[i];
  EXPECT_GT(moved, 8);
}

TEST(Simulate, ImpossibleOptionsAreRejected) {
  auto bad = [](auto change) {
    SimulationOptions o = small();
    change(o);
    EXPECT_THROW(check_simulation_options(o), InputError);
  };
  bad([](SimulationOptions& o) { o.frame_size = 4; });
  bad([](SimulationOptions& o) { o.energy_kev = 0; });
  bad([](SimulationOptions& o) { o.distance_m = -1; });
  bad([](SimulationOptions& o) { o.photons = std::nan(""); });
  bad([](SimulationOptions& o) { o.positions = 0; });
  bad([](SimulationOptions& o) { o.probe = "laser"; });
  bad([](SimulationOptions& o) { o.aperture_fraction = 1.5; });
}
