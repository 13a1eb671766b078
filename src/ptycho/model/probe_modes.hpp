// Probe modes made orthogonal, for any ptychography solver with mutually incoherent modes (seed
// 000's fly scans): the modes' overlap matrix is formed on the backend, diagonalised on the host
// (ptycho/modes.hpp: orthogonalising_mix), and the modes recombined on the backend, largest
// occupancy first. A solver that holds exit waves per mode mixes them with the same coefficients
// (MixExitModes), so the model they represent is unchanged.
#pragma once

#include <string>
#include <vector>

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/exec/events.hpp"
#include "phasis/ptycho/modes.hpp"
#include "ptycho/model/overlap_terms.hpp"  // InnerTerm, MixModes

namespace phasis::model {

/// A progress line's values with each probe mode's occupancy in % (with several modes).
inline exec::Values with_occupancies(exec::Values v, const std::vector<double>& occupancy) {
  if (occupancy.size() > 1)
    for (std::size_t k = 0; k < occupancy.size(); ++k) v.emplace_back("mode " + std::to_string(k + 1) + " %", 100 * occupancy[k]);
  return v;
}

/// Replaces the k modes of pix pixels in `probe` (backend memory) by their orthogonal
/// recombination; `coeff` (k x k) receives the coefficients on the backend and `scratch` (k x pix,
/// backend) serves as the mixed modes' buffer. Returns the modes' occupancies (fractions of the
/// power, largest first).
template <class B, class T>
std::vector<double> orthogonalize_modes(const B& b, Array<Complex<T>>& probe, int64_t k, int64_t pix,
                                        Array<Complex<T>>& coeff, Array<Complex<T>>& scratch) {
  std::vector<Complex<double>> s(size_t(k * k));
  for (int64_t a = 0; a < k; ++a)
    for (int64_t c = a; c < k; ++c) {
      const Complex<T>* pa = probe.data() + a * pix;
      const Complex<T>* pc = probe.data() + c * pix;
      const double re = b.sum(pix, model::InnerTerm<T>{pa, pc, false});
      const double im = a == c ? 0.0 : b.sum(pix, model::InnerTerm<T>{pa, pc, true});
      s[size_t(a * k + c)] = {re, im};
      s[size_t(c * k + a)] = {re, -im};
    }
  std::vector<Complex<double>> mix;
  std::vector<double> occupancy;
  orthogonalising_mix(s, int(k), mix, occupancy);
  Array<Complex<T>> host(Shape{k, k});
  for (int64_t i = 0; i < k * k; ++i) host[i] = {T(mix[size_t(i)].re), T(mix[size_t(i)].im)};
  coeff.assign(host);
  b.for_each(k * pix, model::MixModes<T>{scratch.data(), probe.data(), coeff.data(), k, pix});
  probe.assign(scratch);
  return occupancy;
}

}  // namespace phasis::model
