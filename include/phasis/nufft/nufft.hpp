// Non-uniform FFTs of type 1 and 2 in 2D and 3D, float and double, on the CPU and on CUDA.
//
// With points x_j in R^d (j < M, taken modulo 2 pi) and integer modes k with
// -N_i/2 <= k_i <= (N_i - 1)/2 in each dimension:
//   type 1 (non-uniform -> uniform):  f[k] = sum_j c_j exp(sign i k . x_j)
//   type 2 (uniform -> non-uniform):  c_j = sum_k f[k] exp(sign i k . x_j)
// Type 1 with sign s and type 2 with sign -s are adjoint to each other; every plan runs both
// (execute and execute_adjoint), so the merging and slicing of single-particle imaging share one
// plan and one sort of the points.
//
// Layout (as FINUFFT): modes = {N1, N2[, N3]} pair with the coordinates x, y[, z]; f is the
// row-major array of shape (N3, N2, N1), x index fastest, mode -N1/2 first (or 0 first with
// Options::fft_order). With `transforms` > 1, c holds `transforms` consecutive vectors of M values
// and f `transforms` consecutive mode arrays; all share the points.
//
// Method (type 1): sort the points by bin of the upsampled fine grid, spread them onto it with the
// "exponential of semicircle" kernel phi(z) = exp(beta (sqrt(1 - (2z/w)^2) - 1)) (evaluated as a
// fitted piecewise polynomial), FFT, divide by the kernel's Fourier transform; type 2 runs the
// same steps reversed, interpolating instead of spreading. kernel.hpp has the formulas,
// nufft_kernels.hpp the grid conventions, nufft_impl.hpp the pipeline.
//
// Usual usage:
//   nufft::Plan<double> plan(nufft::Type::type1, {n1, n2, n3}, +1, 1e-9);
//   plan.set_points(m, x, y, z);   // copied and sorted; change them any time
//   plan.execute(c, f);            // type 1; plan.execute_adjoint(c, f) runs type 2 with sign -1
// Type 2 at many point sets from one uniform array (SPI slicing):
//   plan.prepare_uniform(f);       // deconvolve + FFT once
//   for each set: plan.set_points(m, x, y, z); plan.interpolate(c);
//
// Memory: the plan holds the fine grids of all its transforms at once (transforms x prod(n_fine)
// complex values, n_fine about upsampling x modes) and its points' fine coordinates and order:
// 8 (d + 1) bytes per point in d dimensions, whatever the precision. Point counts and indices are
// 64-bit everywhere (CPU and CUDA), so one call may take more than 2^31 points.
// Results are reproducible run to run for a given thread count (CPU); on CUDA the order of the
// atomic additions varies, so type 1 varies by rounding. One plan serves one caller thread at a
// time; separate plans run concurrently.
//
// A CUDA plan (Options::device a CUDA device) takes device pointers everywhere (InputError for
// host memory or another GPU's) and runs on that GPU, which it selects in every call, on a stream of
// its own (its backend's); a CPU plan runs with the device's thread count. A CUDA plan's fine grid
// must stay below 2^30 cells per dimension (its kernels index each dimension in 32 bits; far
// beyond any grid a GPU holds in 2D or 3D): InputError otherwise.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "phasis/core/complex.hpp"  // for Complex
#include "phasis/core/device.hpp"   // for Device

namespace phasis::nufft {

enum class Type { type1 = 1, type2 = 2 };
/// How a CUDA plan spreads (type 1). shared: each thread block adds the points of one bin (1024 at
/// a time) into a copy of the bin and its kernel-width border (the box) in shared memory,
/// then that box into the fine grid; global: one thread per point adds straight into the fine
/// grid with atomics. automatic: shared where the points are sorted, a box fits in the shared
/// memory and the cost model of docs/nufft.md (global atomics per point of the box against the
/// kernel's w^d) favours it; global otherwise.
enum class Spread { automatic, shared, global };
/// How a CUDA plan interpolates (type 2). shared: each thread block copies one bin's box of the
/// fine grid into shared memory and interpolates that bin's points (1024 at a time) from there;
/// global: one thread per sorted point reads its support from the fine grid. automatic: by the
/// same kind of cost model as Spread.
enum class Interpolate { automatic, shared, global };

struct Options {
  Device device = Device::cpu();  // where the plan runs: the CPU (its threads; 0: all) or a GPU
  double upsampling = 2.0;     // fine grid / modes: 2.0, or 1.25 (smaller grid, wider kernel)
  bool fft_order = false;      // modes ordered 0, 1, ..., N/2-1, -N/2, ..., -1 (as an FFT)
  bool sort = true;            // sort points by bin for locality (off: keep the given order)
  bool exact_kernel = false;   // evaluate exp(...) at every use instead of the fitted polynomial
  int64_t subproblem_points = 10000;  // most points a CPU thread spreads into one private subgrid
  Spread spread = Spread::automatic;  // CUDA spreading method (shared needs sort = true)
  Interpolate interpolate = Interpolate::automatic;  // CUDA interpolation method (shared: sort)
  // CUDA: shared memory a block's box may take, in bytes; 0: half of what an SM has, within what
  // a block may opt into (H100: 113 KiB), so two blocks share an SM. Bins are sized to fit it.
  int64_t shared_bytes = 0;
};

/// One NUFFT geometry: modes, sign, tolerance, number of transforms, points.
template <class T>
class Plan {
 public:
  /// modes: {N1, N2} or {N1, N2, N3}, each >= 1; sign: +1 or -1; tolerance in [1e-14, 1) for
  /// double and [1e-6, 1) for float. Throws InputError on anything else.
  Plan(Type type, std::vector<int64_t> modes, int sign, double tolerance, int64_t transforms = 1,
       Options options = {});
  ~Plan();
  Plan(Plan&&) noexcept;
  Plan& operator=(Plan&&) noexcept;
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;

  /// m points with coordinates x[j], y[j] (and z[j] in 3D), any finite values (taken modulo 2 pi).
  /// The coordinates are copied. Throws InputError on NaN or infinite coordinates.
  void set_points(int64_t m, const T* x, const T* y, const T* z = nullptr);

  /// The plan's own type: type 1 reads c and writes f; type 2 reads f and writes c.
  void execute(Complex<T>* c, Complex<T>* f);
  /// The adjoint: type 2 with the opposite sign on a type-1 plan (reads f, writes c), and type 1
  /// with the opposite sign on a type-2 plan (reads c, writes f).
  void execute_adjoint(Complex<T>* c, Complex<T>* f);

  /// The uniform half of this plan's type-2 direction (type 2 with `sign` on a type-2 plan, with
  /// -sign on a type-1 plan): deconvolves f and transforms it onto the fine grid, which the plan
  /// keeps until the next prepare_uniform or type-1 execution.
  void prepare_uniform(const Complex<T>* f);
  /// c_j at the current points from the prepared grid. Throws InputError before prepare_uniform.
  void interpolate(Complex<T>* c);

  int dims() const;
  int64_t points() const;
  int64_t transforms() const;
  /// Kernel width in fine-grid cells, and the fine grid's size per dimension ({n1, n2[, n3]}).
  int kernel_width() const;
  std::vector<int64_t> fine_grid() const;
  /// The method of the plan's spreading (its type-1 direction) and interpolation (its type-2
  /// direction): "shared" or "global" on CUDA (as Spread and Interpolate), "cpu" on the CPU. On
  /// CUDA, shared and global are fixed when the plan is made; automatic is decided by each
  /// set_points, which also sizes the bins for the points' density, never by an execution
  /// ("global" before the first set_points).
  const char* spread_method() const;
  const char* interpolate_method() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace phasis::nufft
