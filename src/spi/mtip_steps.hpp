// The two heavy steps of an M-TIP generation, once per backend (mtip.cpp holds the one loop):
//   slice_and_match: model slices at every reference (batches), scored against every image by a
//                    GEMM with a running argmin (matching.hpp's distance);
//   merge_sums:      the type-1 sums (Toeplitz kernel, right-hand side) of all oriented images.
// An engine lives for a whole run and holds what stays on its device between generations: on a GPU
// (mtip_cuda.cu) the images and pixel coordinates are uploaded once, and the scaled images, the
// plans and buffers are reused, so a generation moves only orientations, indices and the sums.
// CPU: the NUFFT's CPU plans and OpenBLAS. CUDA: the NUFFT's CUDA plans, pixels rotated on the GPU,
// cuBLAS's sgemm and a warp-per-image argmin. Both give the same numbers to float rounding
// (tests/gpu/test_spi_cuda.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "phasis/core/device.hpp"
#include "phasis/spi/merging.hpp"
#include "phasis/spi/mtip.hpp"

namespace phasis::spi::detail {

struct Matches {
  std::vector<int64_t> best;
  std::vector<float> distance;
};

/// A generation's pixels: indices into the run's valid pixels, increasing; empty: all of them.
using PixelSelection = std::vector<int64_t>;

class MtipEngine {
 public:
  virtual ~MtipEngine() = default;
  virtual Matches slice_and_match(const std::vector<double>& model, int64_t n, double voxel, double tolerance,
                                  const PixelSelection& keep, int64_t references, int64_t batch, Score score) = 0;
  virtual MergeSums merge_sums(int64_t n, double voxel, double tolerance, const PixelSelection& keep,
                               const std::vector<Rotation>& orientations, int64_t image_batch) = 0;
};

/// An engine over `images` (which must outlive it) on `device`; DeviceError for CUDA in a build
/// without it.
std::unique_ptr<MtipEngine> make_cpu_engine(const SpiImages& images);
std::unique_ptr<MtipEngine> make_cuda_engine(int device, const SpiImages& images);

/// `images` restricted to the pixels of `keep` (a copy; all of them when keep is empty).
SpiImages select_pixels(const SpiImages& images, const PixelSelection& keep);

/// One call on a fresh engine (tests and benchmarks of a single step).
Matches slice_and_match_cpu(const std::vector<double>& model, int64_t n, double voxel, double tolerance,
                            const SpiImages& images, int64_t references, int64_t batch, Score score);
MergeSums merge_sums_cpu(int64_t n, double voxel, double tolerance, const SpiImages& images,
                         const std::vector<Rotation>& orientations, int64_t image_batch);
Matches slice_and_match_cuda(int device, const std::vector<double>& model, int64_t n, double voxel, double tolerance,
                             const SpiImages& images, int64_t references, int64_t batch, Score score);
MergeSums merge_sums_cuda(int device, int64_t n, double voxel, double tolerance, const SpiImages& images,
                          const std::vector<Rotation>& orientations, int64_t image_batch);

/// The merge's type-1 sums run in single precision when the tolerance asks no more of them (the
/// float NUFFT reaches 1e-5; finer tolerances take double): the same rule on every backend.
inline bool merge_in_float(double tolerance) { return tolerance >= 1e-5; }

}  // namespace phasis::spi::detail
