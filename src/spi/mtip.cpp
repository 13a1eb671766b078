#include "phasis/spi/mtip.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "phasis/core/array.hpp"

#include "phasis/core/error.hpp"
#include "phasis/exec/interrupt.hpp"
#include "mtip_steps.hpp"
#include "phasis/spi/orientations.hpp"

namespace phasis::spi {

namespace {
std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}

void check(const SpiImages& im, const MtipSettings& s) {
  if (im.count < 1) throw InputError("spi reconstruct: expected at least one image; found none");
  if (im.pixels < 1) throw InputError("spi reconstruct: expected at least one valid pixel; found none (all masked?)");
  if (static_cast<int64_t>(im.sx.size()) != im.pixels || static_cast<int64_t>(im.sy.size()) != im.pixels ||
      static_cast<int64_t>(im.sz.size()) != im.pixels)
    throw InputError("spi reconstruct: expected " + std::to_string(im.pixels) + " pixel coordinates; found " +
                     std::to_string(im.sx.size()));
  if (static_cast<int64_t>(im.intensities.size()) != im.count * im.pixels)
    throw InputError("spi reconstruct: expected " + std::to_string(im.count) + " x " + std::to_string(im.pixels) +
                     " intensities; found " + std::to_string(im.intensities.size()));
  for (size_t i = 0; i < im.intensities.size(); ++i) {
    const float v = im.intensities[i];
    if (!std::isfinite(v) || v < 0)
      throw InputError("spi reconstruct: expected finite non-negative intensities; found " + num(v) + " in image " +
                       std::to_string(i / im.pixels) + ", valid pixel " + std::to_string(i % im.pixels));
  }
  if (s.generations < 1) throw InputError("spi reconstruct: expected generations >= 1; found " + std::to_string(s.generations));
  if (s.references < 1)
    throw InputError("spi reconstruct: expected at least one reference orientation; found " + std::to_string(s.references));
  if (s.reference_batch < 1 || s.image_batch < 1)
    throw InputError("spi reconstruct: expected reference and image batches >= 1");
  if (s.grid < 8) throw InputError("spi reconstruct: expected a grid of at least 8 voxels a side; found " + std::to_string(s.grid));
}

// The pixels of `im` with |s| <= q (empty: all of them, when q covers the detector).
detail::PixelSelection within(const SpiImages& im, double q) {
  detail::PixelSelection keep;
  for (int64_t j = 0; j < im.pixels; ++j)
    if (im.sx[j] * im.sx[j] + im.sy[j] * im.sy[j] + im.sz[j] * im.sz[j] <= q * q) keep.push_back(j);
  if (int64_t(keep.size()) == im.pixels) keep.clear();
  return keep;
}

double median(std::vector<float> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

}  // namespace

double max_frequency(const SpiImages& im) {
  double m = 0;
  for (int64_t j = 0; j < im.pixels; ++j) m = std::max(m, std::sqrt(im.sx[j] * im.sx[j] + im.sy[j] * im.sy[j] + im.sz[j] * im.sz[j]));
  return m;
}

namespace {
// Median over the parts' values (each part's vector gathered, padded to the longest with +inf).
double global_median(const std::vector<float>& mine, comm::Communicator* comm) {
  if (!comm || comm->size() == 1) return median(mine);
  const int parts = comm->size();
  const int64_t n = int64_t(mine.size());
  std::vector<int64_t> counts(parts);
  comm->all_gather(&n, sizeof n, counts.data(), Memory::host);
  const int64_t longest = *std::max_element(counts.begin(), counts.end());
  std::vector<float> padded(longest, INFINITY), all(longest * parts);
  std::copy(mine.begin(), mine.end(), padded.begin());
  comm->all_gather(padded.data(), longest * int64_t(sizeof(float)), all.data(), Memory::host);
  std::vector<float> values;
  for (int p = 0; p < parts; ++p) values.insert(values.end(), all.begin() + p * longest, all.begin() + p * longest + counts[p]);
  return median(values);
}

void sum_over_parts(MergeSums& sums, comm::Communicator* comm) {
  if (!comm || comm->size() == 1) return;
  comm->sum(sums.kernel.data(), int64_t(sums.kernel.size()), Memory::host);
  comm->sum(sums.rhs.data(), int64_t(sums.rhs.size()), Memory::host);
  double scalars[2] = {sums.data_norm2, sums.points};
  comm->sum(scalars, 2, Memory::host);
  sums.data_norm2 = scalars[0], sums.points = scalars[1];
}
}  // namespace

MtipResult reconstruct(const SpiImages& im, const MtipSettings& s, exec::EventSink* events, comm::Communicator* comm) {
  check(im, s);
  require_device(s.device);
  // Every part uses the largest |s| of all (the same grid everywhere).
  double s_max = max_frequency(im);
  if (comm && comm->size() > 1) {
    std::vector<double> all(comm->size());
    comm->all_gather(&s_max, sizeof s_max, all.data(), Memory::host);
    s_max = *std::max_element(all.begin(), all.end());
  }
  if (!(s_max > 0)) throw InputError("spi reconstruct: expected pixels away from the beam; found all at s = 0");
  const double limit = 1 / (2 * s_max);
  const double voxel = s.voxel > 0 ? s.voxel : limit;
  if (voxel > limit * (1 + 1e-9))
    throw InputError("spi reconstruct: expected a voxel <= 1 / (2 s_max) = " + num(limit) + " A to hold the data's q-range; found " +
                     num(voxel) + " A");
  if (!(s.resolution_start > 0 && s.resolution_start <= 1))
    throw InputError("spi reconstruct: expected 0 < resolution_start <= 1; found " + num(s.resolution_start));
  if (!(s.particle_radius >= 0)) throw InputError("spi reconstruct: expected a particle radius >= 0 A");
  const int64_t n = s.grid;
  const int ramp = s.ramp_generations > 0 ? s.ramp_generations : std::max(1, s.generations / 2);
  MtipResult out;
  out.n = n, out.voxel = voxel;
  if (!s.initial_orientations.empty() && static_cast<int64_t>(s.initial_orientations.size()) != im.count)
    throw InputError("spi reconstruct: expected one initial orientation per image (" + std::to_string(im.count) +
                     "); found " + std::to_string(s.initial_orientations.size()));
  // Generation 0's orientations are those of the whole set, so a part's images start as they would
  // in a run of one part.
  const int64_t total = im.total > 0 ? im.total : im.count;
  if (im.first < 0 || im.first + im.count > total)
    throw InputError("spi reconstruct: expected images [first, first + count) within the total; found first " +
                     std::to_string(im.first) + " of " + std::to_string(total));
  if (s.initial_orientations.empty()) {
    const auto all = random_rotations(im.first + im.count, s.seed);
    out.orientations.assign(all.begin() + im.first, all.end());
  } else {
    out.orientations = s.initial_orientations;
  }
  out.reference_index.assign(static_cast<size_t>(im.count), -1);
  // The run's images stay on the engine's device for every generation.
  const std::unique_ptr<detail::MtipEngine> engine =
      s.device.is_cuda() ? detail::make_cuda_engine(s.device.index, im) : detail::make_cpu_engine(im);
  exec::ProgressMeter meter(events, "spi", s.generations, "generations");
  PhasingResult phased;
  std::vector<double> prior;  // the model of the previous generation (empty: zero)
  int first_generation = 0;
  if (s.resume) {  // the state after the resumed run's generations: everything the loop carries
    const MtipResult& r = *s.resume;
    const size_t cells = size_t(n * n * n);
    const int done = int(r.generations.size());
    if (r.n != n || std::abs(r.voxel - voxel) > 1e-9 * voxel)
      throw InputError("spi resume: expected a grid of " + std::to_string(n) + "^3 at " + num(voxel) + " A; found " +
                       std::to_string(r.n) + "^3 at " + num(r.voxel) + " A");
    if (int64_t(r.orientations.size()) != im.count || int64_t(r.reference_index.size()) != im.count)
      throw InputError("spi resume: expected the orientations of " + std::to_string(im.count) + " images; found " +
                       std::to_string(r.orientations.size()));
    if (r.density.size() != cells || r.autocorrelation.size() != cells || r.support.size() != cells)
      throw InputError("spi resume: expected density, autocorrelation and support of " + std::to_string(n) + "^3");
    if (done < 1 || done >= s.generations)
      throw InputError("spi resume: expected between 1 and " + std::to_string(s.generations - 1) +
                       " generations done (of the " + std::to_string(s.generations) + " asked); found " + std::to_string(done));
    out.generations = r.generations, out.orientations = r.orientations, out.reference_index = r.reference_index;
    out.autocorrelation = r.autocorrelation, out.merged = r.merged;
    phased.density = r.density, phased.support = r.support;
    prior = out.autocorrelation;
    first_generation = done;
  }
  for (int g = first_generation; g < s.generations; ++g) {
    GenerationMetrics gm;
    double t0 = exec::now_seconds();
    const double fraction = std::min(1.0, s.resolution_start + (1 - s.resolution_start) * double(g) / ramp);
    gm.max_frequency = fraction * s_max;
    const detail::PixelSelection keep = fraction < 1 ? within(im, gm.max_frequency) : detail::PixelSelection{};
    if (fraction < 1 && keep.empty() && max_frequency(im) > gm.max_frequency)
      throw InputError("spi reconstruct: expected valid pixels within " + num(gm.max_frequency) + " 1/A; found none");
    if (g > 0) {
      const detail::Matches found = engine->slice_and_match(out.autocorrelation, n, voxel, s.slicing_tolerance, keep,
                                                            s.references, s.reference_batch, s.score);
      out.reference_index = found.best;
      for (int64_t i = 0; i < im.count; ++i) out.orientations[i] = reference_rotation(out.reference_index[i], s.references);
      gm.matching_distance = global_median(found.distance, comm);
    }
    const double t1 = exec::now_seconds();
    // Merging: every image's pixels rotated into the molecule's frame, in batches of images.
    MergeSums sums = engine->merge_sums(n, voxel, s.merging_tolerance, keep, out.orientations, s.image_batch);
    sum_over_parts(sums, comm);  // the one reduction of a generation
    MergeSettings ms = s.merge;
    ms.device = s.device;
    if (s.particle_radius > 0 && ms.support_radius == 0) ms.support_radius = 2 * s.particle_radius / voxel;
    MergeSolution sol = merge(sums, prior, ms, comm);  // the lambdas spread over the parts
    const double t2 = exec::now_seconds();
    PhasingSettings ps = s.phasing;
    if (ps.max_frequency == 0) ps.max_frequency = gm.max_frequency;
    ps.device = s.device;
    phased = phase(sol.autocorrelation, n, voxel, ps, g > 0 && s.warm_start ? &phased : nullptr);
    out.autocorrelation = autocorrelation_of(phased.density, n, voxel);
    out.merged = std::move(sol.autocorrelation);
    prior = out.autocorrelation;
    const double t3 = exec::now_seconds();

    gm.lambda = sol.lambdas[sol.chosen];
    gm.lambdas = sol.lambdas, gm.misfit = sol.misfit, gm.deviation = sol.deviation;
    gm.cg_residual = sol.residual[sol.chosen];
    gm.cg_iterations = sol.iterations[sol.chosen];
    gm.phasing_error = phased.error.empty() ? 0 : phased.error.back();
    gm.seconds_slicing_matching = t1 - t0, gm.seconds_merging = t2 - t1, gm.seconds_phasing = t3 - t2;
    out.generations.push_back(gm);
    if (events)
      events->note("spi generation " + std::to_string(g) + ": matching " + num(gm.seconds_slicing_matching) +
                   " s (median distance " + num(gm.matching_distance) + "), merging " + num(gm.seconds_merging) +
                   " s (lambda " + num(gm.lambda) + ", CG " + std::to_string(gm.cg_iterations) + " iterations, residual " +
                   num(gm.cg_residual) + "), phasing " + num(gm.seconds_phasing) + " s (error " + num(gm.phasing_error) + ")");
    meter.update(g + 1, {{"distance", gm.matching_distance}, {"cg", gm.cg_residual}, {"phasing", gm.phasing_error}});
    if (events && events->wants_snapshots()) {  // the live view's projections of this generation's density
      Array<float> d(Shape{n, n, n});
      for (int64_t i = 0; i < n * n * n; ++i) d.data()[i] = float(phased.density[size_t(i)]);
      events->snapshot(exec::Snapshot{"density", g, std::move(d)});
    }
    if (s.on_generation) {
      MtipResult state = out;
      state.density = phased.density, state.support = phased.support;
      s.on_generation(state);
    }
    exec::wait_while_paused();
    // Every part stops at the same generation (a signal may reach only some of them).
    bool stop = exec::stop_requested();
    if (comm && comm->size() > 1) stop = comm->sum(stop ? 1.0 : 0.0) > 0;
    if (stop && g + 1 < s.generations) {
      out.interrupted = true;
      break;
    }
  }
  out.density = std::move(phased.density);
  out.support = std::move(phased.support);
  return out;
}

}  // namespace phasis::spi
