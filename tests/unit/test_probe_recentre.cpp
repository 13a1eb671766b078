// Probe recentring (model/recentre.hpp, SolverOptions::probe_recentre_every): started from a probe
// 6 pixels off the frame's centre, DM keeps it there (probe and object drift together, which the
// data cannot see); with recentring the final probe's centroid is within a pixel of the centre,
// and the object still matches the truth. The move itself keeps every exit wave's far field.
#include <gtest/gtest.h>

#include <cmath>

#include "backend/cpu.hpp"
#include "phasis/ptycho/compare.hpp"
#include "phasis/ptycho/dm.hpp"
#include "phasis/ptycho/reconstruct.hpp"
#include "phasis/ptycho/simulate.hpp"
#include "ptycho/model/recentre.hpp"

using namespace phasis;

namespace {

struct Outcome {
  double centroid_off = 0, phase_rmse = 0;
};

Outcome run(int recentre_every) {
  SimulationOptions so;
  so.frame_size = 64;
  so.positions = 200;
  so.initial_probe = "model";
  PtychoData d;
  PtychoTruth t;
  simulate(so, d, t);
  const int64_t m = so.frame_size;
  Array<Complex<float>> moved(Shape{m, m});  // the start 6 pixels down and 5 left of the centre
  for (int64_t y = 0; y < m; ++y)
    for (int64_t x = 0; x < m; ++x) moved[y * m + x] = d.probe[((y - 6 + m) % m) * m + (x + 5) % m];
  d.probe = std::move(moved);
  const PtychoGeometry geometry = d.geometry;
  const Array<double> translations = d.translations.to(Memory::host);
  const PtychoProblem pr = make_problem(std::move(d));
  DmOptions o;
  o.iterations = 60;
  o.probe_recentre_every = recentre_every;
  const SolverResult r = reconstruct(pr, "dm", o, Device::cpu(), Precision::single);
  double s = 0, sy = 0, sx = 0;
  for (int64_t i = 0; i < m * m; ++i) {
    const double v = norm2(r.probe[i]);
    s += v, sy += v * double(i / m), sx += v * double(i % m);
  }
  Outcome out;
  out.centroid_off = std::hypot(sy / s - 0.5 * m, sx / s - 0.5 * m);
  out.phase_rmse = compare_with_truth(r.object, pr.origin_y, pr.origin_x, pr.pixel_y_m, pr.pixel_x_m, t, geometry, m,
                                      translations)
                       .phase_rmse;
  return out;
}

}  // namespace

TEST(ProbeRecentre, AnOffCentreStartEndsCentredAndTheObjectStillFits) {
  const Outcome kept = run(0), centred = run(10);
  std::printf("probe centroid off the centre: %.2f px without recentring, %.2f px with; phase RMSE %.4f / %.4f rad\n",
              kept.centroid_off, centred.centroid_off, kept.phase_rmse, centred.phase_rmse);
  EXPECT_GT(kept.centroid_off, 4.0) << "the case must start off-centre and stay so";
  EXPECT_LT(centred.centroid_off, 1.0);
  EXPECT_LT(centred.phase_rmse, 0.05);
}

TEST(ProbeRecentre, TheMoveKeepsEveryFarField) {
  // A frame's exit wave rolled within the frame keeps |F psi| (the shift theorem): what the
  // recentring does to DM's exit waves changes no modulus constraint.
  const CpuBackend b(Device::cpu());
  const int64_t m = 16;
  Array<Complex<float>> psi(Shape{1, m, m}), rolled(Shape{1, m, m});
  for (int64_t i = 0; i < m * m; ++i) psi[i] = {std::sin(0.3f * float(i)), std::cos(0.17f * float(i * i % 7))};
  b.for_each(m * m, model::RollFrames<float>{rolled.data(), psi.data(), m, 3, -5});
  EXPECT_EQ(rolled[0].re, psi[3 * m + (m - 5)].re);
  auto far = [&](Array<Complex<float>> a) {
    FftwPlan<float> plan({int(m), int(m)}, 1, 1);
    plan.forward(a.data());
    return a;
  };
  const Array<Complex<float>> fa = far(psi.to(Memory::host)), fb = far(rolled.to(Memory::host));
  for (int64_t i = 0; i < m * m; ++i) EXPECT_NEAR(std::sqrt(norm2(fa[i])), std::sqrt(norm2(fb[i])), 1e-4) << i;
  // Move by the centroid: (0, 0) for a centred spot, the offset for a moved one.
  Array<Complex<float>> spot(Shape{1, m, m});
  spot.zero();
  spot[(m / 2) * m + m / 2] = {1, 0};
  EXPECT_EQ(model::probe_recentring(spot, m), (std::pair<int64_t, int64_t>{0, 0}));
  spot.zero();
  spot[(m / 2 + 4) * m + m / 2 - 3] = {1, 0};
  EXPECT_EQ(model::probe_recentring(spot, m), (std::pair<int64_t, int64_t>{4, -3}));
}
