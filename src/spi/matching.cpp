#include "phasis/spi/matching.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "phasis/core/error.hpp"

#if PHASIS_HAVE_BLAS
#include <cblas.h>
#endif

namespace phasis::spi {

void gemm_abt(int64_t rows, int64_t cols, int64_t depth, const float* a, const float* b, float* c) {
  if (rows == 0 || cols == 0) return;
#if PHASIS_HAVE_BLAS
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows), static_cast<int>(cols),
              static_cast<int>(depth), 1.0f, a, static_cast<int>(depth), b, static_cast<int>(depth), 0.0f, c,
              static_cast<int>(cols));
#else
  // Blocks of 64 x 64 outputs over chunks of 256 of depth keep both operands' rows in cache.
  constexpr int64_t tile = 64, chunk = 256;
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t i0 = 0; i0 < rows; i0 += tile)
    for (int64_t j0 = 0; j0 < cols; j0 += tile) {
      const int64_t i1 = std::min(rows, i0 + tile), j1 = std::min(cols, j0 + tile);
      for (int64_t i = i0; i < i1; ++i)
        for (int64_t j = j0; j < j1; ++j) c[i * cols + j] = 0;
      for (int64_t k0 = 0; k0 < depth; k0 += chunk) {
        const int64_t k1 = std::min(depth, k0 + chunk);
        for (int64_t i = i0; i < i1; ++i)
          for (int64_t j = j0; j < j1; ++j) {
            float s = 0;
            for (int64_t k = k0; k < k1; ++k) s += a[i * depth + k] * b[j * depth + k];
            c[i * cols + j] += s;
          }
      }
    }
#endif
}

const char* gemm_library() {
#if PHASIS_HAVE_BLAS
  return "openblas";
#else
  return "builtin";
#endif
}

void normalise_rows(float* rows, int64_t count, int64_t length) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < count; ++i) {
    float* r = rows + i * length;
    double s = 0;
    for (int64_t k = 0; k < length; ++k) s += double(r[k]) * r[k];
    if (s > 0) {
      const float inv = float(1 / std::sqrt(s));
      for (int64_t k = 0; k < length; ++k) r[k] *= inv;
    }
  }
}

OrientationMatcher::OrientationMatcher(const float* images, int64_t count, int64_t pixels)
    : count_(count), pixels_(pixels), images_(images, images + count * pixels),
      best_(static_cast<size_t>(count), -1),
      distance_(static_cast<size_t>(count), std::numeric_limits<float>::infinity()) {
  if (count < 1 || pixels < 1)
    throw InputError("spi matching: expected at least one image of at least one pixel; found " +
                     std::to_string(count) + " of " + std::to_string(pixels));
  normalise_rows(images_.data(), count, pixels);
}

void OrientationMatcher::add_slices(int64_t first, const float* slices, int64_t batch) {
  if (batch <= 0) return;
  slices_.assign(slices, slices + batch * pixels_);
  normalise_rows(slices_.data(), batch, pixels_);
  // Image blocks keep the dot-product block near 32 MiB whatever the batch.
  const int64_t rows = std::max<int64_t>(1, std::min<int64_t>(count_, (int64_t(8) << 20) / batch));
  block_.resize(static_cast<size_t>(rows * batch));
  for (int64_t i0 = 0; i0 < count_; i0 += rows) {
    const int64_t n = std::min(rows, count_ - i0);
    gemm_abt(n, batch, pixels_, images_.data() + i0 * pixels_, slices_.data(), block_.data());
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      const float* dots = block_.data() + i * batch;
      int64_t arg = 0;
      for (int64_t j = 1; j < batch; ++j)
        if (dots[j] > dots[arg]) arg = j;
      const float d = 2 - 2 * dots[arg];  // both unit norm
      if (d < distance_[i0 + i]) distance_[i0 + i] = d, best_[i0 + i] = first + arg;
    }
  }
}

}  // namespace phasis::spi
