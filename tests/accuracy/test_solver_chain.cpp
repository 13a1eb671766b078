// Chains of solvers (reconstruct.hpp: SolverChain, parse_chain) and starts from a given object and
// probe (SolverOptions::start, model/start.hpp), on simulated data against the known truth.
#include <gtest/gtest.h>

#include <memory>
#include <typeinfo>

#include "phasis/core/error.hpp"
#include "phasis/exec/events.hpp"
#include "phasis/exec/interrupt.hpp"
#include "phasis/ptycho/compare.hpp"
#include "phasis/ptycho/problem.hpp"
#include "phasis/ptycho/reconstruct.hpp"
#include "phasis/ptycho/simulate.hpp"
#include "ptycho_case.hpp"

using namespace phasis;

namespace {

SimulationOptions dataset() {
  SimulationOptions so;
  so.frame_size = 64;
  so.positions = 150;
  return so;
}

std::shared_ptr<const SolverOptions> dm_options(int iterations) {
  auto o = std::make_shared<DmOptions>();
  o->iterations = iterations;
  return o;
}

struct Scan {
  PtychoProblem problem;
  PtychoTruth truth;
  Array<uint8_t> region;
  Scan() {
    PtychoData data;
    simulate(dataset(), data, truth);
    const int64_t m = dataset().frame_size;
    Array<int64_t> pos = positions_in_pixels(data.translations, data.geometry.object_pixel_y_m(m),
                                             data.geometry.object_pixel_x_m(m));
    for (int64_t j = 0; j < pos.shape()[0]; ++j) pos[2 * j] -= int64_t(truth.origin_y), pos[2 * j + 1] -= int64_t(truth.origin_x);
    problem = make_problem(std::move(data));
    region = illuminated_region(truth.probe, pos, truth.object.shape()[0], truth.object.shape()[1]);
  }
  double phase_rmse(const SolverResult& r) const {
    return compare_objects(r.object, problem.origin_y, problem.origin_x, truth.object, truth.origin_y, truth.origin_x, region)
        .phase_rmse;
  }
};

}  // namespace

TEST(SolverChain, ParsesStagesAndRejectsWhatIsNotAChain) {
  const auto stages = parse_chain("dm:50,er:20,raar", 7);
  ASSERT_EQ(stages.size(), 3u);
  EXPECT_EQ(stages[0], (std::pair<std::string, int>{"dm", 50}));
  EXPECT_EQ(stages[1], (std::pair<std::string, int>{"er", 20}));
  EXPECT_EQ(stages[2], (std::pair<std::string, int>{"raar", 7}));
  for (const char* bad : {"dm:0", "dm:", "dm:5x", "bogus:5", "dm:5,", ",dm", "dm;er", ""})
    EXPECT_THROW(parse_chain(bad, 10), InputError) << bad;
}

// Error reduction after DM: it starts where DM stopped (its first step is DM's size, not a fresh
// start's 6e-2), keeps the truth (DM's bar, 0.05 rad) and keeps descending. The histories join.
TEST(SolverChain, ErAfterDmStartsWhereDmStopped) {
  const Scan scan;
  const SolverChain chain{{"dm", dm_options(100)}, {"er", dm_options(30)}};
  const SolverResult r = reconstruct(scan.problem, chain, Device::cpu(), Precision::single);
  ASSERT_EQ(r.fourier_error.size(), 130u);
  ASSERT_EQ(r.iteration_seconds.size(), 130u);
  EXPECT_EQ(r.algorithm, "dm:100,er:30");
  const double dm_last = r.fourier_error[99], er_first = r.fourier_error[100];
  std::printf("dm last error %.3e, er first %.3e last %.3e; phase RMSE %.4f rad\n", dm_last, er_first,
              r.fourier_error.back(), scan.phase_rmse(r));
  EXPECT_LT(er_first, 1e-3);  // a fresh start's first step is 6e-2 (test_projection_family)
  EXPECT_LT(r.fourier_error.back(), er_first);
  EXPECT_LT(scan.phase_rmse(r), 0.05);
}

// A run continued from its own result (SolverOptions::start) gets closer to the truth than the
// first part alone, and a start of the wrong shape is one clear InputError.
TEST(SolverChain, AStartContinuesARunAndIsChecked) {
  const Scan scan;
  DmOptions o;
  o.iterations = 15;
  const SolverResult first = reconstruct(scan.problem, "dm", o, Device::cpu(), Precision::single);
  auto start = std::make_shared<SolverStart>();
  start->object = first.object.to(Memory::host);
  start->probe = first.probe.to(Memory::host);
  o.start = start;
  const SolverResult more = reconstruct(scan.problem, "dm", o, Device::cpu(), Precision::single);
  std::printf("15 iterations: phase RMSE %.4f rad; 15 more from there: %.4f\n", scan.phase_rmse(first),
              scan.phase_rmse(more));
  EXPECT_LT(scan.phase_rmse(more), 0.8 * scan.phase_rmse(first));

  auto wrong = std::make_shared<SolverStart>();
  wrong->object = Array<Complex<double>>(Shape{1, 10, 10});
  o.start = wrong;
  try {
    reconstruct(scan.problem, "dm", o, Device::cpu(), Precision::single);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("start object: expected planes of"), std::string::npos) << e.what();
  }
  wrong->object = Array<Complex<double>>();
  wrong->probe = Array<Complex<double>>(Shape{2, 32, 32});
  EXPECT_THROW(reconstruct(scan.problem, "dm", o, Device::cpu(), Precision::single), InputError);
}

// One probe mode from a single-mode stage is split into the modes the next stage runs.
TEST(SolverChain, AStageWithMoreProbeModesSplitsTheOneBefore) {
  const Scan scan;
  auto three = std::make_shared<DmOptions>();
  three->iterations = 5;
  three->probe_modes = 3;
  const SolverChain chain{{"dm", dm_options(10)}, {"dm", three}};
  const SolverResult r = reconstruct(scan.problem, chain, Device::cpu(), Precision::single);
  ASSERT_EQ(r.probe.shape()[0], 3);
  EXPECT_EQ(r.occupancy.size(), 3u);
  EXPECT_GT(r.occupancy[0], 0.5);
}

// A chain across solver families: rPIE refines what DM started (each stage's own options type,
// cloned with its start).
TEST(SolverChain, RpieAfterDmKeepsImproving) {
  const Scan scan;
  auto rpie = default_solver_options("rpie");
  rpie->iterations = 10;
  const SolverChain dm_only{{"dm", dm_options(30)}};
  const SolverChain chain{{"dm", dm_options(30)}, {"rpie", std::shared_ptr<const SolverOptions>(std::move(rpie))}};
  const SolverResult a = reconstruct(scan.problem, dm_only, Device::cpu(), Precision::single);
  const SolverResult b = reconstruct(scan.problem, chain, Device::cpu(), Precision::single);
  std::printf("dm:30 phase RMSE %.4f rad; dm:30,rpie:10 %.4f\n", scan.phase_rmse(a), scan.phase_rmse(b));
  EXPECT_EQ(b.algorithm, "dm:30,rpie:10");
  EXPECT_LT(scan.phase_rmse(b), scan.phase_rmse(a));
}

TEST(SolverChain, DefaultOptionsHaveEachSolversOwnType) {
  for (const std::string& name : solver_names()) {
    const auto o = default_solver_options(name);
    ASSERT_TRUE(o) << name;
    const auto copy = o->clone();
    EXPECT_EQ(typeid(*copy), typeid(*o)) << name << ": clone() must keep the options' type";
  }
  EXPECT_THROW(default_solver_options("bogus"), InputError);
}

namespace {
/// Asks for a stop once `at` iterations of any stage are reported, as Ctrl-C or a stop button would.
class StopAt final : public exec::EventSink {
 public:
  explicit StopAt(int64_t at) : at_(at) {}
  void progress(const exec::Progress& p) override {
    if (p.done == at_) exec::request_stop();
  }

 private:
  int64_t at_;
};
}  // namespace

TEST(SolverChain, AStopRequestEndsTheChainAfterTheIterationInProgress) {
  const Scan scan;
  SolverChain chain{{"dm", dm_options(40)}, {"er", dm_options(10)}};
  StopAt stop(3);
  exec::clear_stop();
  const SolverResult r = reconstruct(scan.problem, chain, Device::cpu(), Precision::single, &stop);
  exec::clear_stop();
  EXPECT_TRUE(r.interrupted);
  EXPECT_EQ(r.fourier_error.size(), 3u);  // the third iteration finished, no fourth, no er stage
  EXPECT_EQ(r.algorithm, "dm:40");
  EXPECT_EQ(r.object.shape()[1], scan.problem.object_h);
  // Without a request the same chain runs to the end.
  const SolverResult full = reconstruct(scan.problem, SolverChain{{"dm", dm_options(4)}}, Device::cpu(), Precision::single);
  EXPECT_FALSE(full.interrupted);
  EXPECT_EQ(full.fourier_error.size(), 4u);
}
