// Checkpoints and resume of ptychography runs (SolverOptions::checkpoint, SolverStart's state,
// driver.hpp): a run resumed from the state its checkpoint saved ends bit for bit where the
// uninterrupted run ends (the same object, probe and error history), for DM with one and several
// probe modes, resident and streamed frames, float and double, across a chain's stages, and from
// a stop request; states that do not fit the run are refused.
#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "phasis/core/error.hpp"
#include "phasis/exec/events.hpp"
#include "phasis/exec/interrupt.hpp"
#include "phasis/ptycho/dm.hpp"
#include "phasis/ptycho/problem.hpp"
#include "phasis/ptycho/reconstruct.hpp"
#include "phasis/ptycho/simulate.hpp"

using namespace phasis;

namespace {

PtychoProblem small_problem() {
  SimulationOptions so;
  so.frame_size = 32;
  so.positions = 40;
  PtychoData data;
  PtychoTruth truth;
  simulate(so, data, truth);
  return make_problem(std::move(data));
}

/// Every state the policy was handed, by the chain's iterations done then.
struct Saved {
  std::map<size_t, std::shared_ptr<SolverStart>> by_done;
  std::shared_ptr<const CheckpointPolicy> policy(int every) {
    auto p = std::make_shared<CheckpointPolicy>();
    p->every = every;
    p->write = [this](const SolverStart& s) {
      auto copy = std::make_shared<SolverStart>();
      copy->object = s.object.to(Memory::host);
      copy->probe = s.probe.to(Memory::host);
      copy->exit_waves = s.exit_waves.to(Memory::host);
      copy->occupancy = s.occupancy;
      copy->stage = s.stage, copy->iteration = s.iteration;
      copy->errors = s.errors, copy->seconds = s.seconds;
      by_done[s.errors.size()] = copy;
    };
    return p;
  }
};

SolverChain chain_of(const std::vector<std::pair<std::string, int>>& stages, const DmOptions& base,
                     std::shared_ptr<const CheckpointPolicy> policy, std::shared_ptr<const SolverStart> start) {
  SolverChain chain;
  for (const auto& [name, iterations] : stages) {
    std::unique_ptr<SolverOptions> o = default_solver_options(name);
    static_cast<DmOptions&>(*o) = base;  // dm, raar, er take DmOptions (RaarOptions derives from it)
    o->iterations = iterations;
    o->checkpoint = policy;
    if (chain.empty()) o->start = start;
    chain.push_back({name, std::move(o)});
  }
  return chain;
}

void expect_same(const SolverResult& a, const SolverResult& b) {
  ASSERT_EQ(a.object.shape(), b.object.shape());
  ASSERT_EQ(a.probe.shape(), b.probe.shape());
  int64_t object_differ = 0, probe_differ = 0;
  for (int64_t i = 0; i < a.object.size(); ++i) object_differ += a.object[i].re != b.object[i].re || a.object[i].im != b.object[i].im;
  for (int64_t i = 0; i < a.probe.size(); ++i) probe_differ += a.probe[i].re != b.probe[i].re || a.probe[i].im != b.probe[i].im;
  EXPECT_EQ(object_differ, 0) << "of " << a.object.size() << " object pixels";
  EXPECT_EQ(probe_differ, 0) << "of " << a.probe.size() << " probe pixels";
  EXPECT_EQ(a.fourier_error, b.fourier_error);
  EXPECT_EQ(a.occupancy, b.occupancy);
  EXPECT_EQ(a.algorithm, b.algorithm);
}

/// Runs `stages` whole, saving every `every` iterations; then from the state saved after `from`
/// iterations; the two results must be the same.
void resume_matches(const std::vector<std::pair<std::string, int>>& stages, const DmOptions& base, Precision precision,
                    int every, size_t from) {
  const PtychoProblem pr = small_problem();
  Saved saved;
  const SolverResult whole = reconstruct(pr, chain_of(stages, base, saved.policy(every), nullptr), Device::cpu(), precision);
  ASSERT_TRUE(saved.by_done.count(from)) << "no state saved after " << from << " iterations";
  const auto& state = saved.by_done.at(from);
  EXPECT_GT(state->exit_waves.size(), 0);  // one part: the exit waves are saved
  const SolverResult resumed = reconstruct(pr, chain_of(stages, base, nullptr, state), Device::cpu(), precision);
  expect_same(whole, resumed);
  // A fresh start from the same object and probe (the exit waves P O) ends elsewhere: the exit
  // waves are state that matters, so the comparison above can fail.
  auto plain = std::make_shared<SolverStart>();
  plain->object = state->object.to(Memory::host);
  plain->probe = state->probe.to(Memory::host);
  plain->stage = state->stage, plain->iteration = state->iteration, plain->errors = state->errors, plain->seconds = state->seconds;
  const SolverResult approximate = reconstruct(pr, chain_of(stages, base, nullptr, plain), Device::cpu(), precision);
  EXPECT_NE(approximate.fourier_error.back(), whole.fourier_error.back());
}

DmOptions dm_base() {
  DmOptions o;
  o.probe_start = 2;
  return o;
}

}  // namespace

TEST(CheckpointResume, DmSingleModeContinuesBitForBit) {
  resume_matches({{"dm", 12}}, dm_base(), Precision::single, 5, 5);
}

TEST(CheckpointResume, DmBeforeTheProbeStartsContinuesBitForBit) {
  DmOptions o = dm_base();
  o.probe_start = 4;  // the resumed stage must count iterations from where it was
  resume_matches({{"dm", 9}}, o, Precision::single, 3, 3);
}

TEST(CheckpointResume, DmProbeModesStreamedInDoubleContinueBitForBit) {
  DmOptions o = dm_base();
  o.probe_modes = 3;
  o.orthogonalize_every = 2;
  o.stream_frames = true;  // exit waves in host memory, batches through the staging slots
  o.batch_frames = 16;
  resume_matches({{"dm", 10}}, o, Precision::double_, 3, 3);
}

TEST(CheckpointResume, AChainResumesInItsSecondStage) {
  resume_matches({{"dm", 6}, {"raar", 4}, {"er", 5}}, dm_base(), Precision::single, 4, 8);
}

// A stop request (Ctrl-C, SIGTERM: exec/interrupt.hpp) saves the state after the iteration in
// progress even when no schedule is due; resumed, the run ends as the uninterrupted one.
TEST(CheckpointResume, AStopRequestSavesTheStateToContinueFrom) {
  struct StopAfter final : exec::EventSink {
    int64_t at;
    explicit StopAfter(int64_t a) : at(a) {}
    void progress(const exec::Progress& p) override {
      if (p.done == at) exec::request_stop();
    }
  };
  const PtychoProblem pr = small_problem();
  const SolverResult whole = reconstruct(pr, chain_of({{"dm", 10}}, dm_base(), nullptr, nullptr), Device::cpu(), Precision::single);
  Saved saved;
  StopAfter stop(7);
  exec::clear_stop();
  const SolverResult stopped =
      reconstruct(pr, chain_of({{"dm", 10}}, dm_base(), saved.policy(0), nullptr), Device::cpu(), Precision::single, &stop);
  exec::clear_stop();
  EXPECT_TRUE(stopped.interrupted);
  EXPECT_EQ(stopped.fourier_error.size(), 7u);
  ASSERT_EQ(saved.by_done.size(), 1u);  // no schedule: only the stop's state
  ASSERT_TRUE(saved.by_done.count(7));
  const SolverResult resumed =
      reconstruct(pr, chain_of({{"dm", 10}}, dm_base(), nullptr, saved.by_done.at(7)), Device::cpu(), Precision::single);
  expect_same(whole, resumed);
}

TEST(CheckpointResume, StatesThatDoNotFitTheRunAreRefused) {
  const PtychoProblem pr = small_problem();
  Saved saved;
  reconstruct(pr, chain_of({{"dm", 6}}, dm_base(), saved.policy(3), nullptr), Device::cpu(), Precision::single);
  ASSERT_TRUE(saved.by_done.count(3));
  const auto state = saved.by_done.at(3);
  // Every iteration of the plan already done.
  EXPECT_THROW(reconstruct(pr, chain_of({{"dm", 3}}, dm_base(), nullptr, state), Device::cpu(), Precision::single), InputError);
  // Exit waves of one probe mode for a run of two.
  DmOptions two = dm_base();
  two.probe_modes = 2;
  try {
    reconstruct(pr, chain_of({{"dm", 6}}, two, nullptr, state), Device::cpu(), Precision::single);
    ADD_FAILURE() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("checkpoint exit waves"), std::string::npos) << e.what();
  }
}
