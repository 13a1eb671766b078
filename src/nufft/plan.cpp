// Plan<T>: argument checks, the plan's geometry (fine grid and bins from the tolerance), and the
// order of the pipeline's steps for each type and its adjoint. The steps run on the engine of the
// plan's target (nufft_impl.hpp).
#include <climits>
#include <string>

#include "engines.hpp"
#include "phasis/core/error.hpp"
#include "phasis/nufft/nufft.hpp"

namespace phasis::nufft {
namespace {

template <class T>
constexpr double kMinTolerance = 1e-14;
template <>
constexpr double kMinTolerance<float> = 1e-6;

Geometry make_geometry(const std::vector<int64_t>& modes, const KernelShape& k, const Options& opt) {
  Geometry g;
  g.dims = static_cast<int>(modes.size());
  g.width = k.width;
  g.beta = k.beta;
  g.fft_order = opt.fft_order;
  // Bins of 16 cells along x (one cache line of complex doubles is 4; 16 keeps a bin's rows hot),
  // and 16 (2D) or 4 x 4 (3D) across, so a bin's supports overlap heavily.
  const int64_t bin2[3] = {16, 16, 1}, bin3[3] = {16, 4, 4};
  for (int d = 0; d < 3; ++d) {
    if (d < g.dims) {
      g.modes[d] = modes[d];
      g.fine[d] = fine_size(modes[d], k);
    }
    g.bin[d] = g.dims == 3 ? bin3[d] : bin2[d];
    g.bins[d] = (g.fine[d] + g.bin[d] - 1) / g.bin[d];
    g.modes_total *= g.modes[d];
    // The fine grid is about 2^d times the modes: its cell count can pass 2^63 when theirs does not.
    if (__builtin_mul_overflow(g.fine_total, g.fine[d], &g.fine_total))
      throw InputError("nufft modes: the fine grid has more than 2^63 cells");
  }
  return g;
}

}  // namespace

template <class T>
Plan<T>::Plan(Type type, std::vector<int64_t> modes, int sign, double tolerance, int64_t transforms,
              Options options) {
  if (type != Type::type1 && type != Type::type2)
    throw InputError("nufft type: expected 1 or 2; found " + std::to_string(static_cast<int>(type)));
  if (modes.size() != 2 && modes.size() != 3)
    throw InputError("nufft modes: expected 2 or 3 dimensions; found " + std::to_string(modes.size()));
  int64_t total = 1;
  for (int64_t n : modes) {
    if (n < 1) throw InputError("nufft modes: expected at least 1 per dimension; found " + std::to_string(n));
    if (n > (int64_t(1) << 30) || __builtin_mul_overflow(total, n, &total))
      throw InputError("nufft modes: too many modes");
  }
  if (sign != 1 && sign != -1) throw InputError("nufft sign: expected +1 or -1; found " + std::to_string(sign));
  if (!(tolerance >= kMinTolerance<T> && tolerance < 1))
    throw InputError("nufft tolerance: expected a value in [" + std::to_string(kMinTolerance<T>) +
                     ", 1) for this precision; found " + std::to_string(tolerance));
  if (transforms < 1)
    throw InputError("nufft transforms: expected at least 1; found " + std::to_string(transforms));
  if (options.subproblem_points < 1)
    throw InputError("nufft subproblem points: expected at least 1; found " +
                     std::to_string(options.subproblem_points));
  const KernelShape k = kernel_shape(tolerance, options.upsampling);
  const Geometry g = make_geometry(modes, k, options);
  for (int d = 0; d < g.dims; ++d)
    if (g.fine[d] > INT_MAX)
      throw InputError("nufft modes: the fine grid of " + std::to_string(modes[d]) +
                       " modes is beyond the FFT plans' int sizes");
  int64_t fine_all = 0;
  if (__builtin_mul_overflow(g.fine_total, transforms, &fine_all) || fine_all > INT64_MAX / 16)
    throw InputError("nufft: the fine grids of " + std::to_string(transforms) + " transforms are too large");
  impl_ = options.device.is_cuda() ? make_cuda_engine<T>(g, k, transforms, options)
                                         : make_cpu_engine<T>(g, k, transforms, options);
  impl_->type = type;
  impl_->sign = sign;
}

template <class T>
Plan<T>::~Plan() = default;
template <class T>
Plan<T>::Plan(Plan&&) noexcept = default;
template <class T>
Plan<T>& Plan<T>::operator=(Plan&&) noexcept = default;

template <class T>
void Plan<T>::set_points(int64_t m, const T* x, const T* y, const T* z) {
  if (m < 0) throw InputError("nufft points: expected a count >= 0; found " + std::to_string(m));
  if (m > 0 && (!x || !y || (dims() == 3 && !z)))
    throw InputError("nufft points: expected " + std::to_string(dims()) + " coordinate arrays; found a null one");
  impl_->points_set = false;
  impl_->set_points(m, x, y, z);
  impl_->points = m;
  impl_->points_set = true;
}

namespace {

template <class Impl>
void require_points(const Impl& impl) {
  if (!impl.points_set) throw InputError("nufft: set_points must come before execution");
}

inline void require_data(const void* p, int64_t n, const char* name) {
  if (n > 0 && !p) throw InputError(std::string("nufft: ") + name + " is null");
}

}  // namespace

template <class T>
void Plan<T>::execute(Complex<T>* c, Complex<T>* f) {
  if (impl_->type == Type::type1) {
    require_points(*impl_);
    require_data(c, impl_->points, "c");
    require_data(f, 1, "f");
    impl_->prepared = false;
    impl_->type1(c, f, impl_->sign);
  } else {
    prepare_uniform(f);
    interpolate(c);
  }
}

template <class T>
void Plan<T>::execute_adjoint(Complex<T>* c, Complex<T>* f) {
  if (impl_->type == Type::type2) {
    require_points(*impl_);
    require_data(c, impl_->points, "c");
    require_data(f, 1, "f");
    impl_->prepared = false;
    impl_->type1(c, f, -impl_->sign);
  } else {
    prepare_uniform(f);
    interpolate(c);
  }
}

template <class T>
void Plan<T>::prepare_uniform(const Complex<T>* f) {
  require_data(f, 1, "f");
  impl_->prepared = false;
  impl_->prepare(f, impl_->type == Type::type2 ? impl_->sign : -impl_->sign);
  impl_->prepared = true;
}

template <class T>
void Plan<T>::interpolate(Complex<T>* c) {
  require_points(*impl_);
  if (!impl_->prepared) throw InputError("nufft: prepare_uniform must come before interpolate");
  require_data(c, impl_->points, "c");
  impl_->interpolate(c);
}

template <class T>
int Plan<T>::dims() const {
  return impl_->geometry.dims;
}
template <class T>
int64_t Plan<T>::points() const {
  return impl_->points;
}
template <class T>
int64_t Plan<T>::transforms() const {
  return impl_->transforms;
}
template <class T>
int Plan<T>::kernel_width() const {
  return impl_->geometry.width;
}
template <class T>
std::vector<int64_t> Plan<T>::fine_grid() const {
  const Geometry& g = impl_->geometry;
  return std::vector<int64_t>(g.fine, g.fine + g.dims);
}

template <class T>
const char* Plan<T>::spread_method() const {
  return impl_->spread_method();
}
template <class T>
const char* Plan<T>::interpolate_method() const {
  return impl_->interpolate_method();
}

template class Plan<float>;
template class Plan<double>;

}  // namespace phasis::nufft
