// The M-TIP loop (Donatelli, Zwart & Sethian 2015; seed 001, SpiniFEL): generations of
//   slicing   model slices of the current autocorrelation at reference orientations (transform.hpp)
//   matching  each image takes its nearest slice's orientation (matching.hpp)
//   merging   the autocorrelation from all oriented images (merging.hpp)
//   phasing   a density whose autocorrelation the next generation slices (phasing.hpp)
// Generation 0 orients the images at random, so its merge is nearly the spherical average; the
// anisotropy left by a finite set of images is what later generations sharpen.
// Reference orientations come in batches from orientations.hpp and are never all held; slices of a
// batch are scored against every image and dropped.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "phasis/comm/communicator.hpp"
#include "phasis/core/device.hpp"
#include "phasis/exec/events.hpp"
#include "phasis/spi/geometry.hpp"
#include "phasis/spi/matching.hpp"
#include "phasis/spi/merging.hpp"
#include "phasis/spi/phasing.hpp"

namespace phasis::spi {

/// What the solver reads: the valid pixels' reciprocal coordinates (1/A, detector frame, masked
/// pixels already dropped) and every image's intensities at them (count x pixels, row-major).
struct SpiImages {
  int64_t count = 0, pixels = 0;
  int64_t first = 0, total = 0;  // a part of a distributed run: global index of image 0, and the
                                 // images of all parts (0: count, a run of one part)
  std::vector<double> sx, sy, sz;
  std::vector<float> intensities;
};

struct MtipResult;

struct MtipSettings {
  Device device = Device::cpu();   // where slicing, matching and the merge's sums run
  int generations = 8;
  int64_t references = 10000;      // size of the reference orientation set
  int64_t reference_batch = 512;   // references sliced and scored at once
  int64_t image_batch = 256;       // images rotated into one set of NUFFT points when merging
  int64_t grid = 0;                // autocorrelation / density grid n (n^3); required
  double voxel = 0;                // A; 0: 1 / (2 s_max), the coarsest that holds the data
  double slicing_tolerance = 1e-4; // float type-2 NUFFT of the slices
  Score score = Score::euclidean;  // matching: unit-norm distance, or the Poisson likelihood of counts
  double merging_tolerance = 1e-5; // type-1 NUFFT of the merge (>= 1e-5: single precision)
  uint64_t seed = 1;               // generation 0's random orientations
  std::vector<Rotation> initial_orientations;  // generation 0's instead (one per image), if given
  // Resolution ramp: generation g uses the pixels with |s| <= s_max * min(1, start + (1 - start)
  // g / ramp), so the first generations find the particle's shape, where orientations are easy to
  // tell apart and a poor model still points the right way, before its details.
  double resolution_start = 0.4;
  int ramp_generations = 0;        // 0: half of the generations
  double particle_radius = 0;      // A; > 0 confines the autocorrelation to 2 x this radius
  bool warm_start = true;          // phasing starts from the previous generation's density
  MergeSettings merge;
  PhasingSettings phasing;
  // Resuming (`--resume`): the state of a run with these settings after some of its generations,
  // as on_generation gave it (read back by read_checkpoint, output.hpp): its metrics, the
  // autocorrelation, density and support, and this part's orientations. The loop continues at the
  // next generation and ends as the uninterrupted run would.
  std::shared_ptr<const MtipResult> resume;
  // Called on every part after each generation with the state so far (density and support
  // included), between generations: a checkpoint writer (`--checkpoint-every`).
  std::function<void(const MtipResult&)> on_generation;
};

struct GenerationMetrics {
  double matching_distance = 0;   // median over images of 2 - 2 x.y (unit-norm image and slice)
  double max_frequency = 0;       // 1/A: the pixels this generation used
  double lambda = 0;              // chosen by the L-curve (absolute)
  std::vector<double> lambdas, misfit, deviation;  // the L-curve's points
  double cg_residual = 0;         // final relative CG residual at the chosen lambda
  int cg_iterations = 0;
  double phasing_error = 0;       // last cycle's || |F| - A || / ||A||
  double seconds_slicing_matching = 0, seconds_merging = 0, seconds_phasing = 0;
};

struct MtipResult {
  int64_t n = 0;
  double voxel = 0;
  std::vector<double> density, autocorrelation, merged;  // n^3 each: phased density, its
                                                         // autocorrelation, the last merge's
  std::vector<uint8_t> support;
  std::vector<Rotation> orientations;  // per image (the last matching; random after generation 0)
  std::vector<int64_t> reference_index;  // per image, -1 before any matching
  std::vector<GenerationMetrics> generations;
  bool interrupted = false;            // stopped by a signal after a whole generation
};

/// Checks `images` (sizes, finite non-negative values) and `settings` (grid >= 8, voxel within the
/// data's q-range), then runs the loop. Progress: task "spi", one unit per generation, with the
/// matching distance, CG residual and phasing error; notes name each step.
/// Distributed (comm with more than one part): each part holds its own images (SpiImages::first,
/// total); every part slices all references and matches its images; the merge's sums are summed
/// over the parts (one reduction per generation: the merge is one global least-squares solve);
/// CG and phasing are repeated on every part from the same sums, so every part holds the same model,
/// and the result equals one part's run to float summation order. Orientations are the part's own.
MtipResult reconstruct(const SpiImages& images, const MtipSettings& settings, exec::EventSink* events = nullptr,
                       comm::Communicator* comm = nullptr);

/// Largest |s| of the pixels (1/A).
double max_frequency(const SpiImages& images);

}  // namespace phasis::spi
