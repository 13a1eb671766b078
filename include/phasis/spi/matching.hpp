// M-TIP's orientation matching: every image takes the reference orientation whose model slice is
// nearest in Euclidean distance. Images and slices are both scaled to unit norm over the detector's
// valid pixels (the model's scale is unknown before merging and the fluence varies), so
//   d(x, y) = ||x||^2 + ||y||^2 - 2 x . y = 2 - 2 x . y
// and the dot products of a block of images with a batch of slices are one GEMM (a BLAS's sgemm on
// the CPU). Slices arrive in batches and a running argmin keeps, per image, the best reference so
// far: the images x references distance matrix is never held, only a block of it.
//
// Photon-counting data have another, better score (Score::poisson): the log-likelihood of the
// counts k under the slice M scaled to the image's total (the scale maximising it),
//   LL(k | M) = sum_p k_p log M_p - K log(sum_p M_p) + const,   K = sum_p k_p,
// again one GEMM (counts against log M) plus a term per image and slice; the "distance" is -LL
// (up to a per-image constant): smaller is better, as for the Euclidean score. Slices are floored
// at 1e-6 of their maximum before the logarithm (the model can be zero where counts are not).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace phasis::spi {

/// C (rows x cols) = A (rows x depth) * B^T (B: cols x depth), all row-major float; OpenBLAS where
/// the build has it (PHASIS_HAVE_BLAS), else a blocked OpenMP loop with the same result to float
/// rounding.
void gemm_abt(int64_t rows, int64_t cols, int64_t depth, const float* a, const float* b, float* c);
/// Which of the two gemm_abt was built: "openblas" or "builtin".
const char* gemm_library();

enum class Score { euclidean, poisson };
const char* to_string(Score s);
/// "euclidean" or "poisson"; InputError otherwise.
Score parse_score(const std::string& text);

/// The transform of a batch of slices (batch x pixels) the score's GEMM takes, in place: unit norm
/// (euclidean) or log of the floored slice (poisson); `terms` gets per slice 0 or log(sum M).
void prepare_slices(Score score, float* slices, int64_t batch, int64_t pixels, float* terms);

class OrientationMatcher {
 public:
  /// `count` images of `pixels` values each (row-major), copied and scaled to unit norm (an
  /// all-zero image stays zero and matches every slice equally: it takes the first).
  OrientationMatcher(const float* images, int64_t count, int64_t pixels, Score score = Score::euclidean);

  /// Slices of references first, first + 1, ..., first + batch - 1 (row-major, batch x pixels);
  /// scaled here like the images. Each image keeps the nearer of its best so far and these.
  void add_slices(int64_t first, const float* slices, int64_t batch);

  int64_t count() const { return count_; }
  /// Per image: the index of its nearest reference so far (-1 before any slice) and the distance.
  const std::vector<int64_t>& best() const { return best_; }
  const std::vector<float>& distance() const { return distance_; }

 private:
  int64_t count_, pixels_;
  Score score_;
  std::vector<float> images_;     // unit-norm copies (euclidean) or the counts (poisson)
  std::vector<float> totals_;     // poisson: counts per image
  std::vector<float> terms_;      // per slice of the batch: log(sum M) (poisson)
  std::vector<int64_t> best_;
  std::vector<float> distance_;
  std::vector<float> slices_, block_;  // scratch: scaled slices, one block of dot products
};

/// Unit-norm scaling of `count` vectors of `length` in place (zero vectors stay zero).
void normalise_rows(float* rows, int64_t count, int64_t length);

}  // namespace phasis::spi
