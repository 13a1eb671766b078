// A STEM ensemble cut into chunks (execution.hpp) gives the same readings, bit for bit, whatever
// cuts and runs it: 1 or 3 CPU workers (1 worker with the process's threads, or single-threaded
// workers side by side), batches of 1, 7 or the budget's size, a run stopped and resumed from its
// batches. The readings are compared with EXPECT_EQ on doubles: the reduction adds each
// position's configurations in the same order on every path (chunk_queue.hpp), and a position's
// waves do not depend on the batch around them. The reference is also checked against a sum by
// hand (each configuration's multislice of one probe, read here), so the equality tests compare
// physics, not zeros.
#include <gtest/gtest.h>

#include <cmath>

#include "phasis/exec/interrupt.hpp"
#include "phasis/multislice/crystal.hpp"
#include "phasis/multislice/diffraction.hpp"
#include "phasis/multislice/energy.hpp"
#include "phasis/multislice/multislice.hpp"
#include "phasis/multislice/phonons.hpp"
#include "phasis/multislice/simulation.hpp"
#include "phasis/multislice/waves.hpp"

#include "ms_chunk_case.hpp"

using namespace phasis;
using namespace phasis::ms;

namespace {

using phasis::testing::chunk_case;
const auto expect_same = phasis::testing::expect_same_readings;

SimulationResult run_with(Simulation s, int workers, int64_t batch, int threads = 0, RunControl control = {},
                          Precision precision = Precision::double_) {
  s.batch = batch;
  Execution x;
  x.device = Device::cpu(threads);
  x.workers = workers;
  return run(s, x, precision, nullptr, control);
}

}  // namespace

TEST(MsChunks, TheReferenceIsTheEnsembleByHand) {
  const Simulation s = chunk_case();
  const SimulationResult r = run_with(s, 1, 7);
  EXPECT_EQ(r.chunking.batch, 7);
  EXPECT_EQ(r.chunking.chunks, 3 * 3);
  const auto crop = angle_crop_shape(s.grid, s.energy, 40);
  for (int64_t j : {int64_t(0), int64_t(13), int64_t(19)}) {
    double haadf = 0;
    std::vector<double> pattern(std::size_t(crop.first * crop.second), 0.0);
    for (int64_t k = 0; k < s.phonons; ++k) {
      const Potential pot(frozen_phonon(s.atoms, s.seed, k), s.grid, s.potential);
      ProbeOptions p = s.probe;
      p.energy = s.energy;
      Array<Complex<double>> wave = probe<double>(s.grid, p, {s.positions[std::size_t(j)]});
      multislice<double>(Device::cpu(), wave, pot, s.energy);
      const Array<double> pat = diffraction_patterns(wave);  // unshifted, shares of the beam
      const double lambda = wavelength(s.energy);
      for (int64_t iy = 0; iy < s.grid.ny; ++iy)
        for (int64_t ix = 0; ix < s.grid.nx; ++ix) {
          const double mrad = 1e3 * lambda * std::hypot(fft_frequency(ix, s.grid.nx, s.grid.dx), fft_frequency(iy, s.grid.ny, s.grid.dy));
          if (mrad >= 60 && mrad < 130) haadf += pat[iy * s.grid.nx + ix] / 3;
        }
      const Array<double> c = centred_crop(pat, s.grid, crop);
      for (int64_t i = 0; i < c.size(); ++i) pattern[std::size_t(i)] += c[i] / 3;
    }
    // Double precision throughout; the chunked path reads spectra instead of re-transforming.
    EXPECT_NEAR(r.readings[0][j], haadf, 1e-12 + 1e-10 * haadf) << j;
    EXPECT_GT(haadf, 1e-4) << "a HAADF reading of physics, not zero";
    const int64_t frame = crop.first * crop.second;
    for (int64_t i = 0; i < frame; ++i) EXPECT_NEAR(r.readings[1][j * frame + i], pattern[std::size_t(i)], 1e-13) << j << " " << i;
  }
}

TEST(MsChunks, SameBitsForAnyWorkersAndBatches) {
  const Simulation s = chunk_case();
  const SimulationResult ref = run_with(s, 1, 7);
  expect_same(ref, run_with(s, 3, 7, 3), "3 single-threaded workers, batch 7");
  expect_same(ref, run_with(s, 1, 7, 1), "1 worker of 1 thread, batch 7");
  expect_same(ref, run_with(s, 2, 1), "2 workers, batch 1");
  const SimulationResult automatic = run_with(s, 2, 0);
  EXPECT_GT(automatic.chunking.batch, 1);
  expect_same(ref, automatic, "2 workers, automatic batch " + std::to_string(automatic.chunking.batch));
  // In single precision too (the FFTs' rounding does not depend on the batch or the threads).
  const SimulationResult single = run_with(s, 1, 7, 0, {}, Precision::single);
  expect_same(single, run_with(s, 3, 1, 3, {}, Precision::single), "single precision, 3 workers, batch 1");
  // The equality can fail: one configuration fewer changes every reading.
  Simulation fewer = s;
  fewer.phonons = 2;
  EXPECT_NE(run_with(fewer, 1, 7).readings[0][0], ref.readings[0][0]);
}

TEST(MsChunks, AStoppedRunResumedFromItsBatchesEqualsOneRun) {
  const Simulation s = chunk_case();
  const SimulationResult ref = run_with(s, 2, 3);
  // Stop after the second batch is handed over; the batches delivered are what a file would hold.
  std::vector<StemBatch> kept;
  RunControl first;
  first.keep_readings = false;
  first.on_batch = [&](const StemBatch& b) {
    StemBatch copy;
    copy.index = b.index, copy.first = b.first, copy.count = b.count;
    for (const auto& a : b.readings) copy.readings.push_back(a.to(Memory::host));
    kept.push_back(std::move(copy));
    if (b.index == 1) exec::request_stop();
  };
  const SimulationResult stopped = run_with(s, 2, 3, 0, first);
  exec::clear_stop();
  ASSERT_GE(stopped.batches_done, 2);
  ASSERT_LT(stopped.batches_done, stopped.chunking.batches);
  ASSERT_EQ(int64_t(kept.size()), stopped.batches_done);
  RunControl rest;
  rest.first_batch = stopped.batches_done;
  rest.on_batch = [&](const StemBatch& b) { kept.push_back(StemBatch{b.index, b.first, b.count, {}, {}}); };
  const SimulationResult resumed = run_with(s, 3, 3, 0, rest);
  EXPECT_EQ(resumed.batches_done, resumed.chunking.batches);
  for (std::size_t i = 0; i < kept.size(); ++i) EXPECT_EQ(kept[i].index, int64_t(i)) << "batches in order, each once";
  // The readings: the first run's batches, then the resumed run's.
  const int64_t frame = ref.readings[1].size() / int64_t(s.positions.size());
  for (int64_t b = 0; b < stopped.batches_done; ++b)
    for (int64_t j = 0; j < kept[std::size_t(b)].count; ++j) {
      const int64_t at = kept[std::size_t(b)].first + j;
      EXPECT_EQ(kept[std::size_t(b)].readings[0][j], ref.readings[0][at]) << at;
      for (int64_t i = 0; i < frame; ++i) ASSERT_EQ(kept[std::size_t(b)].readings[1][j * frame + i], ref.readings[1][at * frame + i]);
    }
  for (int64_t at = stopped.batches_done * 3; at < int64_t(s.positions.size()); ++at) {
    EXPECT_EQ(resumed.readings[0][at], ref.readings[0][at]) << at;
    for (int64_t i = 0; i < frame; ++i) ASSERT_EQ(resumed.readings[1][at * frame + i], ref.readings[1][at * frame + i]);
  }
}

TEST(MsChunks, BadExecutions) {
  Simulation s = chunk_case();
  Execution x;
  x.chunk_memory = 1000;  // less than one 64 x 64 wave
  try {
    run(s, x, Precision::single);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("chunk_memory: expected at least one position's"), std::string::npos) << e.what();
  }
  x = Execution{};
  x.devices = {0, 1};
  EXPECT_THROW(run(s, x, Precision::single), InputError);  // a GPU list on a CPU run
  x = Execution{};
  x.scheduler = Scheduler::gpus;
  EXPECT_THROW(run(s, x, Precision::single), InputError);
  x = Execution{};
  x.workers = -1;
  EXPECT_THROW(run(s, x, Precision::single), InputError);
  RunControl c;
  c.first_batch = 1000;
  EXPECT_THROW(run(s, Execution{}, Precision::single, nullptr, c), InputError);
}
