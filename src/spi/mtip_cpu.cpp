#include <algorithm>

#include "mtip_steps.hpp"
#include "phasis/spi/matching.hpp"
#include "phasis/spi/orientations.hpp"
#include "phasis/spi/transform.hpp"
#include "phasis/core/error.hpp"

namespace phasis::spi::detail {

Matches slice_and_match_cpu(const std::vector<double>& model_grid, int64_t n, double voxel, double tolerance,
                            const SpiImages& im, int64_t references, int64_t batch, Score score) {
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

MergeSums merge_sums_cpu(int64_t n, double voxel, double tolerance, const SpiImages& im,
                         const std::vector<Rotation>& orientations, int64_t image_batch) {
  MergeAccumulator acc(n, voxel, tolerance);
  const int64_t m = im.pixels;
  std::vector<double> px, py, pz;
  for (int64_t i0 = 0; i0 < im.count; i0 += image_batch) {
    const int64_t i1 = std::min(im.count, i0 + image_batch), k = i1 - i0;
    px.resize(k * m), py.resize(k * m), pz.resize(k * m);
    for (int64_t i = i0; i < i1; ++i)
      rotate_points(orientations[i], m, im.sx.data(), im.sy.data(), im.sz.data(), px.data() + (i - i0) * m,
                    py.data() + (i - i0) * m, pz.data() + (i - i0) * m);
    acc.add(k * m, px.data(), py.data(), pz.data(), im.intensities.data() + i0 * m);
  }
  return acc.sums();
}

#if !PHASIS_HAVE_CUDA
Matches slice_and_match_cuda(int, const std::vector<double>&, int64_t, double, double, const SpiImages&, int64_t, int64_t,
                             Score) {
  throw DeviceError("spi: this phasis was built without CUDA");
}
MergeSums merge_sums_cuda(int, int64_t, double, double, const SpiImages&, const std::vector<Rotation>&, int64_t) {
  throw DeviceError("spi: this phasis was built without CUDA");
}
#endif

}  // namespace phasis::spi::detail
