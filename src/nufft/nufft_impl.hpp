// The NUFFT pipeline, written once against a backend B (CpuBackend or CudaBackend) and a spreader S
// that owns the bin-sorted points and spreads onto the fine grid: the one step whose parallel
// strategy differs (CPU: private subgrids per thread; CUDA: atomics). Everything else, the
// deconvolution copies, the FFT and the interpolation, is the same template on either backend.
// nufft_cpu.cpp and nufft_cuda.cu instantiate it; plan.cpp only sees Plan<T>::Impl.
//
// S provides: S(const B&, const Geometry&, const Options&); activate() (selects the plan's device or thread
// count before every call) and release() (the same, noexcept, before the plan's memory is freed);
// check_memory(pointer, name) (throws InputError for memory the backend cannot read);
// set_points(m, x, y, z) (validates, sorts, keeps fine coordinates in sorted order);
// sx(), sy(), sz(), order(); spread(c, fine, transforms, kernel) (fine zeroed by S);
// spread_method() and interpolate_method() (the names Plan reports: "cpu", "shared", "global").
#pragma once

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "phasis/core/array.hpp"
#include "phasis/nufft/nufft.hpp"
#include "nufft/nufft_kernels.hpp"

namespace phasis::nufft {

template <class T>
struct Plan<T>::Impl {
  virtual ~Impl() = default;
  virtual void set_points(int64_t m, const T* x, const T* y, const T* z) = 0;
  /// Type 1 with the given sign: c (transforms x m) -> f (transforms x modes).
  virtual void type1(const Complex<T>* c, Complex<T>* f, int sign) = 0;
  /// Type 2's uniform half with the given sign: f -> deconvolved, transformed fine grid.
  virtual void prepare(const Complex<T>* f, int sign) = 0;
  /// Type 2's non-uniform half: fine grid -> c at the current points.
  virtual void interpolate(Complex<T>* c) = 0;
  /// The methods that spreading and interpolation use now (Plan::spread_method).
  virtual const char* spread_method() const = 0;
  virtual const char* interpolate_method() const = 0;

  Geometry geometry;
  Type type = Type::type1;
  int sign = 1;
  int64_t transforms = 1;
  int64_t points = 0;
  bool points_set = false;
  bool prepared = false;
};

/// Factors of kernel.hpp's deconvolution_factors for each dimension, concatenated (n1 + n2 + n3).
template <class T>
Array<T> deconvolution_table(const Geometry& g, const KernelShape& k) {
  Array<T> out(Shape{g.modes[0] + g.modes[1] + g.modes[2]});
  int64_t at = 0;
  for (int d = 0; d < 3; ++d) {
    const std::vector<double> f =
        d < g.dims ? deconvolution_factors(k, g.modes[d], g.fine[d]) : std::vector<double>(1, 1.0);
    for (double v : f) out[at++] = T(v);
  }
  return out;
}

/// The kernel's polynomial form (kernel.hpp) in precision T, degree w + 3, or an empty array when
/// its largest error in T, measured at plan time, exceeds a fifth of the tolerance: then the
/// kernel is evaluated exactly.
template <class T>
Array<T> polynomial_table(const KernelShape& k) {
  const KernelFit fit = fit_kernel(k, k.width + 3);
  Array<T> table(Shape{static_cast<int64_t>(fit.coeffs.size())});
  for (int64_t i = 0; i < table.size(); ++i) table[i] = T(fit.coeffs[i]);
  KernelEval<T> poly{table.data(), fit.degree, T(2) / T(k.width), T(k.beta)};
  double worst = 0;
  with_width(k.width, [&](auto width) {
    constexpr int W = decltype(width)::value;
    T v[W];
    for (int i = 0; i < 1000; ++i) {
      const double s = 16 + (i + 0.5) / 1000;
      const int64_t first = poly.template values<W>(s, v);
      for (int a = 0; a < W; ++a) {
        const double exact = es_kernel<double>(double(first + a) - s, 2.0 / W, k.beta);
        worst = std::max(worst, std::abs(exact - double(v[a])));
      }
    }
  });
  return worst <= k.tolerance / 5 ? std::move(table) : Array<T>();
}

template <class B, class T, class S>
class Engine final : public Plan<T>::Impl {
 public:
  Engine(const Geometry& g, const KernelShape& k, int64_t transforms, const Options& opt)
      : backend_(opt.device), spreader_(backend_, g, opt) {
    this->geometry = g;
    this->transforms = transforms;
    spreader_.activate();
    dec_ = deconvolution_table<T>(g, k).to(B::memory);
    kernel_.inv_half_width = T(2) / T(k.width);
    kernel_.beta = T(k.beta);
    if (!opt.exact_kernel) {
      Array<T> table = polynomial_table<T>(k);
      if (!table.empty()) {
        poly_ = table.to(B::memory);
        kernel_.coeffs = poly_.data();
        kernel_.degree = static_cast<int>(table.size() / k.width) - 1;
      }
    }
    fine_ = Array<Complex<T>>(Shape{transforms * g.fine_total}, B::memory);
    std::vector<int> dims;  // row-major for the FFT plans: slowest (z) first
    for (int d = g.dims - 1; d >= 0; --d) dims.push_back(static_cast<int>(g.fine[d]));
    fft_ = backend_.template fft<T>(dims, transforms);
  }

  ~Engine() override { spreader_.release(); }

  void set_points(int64_t m, const T* x, const T* y, const T* z) override {
    spreader_.activate();
    spreader_.set_points(m, x, y, z);
  }

  void type1(const Complex<T>* c, Complex<T>* f, int sign) override {
    spreader_.activate();
    spreader_.check_memory(c, "c");
    spreader_.check_memory(f, "f");
    const Geometry& g = this->geometry;
    spreader_.spread(c, fine_.data(), this->transforms, kernel_);
    transform(sign);
    backend_.for_each(this->transforms * g.modes_total, FineToModes<T>{fine_.data(), f, dec_.data(), g});
    backend_.synchronize();
  }

  void prepare(const Complex<T>* f, int sign) override {
    spreader_.activate();
    spreader_.check_memory(f, "f");
    const Geometry& g = this->geometry;
    fine_.zero();
    backend_.for_each(this->transforms * g.modes_total, ModesToFine<T>{f, fine_.data(), dec_.data(), g});
    transform(sign);
    backend_.synchronize();
  }

  void interpolate(Complex<T>* c) override {
    spreader_.activate();
    spreader_.check_memory(c, "c");
    const int64_t m = this->points;
    if constexpr (requires { spreader_.interpolate(fine_.data(), c, this->transforms, kernel_); }) {
      spreader_.interpolate(fine_.data(), c, this->transforms, kernel_);  // the spreader's own (CUDA)
      backend_.synchronize();
      return;
    }
    with_width(this->geometry.width, [&](auto w) {
      backend_.for_each(m, InterpolatePoints<T, decltype(w)::value>{fine_.data(), c, spreader_.sx(), spreader_.sy(), spreader_.sz(),
                                               spreader_.order(), m, this->transforms, this->geometry,
                                               kernel_});
    });
    backend_.synchronize();
  }

  const char* spread_method() const override { return spreader_.spread_method(); }
  const char* interpolate_method() const override { return spreader_.interpolate_method(); }

 private:
  using Fft = typename B::template Fft<T>;

  /// FFTW and cuFFT: forward is exp(-i ...), inverse exp(+i ...), both unnormalised.
  void transform(int sign) {
    if (sign < 0) fft_->forward(fine_.data());
    else fft_->inverse(fine_.data());
  }

  B backend_;  // the plan's device: its threads (CPU), or its GPU and stream (CUDA)
  S spreader_;
  Array<T> dec_;
  Array<T> poly_;
  KernelEval<T> kernel_;
  Array<Complex<T>> fine_;
  std::unique_ptr<Fft> fft_;
};

}  // namespace phasis::nufft
