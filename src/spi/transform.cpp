#include "phasis/spi/transform.hpp"

#include <cmath>
#include <numbers>

#include "phasis/core/error.hpp"
#include "phasis/nufft/nufft.hpp"

namespace phasis::spi {

template <class T>
struct GridTransform<T>::Impl {
  nufft::Plan<T> plan;
  double voxel;
  std::vector<T> x, y, z;
  std::vector<Complex<T>> values;
  Impl(int64_t n, double h, double tol) : plan(nufft::Type::type2, {n, n, n}, +1, tol), voxel(h) {}

  void set_points(int64_t m, const double* sx, const double* sy, const double* sz) {
    const double scale = 2 * std::numbers::pi * voxel;
    x.resize(m), y.resize(m), z.resize(m);
    for (int64_t j = 0; j < m; ++j) {
      x[j] = T(scale * sx[j]), y[j] = T(scale * sy[j]), z[j] = T(scale * sz[j]);
    }
    plan.set_points(m, x.data(), y.data(), z.data());
  }
};

template <class T>
GridTransform<T>::GridTransform(const double* grid, int64_t n, double voxel, double tolerance) {
  if (n < 2) throw InputError("spi grid transform: expected n >= 2; found " + std::to_string(n));
  if (!(voxel > 0)) throw InputError("spi grid transform: expected a positive voxel size");
  impl_ = std::make_unique<Impl>(n, voxel, tolerance);
  const double cell = voxel * voxel * voxel;
  std::vector<Complex<T>> f(static_cast<size_t>(n * n * n));
  for (size_t i = 0; i < f.size(); ++i) f[i] = {T(grid[i] * cell), T(0)};
  impl_->plan.prepare_uniform(f.data());  // once: every batch of points only interpolates
}

template <class T> GridTransform<T>::~GridTransform() = default;
template <class T> GridTransform<T>::GridTransform(GridTransform&&) noexcept = default;
template <class T> GridTransform<T>& GridTransform<T>::operator=(GridTransform&&) noexcept = default;

template <class T>
void GridTransform<T>::evaluate(int64_t m, const double* sx, const double* sy, const double* sz, Complex<T>* out) {
  impl_->set_points(m, sx, sy, sz);
  impl_->plan.interpolate(out);
}

template <class T>
void GridTransform<T>::intensities(const std::vector<Rotation>& rotations, int64_t m, const double* sx,
                                   const double* sy, const double* sz, bool squared, T* out) {
  // All rotations of a batch in one set of points: one sort, one interpolation.
  const int64_t total = m * static_cast<int64_t>(rotations.size());
  std::vector<double> px(total), py(total), pz(total);
  for (size_t r = 0; r < rotations.size(); ++r)
    rotate_points(rotations[r], m, sx, sy, sz, px.data() + r * m, py.data() + r * m, pz.data() + r * m);
  impl_->values.resize(total);
  evaluate(total, px.data(), py.data(), pz.data(), impl_->values.data());
  for (int64_t j = 0; j < total; ++j) out[j] = squared ? norm2(impl_->values[j]) : impl_->values[j].re;
}

template class GridTransform<float>;
template class GridTransform<double>;

std::vector<Complex<double>> grid_transform_direct(const double* grid, int64_t n, double voxel, int64_t m,
                                                   const double* sx, const double* sy, const double* sz) {
  std::vector<Complex<double>> out(static_cast<size_t>(m));
  const double scale = 2 * std::numbers::pi * voxel, cell = voxel * voxel * voxel;
  const int64_t lo = -n / 2;
#pragma omp parallel for schedule(static)
  for (int64_t j = 0; j < m; ++j) {
    double re = 0, im = 0;
    for (int64_t iz = 0; iz < n; ++iz)
      for (int64_t iy = 0; iy < n; ++iy)
        for (int64_t ix = 0; ix < n; ++ix) {
          const double p = scale * ((lo + ix) * sx[j] + (lo + iy) * sy[j] + (lo + iz) * sz[j]);
          const double g = grid[(iz * n + iy) * n + ix];
          re += g * std::cos(p);
          im += g * std::sin(p);
        }
    out[j] = {re * cell, im * cell};
  }
  return out;
}

}  // namespace phasis::spi
