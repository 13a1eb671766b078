// Fourier transform of a centred real-space grid at non-uniform reciprocal points, by the
// project's type-2 NUFFT: for a grid g of n^3 voxels of size h (voxel k at k h, k_i in
// [-n/2, (n-1)/2], layout as density_grid),
//   G(s) = h^3 sum_k g[k] exp(2 pi i s . k h),
// the exact transform of the grid's sampled function (a trigonometric polynomial), so a NUFFT
// point x = 2 pi h s. Used for patterns (g = density, |G|^2) and for M-TIP's slicing (g = the
// autocorrelation, G = intensity). The grid is deconvolved and transformed once (prepare); each
// batch of points is only interpolated.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "phasis/core/complex.hpp"
#include "phasis/spi/geometry.hpp"

namespace phasis::spi {

template <class T>
class GridTransform {
 public:
  /// grid: n^3 real values; voxel in A; tolerance as nufft::Plan's.
  GridTransform(const double* grid, int64_t n, double voxel, double tolerance);
  ~GridTransform();
  GridTransform(GridTransform&&) noexcept;
  GridTransform& operator=(GridTransform&&) noexcept;

  /// G at m points (1/A).
  void evaluate(int64_t m, const double* sx, const double* sy, const double* sz, Complex<T>* out);
  /// |G|^2 (patterns from a density) or Re G (slices of an autocorrelation) of the pixels
  /// rotated by each of `rotations` (see rotate_points): out holds rotations x m values.
  void intensities(const std::vector<Rotation>& rotations, int64_t m, const double* sx, const double* sy,
                   const double* sz, bool squared, T* out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The reference: G(s) by the defining sum over all voxels.
std::vector<Complex<double>> grid_transform_direct(const double* grid, int64_t n, double voxel, int64_t m,
                                                   const double* sx, const double* sy, const double* sz);

}  // namespace phasis::spi
