// Where a ptychography solver starts, for every solver: the object and probe modes of
// SolverOptions::start when set (a chain's previous stage, or a run resumed from a result), else
// the unit object and the problem's probe split into modes.
#pragma once

#include <cstdint>
#include <string>

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/core/error.hpp"
#include "phasis/ptycho/modes.hpp"
#include "phasis/ptycho/problem.hpp"
#include "phasis/ptycho/reconstruct.hpp"

namespace phasis::model {

/// Unit transmission with a 1% deterministic pseudo-random perturbation. A perfectly flat start
/// makes F(P O) vanish outside a band-limited probe's pupil, where the modulus projection then
/// picks phases from rounding noise: runs in float and double, or on CPU and GPU, would part ways
/// at the first iteration. The perturbation gives those pixels a defined phase. Object modes past
/// the first start at a tenth of the transmission, each with its own perturbation.
template <class T>
Array<Complex<T>> initial_object(int64_t l, int64_t h, int64_t w) {
  Array<Complex<T>> o(Shape{l, h, w});
  uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&state] {  // splitmix64, uniform in [-0.5, 0.5)
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return double((z ^ (z >> 31)) >> 11) * 0x1.0p-53 - 0.5;
  };
  for (int64_t m = 0; m < l; ++m) {
    const double scale = m == 0 ? 1.0 : 0.1;
    for (int64_t i = 0; i < h * w; ++i)
      o[m * h * w + i] = {T(scale * (1 + 0.02 * next())), T(scale * 0.02 * next())};
  }
  return o;
}

template <class To, class From>
Array<Complex<To>> convert(const Array<Complex<From>>& a) {
  Array<Complex<To>> out(a.shape());
  for (int64_t i = 0; i < a.size(); ++i) out[i] = {To(a[i].re), To(a[i].im)};
  return out;
}

/// The object the solver starts from: L x H x W. From options.start: its first l modes, or its one
/// mode with initial_object's further modes; InputError when its planes are not the problem's.
template <class T>
Array<Complex<T>> starting_object(const PtychoProblem& pr, const SolverOptions& options, int64_t l) {
  Array<Complex<T>> o = initial_object<T>(l, pr.object_h, pr.object_w);
  if (!options.start || options.start->object.size() == 0) return o;
  const Array<Complex<double>>& s = options.start->object;
  const auto& sh = s.shape();
  const int64_t given = sh.rank == 3 ? sh[0] : 1, plane = pr.object_h * pr.object_w;
  const int64_t h = sh.rank == 2 || sh.rank == 3 ? sh[sh.rank - 2] : 0, w = sh.rank == 2 || sh.rank == 3 ? sh[sh.rank - 1] : 0;
  if (h != pr.object_h || w != pr.object_w)
    throw InputError("start object: expected planes of " + std::to_string(pr.object_h) + " x " + std::to_string(pr.object_w) +
                     " (this scan's object); found " + std::to_string(h) + " x " + std::to_string(w));
  if (given < l && given != 1)
    throw InputError("start object: expected one mode or at least " + std::to_string(l) + "; found " + std::to_string(given));
  const int64_t copy = given >= l ? l : 1;
  for (int64_t i = 0; i < copy * plane; ++i) o[i] = {T(s[i].re), T(s[i].im)};
  return o;
}

/// The probe modes the solver starts from: K x M x M. From options.start: its first k modes, or
/// its one mode split as initial_probe_modes splits the problem's probe; else the problem's probe
/// split into k modes.
template <class T>
Array<Complex<T>> starting_probe(const PtychoProblem& pr, const SolverOptions& options, int64_t k) {
  if (!options.start || options.start->probe.size() == 0) return convert<T>(initial_probe_modes(pr.probe, k));
  const Array<Complex<double>>& s = options.start->probe;
  const auto& sh = s.shape();
  const int64_t m = pr.frame_size, given = sh.rank == 3 ? sh[0] : 1;
  const int64_t h = sh.rank == 2 || sh.rank == 3 ? sh[sh.rank - 2] : 0, w = sh.rank == 2 || sh.rank == 3 ? sh[sh.rank - 1] : 0;
  if (h != m || w != m)
    throw InputError("start probe: expected " + std::to_string(m) + " x " + std::to_string(m) + " modes (the frames'); found " +
                     std::to_string(h) + " x " + std::to_string(w));
  if (given >= k) {
    Array<Complex<T>> p(Shape{k, m, m});
    for (int64_t i = 0; i < k * m * m; ++i) p[i] = {T(s[i].re), T(s[i].im)};
    return p;
  }
  if (given != 1)
    throw InputError("start probe: expected one mode or at least " + std::to_string(k) + "; found " + std::to_string(given));
  Array<Complex<float>> one(Shape{m, m});
  for (int64_t i = 0; i < m * m; ++i) one[i] = {float(s[i].re), float(s[i].im)};
  return convert<T>(initial_probe_modes(one, k));
}

}  // namespace phasis::model
