// M-TIP's merging: the autocorrelation a on an n^3 grid (voxel h, layout as density_grid) that
// best explains every oriented image, by Tikhonov-regularised least squares,
//   min_a sum_j (G_a(s_j) - d_j)^2 + lambda ||a - a_prev||^2,   G_a(s) = h^3 sum_k a[k] e^{2 pi i s.k h}
// over the pixels s_j of all images rotated into the molecule's frame (R^T s). The normal
// equations (A^H A + lambda) a = A^H d + lambda a_prev have a Toeplitz A^H A:
//   (A^H A a)[k] = sum_k' T[k - k'] a[k'],  T[D] = h^6 sum_j e^{-2 pi i s_j.D h},  D in (-n, n)^3
//   (A^H d)[k]   = h^3 sum_j d_j e^{-2 pi i s_j.k h}
// both type-1 NUFFTs, summed image batch by image batch (and across ranks: the sums are plain
// arrays), so the operator is applied by one FFT convolution on the (2n)^3 grid and never touches
// the points again. Intensities are centrosymmetric (Friedel), so every point counts at s and -s:
// T and A^H d take their real parts, and a stays real and centrosymmetric.
// Conjugate gradients solve several lambdas at once (one batched FFT per iteration for all); the
// L-curve (log data misfit against log ||a - a_prev||) picks the weight at its corner.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "phasis/core/device.hpp"

namespace phasis::comm {
class Communicator;
}

namespace phasis::spi {

namespace detail {
struct ToeplitzAccess;  // merging.cpp: the CG reaches the GPU operator through it
}

/// The type-1 sums of one merge: the Toeplitz kernel T ((2n)^3, index (D mod 2n), z slowest), the
/// right-hand side b = Re A^H d (n^3, centred), sum d_j^2 and the number of points.
struct MergeSums {
  int64_t n = 0;
  double voxel = 0;
  std::vector<double> kernel, rhs;
  double data_norm2 = 0;
  double points = 0;

  MergeSums() = default;
  MergeSums(int64_t n, double voxel);
  /// Adds elementwise (across batches or ranks); InputError on another grid.
  void add(const MergeSums& other);
};

/// Accumulates MergeSums from batches of oriented pixels with one type-1 transform per batch (of
/// 1 + i v_j: both sums at once, src/spi/friedel.hpp). The kernel's D = -n entries (never used by
/// the convolution) are zero. tolerance: the NUFFT's; >= 1e-5 runs it in single precision (the
/// float NUFFT reaches that; the sums are still added in double), finer ones in double.
class MergeAccumulator {
 public:
  MergeAccumulator(int64_t n, double voxel, double tolerance = 1e-9);
  ~MergeAccumulator();
  MergeAccumulator(MergeAccumulator&&) noexcept;
  MergeAccumulator& operator=(MergeAccumulator&&) noexcept;
  /// m points (1/A, molecule frame) with their measured values.
  void add(int64_t m, const double* sx, const double* sy, const double* sz, const float* values);
  /// m points, each the sum values[j] of weights[j] pixels measured at the same coordinates (the
  /// images of one orientation, src/spi/orientation_groups.hpp); data_norm2 and pixels: the sum of
  /// those pixels' squared values and their number.
  void add_grouped(int64_t m, const double* sx, const double* sy, const double* sz, const float* weights,
                   const float* values, double data_norm2, double pixels);
  const MergeSums& sums() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// A^H A applied by FFT convolution on the (2n)^3 grid, to `batch` vectors at once, on the CPU
/// (FFTW) or a GPU (cuFFT; x and y stay host arrays, so CG's vector steps are the same code).
class ToeplitzOperator {
 public:
  ToeplitzOperator(const MergeSums& sums, int64_t batch, Device device = Device::cpu());
  ~ToeplitzOperator();
  ToeplitzOperator(ToeplitzOperator&&) noexcept;
  /// y = T * x for `batch` consecutive n^3 vectors.
  void apply(const double* x, double* y) const;
  int64_t n() const;
  int64_t batch() const;

 private:
  friend struct detail::ToeplitzAccess;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct MergeSettings {
  std::vector<double> lambdas;    // relative to T[0] (the mean of A^H A's eigenvalues); empty: 1e-4 .. 1
  int max_iterations = 60;        // CG
  double tolerance = 1e-5;        // CG stops when ||r|| < tolerance ||rhs||
  double support_radius = 0;      // voxels; > 0 keeps a zero outside the ball (the autocorrelation
                                  // of a particle of diameter D vanishes beyond D)
  Device device = Device::cpu();  // where the Toeplitz operator's FFTs run
};

struct MergeSolution {
  std::vector<double> lambdas;       // absolute
  std::vector<double> misfit;        // ||A a - d|| per lambda
  std::vector<double> deviation;     // ||a - a_prev|| per lambda
  std::vector<int> iterations;       // CG iterations per lambda
  std::vector<double> residual;      // final relative CG residual per lambda
  int chosen = 0;                    // the L-curve's corner
  std::vector<double> autocorrelation;  // n^3, for the chosen lambda
};

/// Solves the normal equations for every lambda of `settings`, toward `prior` (n^3; empty: zero).
/// With `comm` (every part holding the same summed sums) the lambdas are spread over the parts and
/// every part gets the whole solution: the same as one process, beyond the FFT batch's rounding.
MergeSolution merge(const MergeSums& sums, const std::vector<double>& prior, const MergeSettings& settings,
                    comm::Communicator* comm = nullptr);

/// Index of the corner of an L-curve (points in order of increasing lambda): the point of largest
/// curvature of (log misfit, log deviation); the middle one when fewer than 3 points.
int lcurve_corner(const std::vector<double>& misfit, const std::vector<double>& deviation);

}  // namespace phasis::spi
