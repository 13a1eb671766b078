// CPU and CUDA runs of the same multislice simulation agree: exit waves of aberrated probes through
// SrTiO3 and gold, their annular detector readings, and a STEM scan, in float and double. Both backends run the
// same template, and the potential slices are the host's (the sampled form, the default) or sampled by the
// same functor on each backend (pixel_average: the same floats up to the last bit of log and sqrt), so they
// differ only in the rounding of FFTW against cuFFT (propagation and the transmissions' band limit) and of
// sin/cos on the two sides.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "errors.hpp"
#include "ms_chunk_case.hpp"
#include "phasis/exec/resources.hpp"
#include "phasis/multislice/atoms.hpp"
#include "phasis/multislice/detectors.hpp"
#include "phasis/multislice/diffraction.hpp"
#include "phasis/multislice/multislice.hpp"
#include "phasis/multislice/phonons.hpp"
#include "phasis/multislice/potential.hpp"
#include "phasis/multislice/simulation.hpp"
#include "phasis/multislice/stem.hpp"
#include "phasis/multislice/waves.hpp"
#include "testing.hpp"

using namespace phasis;
using namespace phasis::ms;
using phasis::testing::max_pointwise_relative;
using phasis::testing::relative_l2;

#if PHASIS_HAVE_CUDA

namespace {

template <class T>
void run_case(const std::string& name, int reps, double wave_tol, double detector_tol) {
  const Atoms atoms = crystal(name, reps, reps, 2);
  const Grid g = grid_from_sampling(atoms.cell[0], atoms.cell[1], 0.05);
  const Potential pot(atoms, g, {Parametrization::lobato, 1.0});
  ProbeOptions o;
  o.energy = 200e3;
  o.semiangle_cutoff = 25;
  o.aberrations.c10 = -30;
  o.aberrations.c30 = 5e4;
  const auto start = probe<T>(g, o, {{1.0, 1.0}, {2.0, 1.5}, {0.5, 3.0}, {atoms.cell[0] / 2, atoms.cell[1] / 2}});
  auto cpu = start.to(Memory::host), gpu = start.to(Memory::host);
  multislice<T>(Device::cpu(), cpu, pot, o.energy);
  multislice<T>(Device::cuda(), gpu, pot, o.energy);
  const double wave_err = relative_l2(gpu.data(), cpu.data(), cpu.size());
  const AnnularDetector haadf{70, 1e3 * antialias_angle(g, o.energy)};
  const auto dc = annular_detect<T>(Device::cpu(), cpu, g, o.energy, haadf), dg = annular_detect<T>(Device::cuda(), gpu, g, o.energy, haadf);
  const double det_err = max_pointwise_relative(dg, dc);
  std::printf("%s %s: %lld slices, %lld x %lld: exit waves %.2e, HAADF %.2e (reading %.4f)\n", name.c_str(),
              sizeof(T) == 4 ? "float" : "double", (long long)pot.num_slices(), (long long)g.ny, (long long)g.nx,
              wave_err, det_err, dc[0]);
  EXPECT_LT(wave_err, wave_tol);
  EXPECT_LT(det_err, detector_tol);

  // Segmented and pixelated detectors read the host patterns of each backend's exit waves.
  const Array<double> pc = diffraction_patterns(cpu), pg = diffraction_patterns(gpu);
  const SegmentedDetector seg{10, 60, 2, 4, 0.2};
  const Array<double> sc = segmented_detect(pc, g, o.energy, seg), sg = segmented_detect(pg, g, o.energy, seg);
  const double seg_err = max_pointwise_relative(sg, sc);
  const Array<double> xc = pixelated_crop(pc, g), xg = pixelated_crop(pg, g);
  const double pix_err = relative_l2(xg, xc);
  std::printf("  segmented %.2e, pixelated %.2e\n", seg_err, pix_err);
  EXPECT_LT(seg_err, detector_tol);
  EXPECT_LT(pix_err, detector_tol);
}

}  // namespace

// Bars: float rounding (6e-8) times the ~2 log2(N) FFT stages and the slice count leaves exit
// waves within ~1e-5; the issue asks for 1e-4. Double is held to 1e-10.
TEST(MultisliceCuda, SrTiO3AgreesWithCpuFloat) { run_case<float>("SrTiO3", 3, 1e-4, 1e-4); }
TEST(MultisliceCuda, SrTiO3AgreesWithCpuDouble) { run_case<double>("SrTiO3", 3, 1e-10, 1e-10); }
TEST(MultisliceCuda, GoldAgreesWithCpuFloat) { run_case<float>("Au", 2, 1e-4, 1e-4); }

TEST(MultisliceCuda, StemAgreesWithCpu) {
  const Atoms atoms = crystal("SrTiO3", 3, 3, 3);
  const Grid g = grid_from_sampling(atoms.cell[0], atoms.cell[1], 0.05);
  const Potential pot(atoms, g, {Parametrization::lobato, 3.905 / 2});
  StemOptions o;
  o.probe.semiangle_cutoff = 25;
  o.detectors = {{0, 25}, {70, 160}};
  o.batch = 5;
  const auto positions = grid_scan({0, 0}, {3.905, 3.905}, 4, 3);
  const Array<double> c = stem_annular<float>(Device::cpu(), pot, positions, o), d = stem_annular<float>(Device::cuda(), pot, positions, o);
  const double worst = max_pointwise_relative(d, c);
  std::printf("STEM float, %lld readings: worst relative difference %.2e\n", (long long)c.size(), worst);
  EXPECT_LT(worst, 1e-4);
}

TEST(MultisliceCuda, PhononEnsembleAgreesWithCpu) {
  // The driver's ensemble path: one set-up, slices, probes and detector masks made on each backend,
  // tables shared by the configurations, detectors read from the last slice's spectra.
  Atoms atoms = crystal("Au", 3, 3, 2);
  set_sigmas(atoms, {{79, 0.085}});
  const Grid g = grid_from_gpts(atoms.cell[0], atoms.cell[1], 256, 256);
  StemOptions o;
  o.probe.semiangle_cutoff = 20;
  o.detectors = {{0, 20}, {65, 160}};
  o.batch = 7;
  o.phonons = 3;
  o.seed = 5;
  const auto positions = grid_scan({4.078, 4.078}, {8.156, 8.156}, 4, 4);
  const PotentialOptions p{Parametrization::lobato, 4.078 / 2};
  const Array<double> c = stem_annular(Device::cpu(), Precision::single, atoms, g, p, positions, o);
  // Stage times asked for: the CUDA run then synchronises the device after every stage, a path whose
  // readings must not differ. The times are for `phasis multislice run` and scripts/gpu-ms-bench to
  // report; a test does not look at them.
  StemTimings timed;
  o.timings = &timed;
  const Array<double> d = stem_annular(Device::cuda(), Precision::single, atoms, g, p, positions, o);
  const double worst = max_pointwise_relative(d, c);
  std::printf("STEM ensemble float, %lld readings: worst relative difference %.2e\n", (long long)c.size(), worst);
  EXPECT_LT(worst, 1e-4);
}

TEST(MultisliceCuda, FusedFftStemAgreesWithSeparatePassesAndCpu) {
  // 512 x 512 grids take the fused FFT kernels (StemOptions::fused_fft) on CUDA in float: against
  // cuFFT with the separate passes on the same GPU (only the FFT kernels' rounding differs), and
  // against the CPU (FFTW). Batches of 4 of 9 positions, so the tail batch runs too.
  const Atoms atoms = crystal("Au", 3, 3, 2);
  const Grid g = grid_from_gpts(atoms.cell[0], atoms.cell[1], 512, 512);
  const Potential pot(atoms, g, {Parametrization::lobato, 4.078 / 2});
  StemOptions o;
  o.probe.semiangle_cutoff = 20;
  o.detectors = {{0, 20}, {65, 160}};
  o.batch = 4;
  const auto positions = grid_scan({4.078, 4.078}, {8.156, 8.156}, 3, 3);
  StemTimings tf, ts;
  o.timings = &tf;
  const Array<double> fused = stem_annular<float>(Device::cuda(), pot, positions, o);
  o.fused_fft = false;
  o.timings = &ts;
  const Array<double> separate = stem_annular<float>(Device::cuda(), pot, positions, o);
  o.timings = nullptr;
  const Array<double> cpu = stem_annular<float>(Device::cpu(), pot, positions, o);
  const double vs_separate = max_pointwise_relative(fused, separate), vs_cpu = max_pointwise_relative(fused, cpu);
  std::printf("fused FFT STEM, %lld readings: worst relative difference %.2e against the separate passes, %.2e "
              "against the CPU\n",
              (long long)cpu.size(), vs_separate, vs_cpu);
  EXPECT_EQ(tf.path, "fused 512");  // the fast path actually ran
  EXPECT_EQ(ts.path, "separate");
  EXPECT_LT(vs_separate, 2e-5);
  EXPECT_LT(vs_cpu, 1e-4);
}

TEST(MultisliceCuda, RunLossBeyondTheApertureAgreesWithCpu) {
  // ms::run adds one annular detector over the whole antialiasing aperture to read the share each
  // probe keeps (issue 17); on the fused 512 path (annular only, float), there with a specimen tilt,
  // and with a segmented detector (exit waves read on the host) it agrees with the CPU, and the
  // user's readings too.
  Simulation s;
  s.atoms = crystal("Au", 3, 3, 2);
  s.grid = grid_from_gpts(s.atoms.cell[0], s.atoms.cell[1], 512, 512);
  s.potential.slice_thickness = 4.078 / 2;
  s.probe.semiangle_cutoff = 20;
  s.scan = ScanKind::custom;
  s.positions = {{4.0, 4.1}, {5.1, 6.2}, {7.3, 4.4}};
  s.scan_shape = {1, 3};
  s.detectors = {{"BF", DetectorType::annular, {0, 20, 1, 1, 0}}, {"HAADF", DetectorType::annular, {65, 160, 1, 1, 0}}};
  for (int pass = 0; pass < 3; ++pass) {
    if (pass == 1) s.potential.tilt = {10, -5};  // the tilt's shifted transmission functions (ShiftSpectra)
    if (pass == 2) s.detectors.push_back({"DPC", DetectorType::segmented, {0, 20, 1, 4, 0}});
    const SimulationResult gpu = run(s, Device::cuda(), Precision::single);
    const SimulationResult cpu = run(s, Device::cpu(), Precision::single);
    if (pass < 2) EXPECT_EQ(gpu.timings.path, "fused 512");
    ASSERT_EQ(gpu.readings.size(), s.detectors.size());
    for (std::size_t d = 0; d < s.detectors.size(); ++d) EXPECT_LT(max_pointwise_relative(gpu.readings[d], cpu.readings[d]), 1e-4);
    ASSERT_EQ(gpu.lost_beyond_aperture.size(), 3);
    for (int64_t j = 0; j < 3; ++j) {
      std::printf("pass %d position %lld: lost %.4e (cuda) %.4e (cpu)\n", pass, (long long)j, gpu.lost_beyond_aperture[j],
                  cpu.lost_beyond_aperture[j]);
      EXPECT_GT(cpu.lost_beyond_aperture[j], 1e-6);  // gold scatters some of the beam past the 690 mrad cutoff
      EXPECT_NEAR(gpu.lost_beyond_aperture[j], cpu.lost_beyond_aperture[j], 1e-5);
    }
  }
}

// The chunked ensemble (execution.hpp) on the gpus scheduler: as on the CPU to float rounding
// (cuFFT against FFTW), and the same for any batch size to the rounding cuFFT's batched plans
// allow (they may pick other kernels for other batch counts: printed, bounded at 1e-6).
TEST(MultisliceCuda, ChunkedEnsembleAgreesWithCpuForAnyBatch) {
  Simulation s = phasis::testing::chunk_case();
  auto on = [&](Device d, int64_t batch) {
    s.batch = batch;
    Execution x;
    x.device = d;
    return run(s, x, Precision::single);
  };
  const SimulationResult cpu = on(Device::cpu(), 7), gpu = on(Device::cuda(), 7), one = on(Device::cuda(), 1),
                         automatic = on(Device::cuda(), 0);
  EXPECT_EQ(gpu.chunking.scheduler, Scheduler::gpus);
  EXPECT_EQ(gpu.chunking.chunks, 3 * 3);
  for (std::size_t d = 0; d < 2; ++d) {
    EXPECT_LT(relative_l2(gpu.readings[d], cpu.readings[d]), 1e-5) << d;
    for (const SimulationResult* other : {&one, &automatic}) {
      int64_t differ = 0;
      for (int64_t i = 0; i < gpu.readings[d].size(); ++i) differ += gpu.readings[d][i] != other->readings[d][i];
      std::printf("detector %zu, batch %lld against 7: %lld of %lld readings differ\n", d,
                  (long long)other->chunking.batch, (long long)differ, (long long)gpu.readings[d].size());
      EXPECT_LT(relative_l2(other->readings[d], gpu.readings[d]), 1e-6) << d;
    }
  }
}

// Waves of 512^2 and more: the GPU's per-wave detector sums run in pieces over many blocks
// (CudaBackend::sum_segments); as on the CPU to float rounding, and the same for any batch.
TEST(MultisliceCuda, LargeWavesDetectorSumsAgreeWithCpu) {
  Simulation s = phasis::testing::chunk_case();
  s.grid = grid_from_gpts(s.atoms.cell[0], s.atoms.cell[1], 512, 512);
  s.positions.resize(5);
  s.scan = ScanKind::custom;
  s.scan_shape = {1, 5};
  s.fused_fft = false;
  auto on = [&](Device d, int64_t batch) {
    s.batch = batch;
    Execution x;
    x.device = d;
    return run(s, x, Precision::single);
  };
  const SimulationResult cpu = on(Device::cpu(), 5), gpu = on(Device::cuda(), 5), one = on(Device::cuda(), 1);
  EXPECT_LT(max_pointwise_relative(gpu.readings[0], cpu.readings[0]), 1e-4);
  EXPECT_LT(relative_l2(gpu.readings[1], cpu.readings[1]), 1e-5);
  for (int64_t j = 0; j < 5; ++j) {
    EXPECT_EQ(gpu.readings[0][j], one.readings[0][j]) << j;
    EXPECT_NEAR(gpu.lost_beyond_aperture[j], cpu.lost_beyond_aperture[j], 1e-6) << j;
  }
}

// The resource sampler reads the GPU through NVML while a GPU run works: memory in use and
// utilisation, for the --profile picture.
TEST(MultisliceCuda, ResourceSamplerReadsTheGpuThroughNvml) {
  exec::ResourceSampler sampler(0.02);
  Simulation s = phasis::testing::chunk_case();
  s.phonons = 8;
  Execution x;
  x.device = Device::cuda();
  (void)run(s, x, Precision::single);
  sampler.stop();
  ASSERT_GE(sampler.gpu_count(), 1) << "NVML found no GPU";
  int64_t most = 0;
  double busiest = 0;
  for (const auto& r : sampler.samples()) {
    ASSERT_GE(r.gpus.size(), 1u);
    most = std::max(most, r.gpus[0].memory_bytes);
    busiest = std::max(busiest, r.gpus[0].utilization_percent);
  }
  std::printf("%zu samples: GPU memory up to %.1f MB, utilisation up to %.0f%%\n", sampler.samples().size(), most / 1e6,
              busiest);
  EXPECT_GT(most, 1 << 20);
  EXPECT_GE(busiest, 0);
}

#endif
