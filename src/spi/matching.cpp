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

const char* to_string(Score s) { return s == Score::poisson ? "poisson" : "euclidean"; }

Score parse_score(const std::string& t) {
  if (t == "euclidean") return Score::euclidean;
  if (t == "poisson") return Score::poisson;
  throw InputError("matching score: expected euclidean or poisson; found '" + t + "'");
}

void prepare_slices(Score score, float* slices, int64_t batch, int64_t pixels, float* terms) {
  if (score == Score::euclidean) {
    normalise_rows(slices, batch, pixels);
    for (int64_t j = 0; j < batch; ++j) terms[j] = 0;
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t j = 0; j < batch; ++j) {
    float* r = slices + j * pixels;
    float top = 0;
    for (int64_t k = 0; k < pixels; ++k) top = std::max(top, r[k]);
    const float floor = top > 0 ? 1e-6f * top : 1e-30f;
    double sum = 0;
    for (int64_t k = 0; k < pixels; ++k) {
      const float v = std::max(r[k], floor);
      sum += v;
      r[k] = std::log(v);
    }
    terms[j] = float(std::log(sum));
  }
}

OrientationMatcher::OrientationMatcher(const float* images, int64_t count, int64_t pixels, Score score)
    : count_(count), pixels_(pixels), score_(score), images_(images, images + count * pixels),
      best_(static_cast<size_t>(count), -1),
      distance_(static_cast<size_t>(count), std::numeric_limits<float>::infinity()) {
  if (count < 1 || pixels < 1)
    throw InputError("spi matching: expected at least one image of at least one pixel; found " +
                     std::to_string(count) + " of " + std::to_string(pixels));
  if (score_ == Score::euclidean) {
    normalise_rows(images_.data(), count, pixels);
  } else {
    totals_.resize(count);
    for (int64_t i = 0; i < count; ++i) {
      double t = 0;
      for (int64_t k = 0; k < pixels; ++k) t += images_[i * pixels + k];
      totals_[i] = float(t);
    }
  }
}

void OrientationMatcher::add_slices(int64_t first, const float* slices, int64_t batch) {
  if (batch <= 0) return;
  slices_.assign(slices, slices + batch * pixels_);
  terms_.resize(batch);
  prepare_slices(score_, slices_.data(), batch, pixels_, terms_.data());
  // Image blocks keep the dot-product block near 32 MiB whatever the batch.
  const int64_t rows = std::max<int64_t>(1, std::min<int64_t>(count_, (int64_t(8) << 20) / batch));
  block_.resize(static_cast<size_t>(rows * batch));
  for (int64_t i0 = 0; i0 < count_; i0 += rows) {
    const int64_t n = std::min(rows, count_ - i0);
    gemm_abt(n, batch, pixels_, images_.data() + i0 * pixels_, slices_.data(), block_.data());
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      const float* dots = block_.data() + i * batch;
      const float total = score_ == Score::poisson ? totals_[i0 + i] : 0.0f;
      // Score to maximise: x.y (euclidean, unit norms) or sum k log M - K log sum M (poisson).
      int64_t arg = 0;
      float best = dots[0] - total * terms_[0];
      for (int64_t j = 1; j < batch; ++j) {
        const float v = dots[j] - total * terms_[j];
        if (v > best) best = v, arg = j;
      }
      const float d = score_ == Score::poisson ? -best : 2 - 2 * best;
      if (d < distance_[i0 + i]) distance_[i0 + i] = d, best_[i0 + i] = first + arg;
    }
  }
}

}  // namespace phasis::spi
