// The two heavy steps of an M-TIP generation, once per backend (mtip.cpp holds the one loop):
//   slice_and_match: model slices at every reference (batches), scored against every image by a
//                    GEMM with a running argmin (matching.hpp's distance);
//   merge_sums:      the type-1 sums (Toeplitz kernel, right-hand side) of all oriented images.
// CPU: the NUFFT's CPU plans and OpenBLAS. CUDA (mtip_cuda.cu): the NUFFT's CUDA plans, pixels
// rotated on the GPU, cuBLAS's sgemm and an argmin kernel; only indices, distances and the sums
// come back. Both give the same numbers to float rounding (tests/gpu/test_spi_cuda.cpp).
#pragma once

#include <cstdint>
#include <vector>

#include "phasis/core/device.hpp"
#include "phasis/spi/merging.hpp"
#include "phasis/spi/mtip.hpp"

namespace phasis::spi::detail {

struct Matches {
  std::vector<int64_t> best;
  std::vector<float> distance;
};

Matches slice_and_match_cpu(const std::vector<double>& model, int64_t n, double voxel, double tolerance,
                            const SpiImages& images, int64_t references, int64_t batch, Score score);
MergeSums merge_sums_cpu(int64_t n, double voxel, double tolerance, const SpiImages& images,
                         const std::vector<Rotation>& orientations, int64_t image_batch);

/// CUDA versions on GPU `device`; DeviceError in a build without CUDA.
Matches slice_and_match_cuda(int device, const std::vector<double>& model, int64_t n, double voxel, double tolerance,
                             const SpiImages& images, int64_t references, int64_t batch, Score score);
MergeSums merge_sums_cuda(int device, int64_t n, double voxel, double tolerance, const SpiImages& images,
                          const std::vector<Rotation>& orientations, int64_t image_batch);

}  // namespace phasis::spi::detail
