// What a backend must provide, as a C++20 concept: the solver templates are written against these
// members only, and each backend checks itself with static_assert where it is defined (cpu.hpp,
// cuda.cuh). Functors are probed with small stand-ins of the shapes the solvers pass.
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <vector>

#include "backend/tile_frames.hpp"
#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/core/device.hpp"
#include "phasis/core/hd.hpp"

namespace phasis {

template <class T>
struct ScatterTerm;
template <class T>
struct ScatterSumTerm;

namespace backend_probe {
/// An index functor: f(i) for i < n.
struct Index {
  PHASIS_HD double operator()(int64_t) const { return 0; }
};
/// A frame-pixel functor of scatter_add / gather_add: f(frame, y, x).
template <class Term>
struct Pixel {
  PHASIS_HD Term operator()(int64_t, int64_t, int64_t) const { return {}; }
};
}  // namespace backend_probe

template <class B>
concept Backend = requires(const B& b, int64_t n, double* out, std::vector<int> dims, Complex<float>* num, float* den,
                           const TileFramesView& tiles, typename B::Sums& sums) {
  { B::memory } -> std::convertible_to<Memory>;
  { B::name } -> std::convertible_to<const char*>;
  { B::gather_tile[0] } -> std::convertible_to<int64_t>;
  typename B::Staging;
  typename B::Sums;
  typename B::template Fft<float>;
  { b.device() } -> std::same_as<Device>;
  { b.template fft<float>(dims, n) } -> std::same_as<std::unique_ptr<typename B::template Fft<float>>>;
  b.staging();
  b.for_each(n, backend_probe::Index{});
  { b.sum(n, backend_probe::Index{}) } -> std::same_as<double>;
  { b.sums(1) } -> std::same_as<typename B::Sums>;
  b.sum_into(n, backend_probe::Index{}, sums, 0);
  sums.zero();
  { sums.read() } -> std::same_as<std::vector<double>>;
  { b.max(n, backend_probe::Index{}) } -> std::same_as<double>;
  b.sum_segments(n, n, backend_probe::Index{}, out);
  b.template scatter_add<float>(n, n, n, backend_probe::Pixel<ScatterTerm<float>>{}, num, den, n);
  b.template scatter_add_sum<float>(n, n, n, backend_probe::Pixel<ScatterSumTerm<float>>{}, num, den, n, sums, 0);
  b.template gather_add<float>(tiles, n, n, n, backend_probe::Pixel<ScatterTerm<float>>{}, num, den);
  b.template gather_add_sum<float>(tiles, n, n, n, backend_probe::Pixel<ScatterSumTerm<float>>{}, num, den, sums, 0);
  b.synchronize();
};

}  // namespace phasis
