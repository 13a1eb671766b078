// The CPU engine of M-TIP's heavy steps (mtip_steps.hpp), the one-call wrappers of both engines, and
// what a build without CUDA says when asked for the GPU's.
#include <algorithm>

#include "mtip_steps.hpp"
#include "orientation_groups.hpp"
#include "phasing_engine.hpp"
#include "phasis/core/error.hpp"
#include "phasis/spi/matching.hpp"
#include "phasis/spi/orientations.hpp"
#include "phasis/spi/transform.hpp"
#include "toeplitz_cuda.hpp"

namespace phasis::spi::detail {

SpiImages select_pixels(const SpiImages& im, const PixelSelection& keep) {
  if (keep.empty()) return im;
  SpiImages out;
  out.count = im.count, out.pixels = int64_t(keep.size()), out.first = im.first, out.total = im.total;
  for (int64_t j : keep) out.sx.push_back(im.sx[j]), out.sy.push_back(im.sy[j]), out.sz.push_back(im.sz[j]);
  out.intensities.resize(static_cast<size_t>(out.count * out.pixels));
  for (int64_t i = 0; i < im.count; ++i)
    for (int64_t k = 0; k < out.pixels; ++k) out.intensities[i * out.pixels + k] = im.intensities[i * im.pixels + keep[k]];
  return out;
}

namespace {

class CpuEngine final : public MtipEngine {
 public:
  explicit CpuEngine(const SpiImages& im) : all_(im) {}

  Matches slice_and_match(const std::vector<double>& model_grid, int64_t n, double voxel, double tolerance,
                          const PixelSelection& keep, int64_t references, int64_t batch, Score score) override {
    const SpiImages& im = selected(keep);
    // The model is prepared once; each reference batch is only interpolated.
    GridTransform<float> model(model_grid.data(), n, voxel, tolerance);
    OrientationMatcher matcher(im.intensities.data(), im.count, im.pixels, score);
    std::vector<float> slices(static_cast<size_t>(std::min(batch, references) * im.pixels));
    for (int64_t b0 = 0; b0 < references; b0 += batch) {
      const int64_t b1 = std::min(references, b0 + batch);
      model.intensities(reference_rotations(b0, b1, references), im.pixels, im.sx.data(), im.sy.data(), im.sz.data(),
                        false, slices.data());
      matcher.add_slices(b0, slices.data(), b1 - b0);
    }
    return {matcher.best(), matcher.distance()};
  }

  MergeSums merge_sums(int64_t n, double voxel, double tolerance, const PixelSelection& keep,
                       const std::vector<Rotation>& orientations, int64_t image_batch) override {
    const SpiImages& im = selected(keep);
    MergeAccumulator acc(n, voxel, tolerance);
    const int64_t m = im.pixels;
    // One set of points per orientation (orientation_groups.hpp), image_batch of them per transform.
    const OrientationGroups g = group_orientations(orientations);
    std::vector<double> px, py, pz;
    std::vector<float> weights, values;
    for (int64_t g0 = 0; g0 < g.count(); g0 += image_batch) {
      const int64_t g1 = std::min(g.count(), g0 + image_batch), k = g1 - g0;
      px.resize(k * m), py.resize(k * m), pz.resize(k * m), weights.resize(k * m), values.resize(k * m);
      double norm2 = 0;
      for (int64_t q = g0; q < g1; ++q) {
        const int64_t at = (q - g0) * m;
        rotate_points(g.rotation[q], m, im.sx.data(), im.sy.data(), im.sz.data(), px.data() + at, py.data() + at,
                      pz.data() + at);
        std::fill_n(weights.data() + at, m, float(g.start[q + 1] - g.start[q]));
        for (int64_t j = 0; j < m; ++j) {
          double sum = 0;
          for (int64_t e = g.start[q]; e < g.start[q + 1]; ++e) {
            const double v = im.intensities[g.members[e] * m + j];
            sum += v, norm2 += v * v;
          }
          values[at + j] = float(sum);
        }
      }
      acc.add_grouped(k * m, px.data(), py.data(), pz.data(), weights.data(), values.data(), norm2,
                      double((g.start[g1] - g.start[g0]) * m));
    }
    return acc.sums();
  }

 private:
  // The images with the generation's pixels: the run's own when all are kept, else a copy made once
  // per selection.
  const SpiImages& selected(const PixelSelection& keep) {
    if (keep.empty()) return all_;
    if (keep != keep_) subset_ = select_pixels(all_, keep), keep_ = keep;
    return subset_;
  }

  const SpiImages& all_;
  PixelSelection keep_;
  SpiImages subset_;
};

}  // namespace

std::unique_ptr<MtipEngine> make_cpu_engine(const SpiImages& images) { return std::make_unique<CpuEngine>(images); }

Matches slice_and_match_cpu(const std::vector<double>& model, int64_t n, double voxel, double tolerance,
                            const SpiImages& im, int64_t references, int64_t batch, Score score) {
  return make_cpu_engine(im)->slice_and_match(model, n, voxel, tolerance, {}, references, batch, score);
}
MergeSums merge_sums_cpu(int64_t n, double voxel, double tolerance, const SpiImages& im,
                         const std::vector<Rotation>& orientations, int64_t image_batch) {
  return make_cpu_engine(im)->merge_sums(n, voxel, tolerance, {}, orientations, image_batch);
}
Matches slice_and_match_cuda(int device, const std::vector<double>& model, int64_t n, double voxel, double tolerance,
                             const SpiImages& im, int64_t references, int64_t batch, Score score) {
  return make_cuda_engine(device, im)->slice_and_match(model, n, voxel, tolerance, {}, references, batch, score);
}
MergeSums merge_sums_cuda(int device, int64_t n, double voxel, double tolerance, const SpiImages& im,
                          const std::vector<Rotation>& orientations, int64_t image_batch) {
  return make_cuda_engine(device, im)->merge_sums(n, voxel, tolerance, {}, orientations, image_batch);
}

#if !PHASIS_HAVE_CUDA
namespace {
[[noreturn]] void no_cuda() { throw DeviceError("spi: this phasis was built without CUDA"); }
}  // namespace
std::unique_ptr<MtipEngine> make_cuda_engine(int, const SpiImages&) { no_cuda(); }
std::unique_ptr<PhasingEngine> make_cuda_phasing(int, int64_t) { no_cuda(); }
struct CudaToeplitz::Impl {};
CudaToeplitz::CudaToeplitz(int, int64_t, int64_t, const std::vector<Complex<double>>&) { no_cuda(); }
CudaToeplitz::~CudaToeplitz() = default;
void CudaToeplitz::apply(const double*, double*) const { no_cuda(); }
void CudaToeplitz::apply_device(const double*, double*) const { no_cuda(); }
int CudaToeplitz::device() const { no_cuda(); }
void block_cg_cuda(const CudaToeplitz&, const std::vector<uint8_t>&, const std::vector<double>&, const std::vector<double>&,
                   std::vector<double>&, std::vector<double>&, std::vector<double>&, std::vector<int>&, int, double) {
  no_cuda();
}
#endif

}  // namespace phasis::spi::detail
