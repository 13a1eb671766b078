// The element-wise math of the Difference Map's own steps (the reflection, the modulus projection,
// the exit-wave update), written once as PHASIS_HD functors that the CPU loop and the CUDA kernel
// both call. The forward model and the overlap terms that every solver shares are in model/.
#pragma once

#include <algorithm>
#include <cstdint>

#include "backend/cpu.hpp"  // for ScatterSumTerm
#include "phasis/core/complex.hpp"
#include "ptycho/model/forward.hpp"
#include "ptycho/model/fourier.hpp"
#include "ptycho/model/overlap_terms.hpp"

namespace phasis::dm {

// DM is written in the shared model's terms (Geometry, ExitIndex, ObjectTerms, ...).
using namespace phasis::model;
/// The projection family DM belongs to, as weights of one exit-wave step. With phi = P O_j (the
/// overlap projection of the current object and probe) and buf = Pi_F(t) (the Fourier projection):
///   t = (1 + r) phi - r psi,   d = a (buf - phi) + b (phi - psi),   psi += d,   error share |d|^2.
///   DM (Thibault et al. 2008):  r = 1, a = 1, b = 0        psi' = psi + Pi_F(2 phi - psi) - phi
///   RAAR (Luke 2005), beta:     r = 1, a = beta, b = 1 - beta
///                               psi' = beta psi + beta Pi_F(2 phi - psi) + (1 - 2 beta) phi
///     (Luke's x' = beta/2 (R_S R_M + I) x + (1 - beta) P_M x with P_M the overlap projection and
///     P_S the Fourier one; beta = 1 is DM)
///   ER (error reduction):       r = 0, a = 1, b = 1        psi' = Pi_F(phi)
/// With DM's weights every product is by 1 or 0, so DM's numbers do not change.
template <class T>
struct ProjectionStep {
  T r = 1, a = 1, b = 0;
  static ProjectionStep dm() { return {1, 1, 0}; }
  static ProjectionStep raar(double beta) { return {1, T(beta), T(1 - beta)}; }
  static ProjectionStep er() { return {0, 1, 1}; }
  /// t = (1 + r) phi - r psi. For DM, 2 phi - psi (the reflection through the overlap constraint).
  PHASIS_HD Complex<T> input(Complex<T> phi, Complex<T> psi) const { return (T(1) + r) * phi - r * psi; }
  /// d = a (buf - phi) + b (phi - psi): the change of psi.
  PHASIS_HD Complex<T> change(Complex<T> buf, Complex<T> phi, Complex<T> psi) const {
    return a * (buf - phi) + b * (phi - psi);
  }
  bool reflects() const { return r == T(1); }
};

/// 2 P O_j - psi at one exit-wave element: DM's reflection through the overlap constraint (the
/// Fourier input of DM and RAAR). The fused Fourier kernels' row load (dm_fused_fourier.cu) calls it.
template <class T>
PHASIS_HD Complex<T> reflect_wave(Complex<T> psi, const Complex<T>* probe, const Complex<T>* object,
                                  const int32_t* offsets, const Geometry& g, const ExitIndex& e) {
  return T(2) * model_wave(probe, object, offsets, g, e) - psi;
}

/// buf = the Fourier input t of `step` for the frames of one batch starting at frame j0 (i counts
/// within it): 2 P O_j - psi_j for DM and RAAR, P O_j for ER.
template <class T>
struct Reflect {
  Complex<T>* buf;
  const Complex<T>* psi;  // of the batch's first frame
  const Complex<T>* probe;
  const Complex<T>* object;
  const int32_t* offsets;
  Geometry g;
  int64_t j0;
  ProjectionStep<T> step;
  PHASIS_HD void operator()(int64_t i) const {
    buf[i] = step.input(model_wave(probe, object, offsets, g, ExitIndex(i, g, j0)), psi[i]);
  }
};

/// psi += d (ProjectionStep::change; buf - P O_j for DM) after the inverse FFT; returns |d|^2,
/// this element's share of the error.
template <class T>
struct UpdateExit {
  Complex<T>* psi;  // of the batch's first frame
  const Complex<T>* buf;
  const Complex<T>* probe;
  const Complex<T>* object;
  const int32_t* offsets;
  Geometry g;
  int64_t j0;
  ProjectionStep<T> step;
  PHASIS_HD T operator()(int64_t i) const {
    const Complex<T> d = step.change(buf[i], model_wave(probe, object, offsets, g, ExitIndex(i, g, j0)), psi[i]);
    psi[i] += d;
    return norm2(d);
  }
};

/// UpdateExit and the first object scatter in one read of the exit waves: for scatter "frame"
/// jl = j L + l of the batch (j counted from the batch's first frame) at pixel (y, x), every probe
/// mode k gets d (ProjectionStep::change: buf - P^k O^l_j for DM) and psi^{kl}_j += d once; returns ObjectTerms' sums over k of the
/// updated psi, and sum_k |d|^2 (the error share) as `extra`. For B::scatter_add_sum.
template <class T>
struct UpdateExitScatter {
  Complex<T>* psi;  // of the batch's first frame
  const Complex<T>* buf;
  const Complex<T>* probe;
  const Complex<T>* object;
  const int32_t* offsets;  // of the batch's first frame
  Geometry g;
  ProjectionStep<T> step;
  PHASIS_HD ScatterSumTerm<T> operator()(int64_t jl, int64_t y, int64_t x) const {
    const int64_t p = y * g.m + x, j = jl / g.l, l = jl - j * g.l;
    const int64_t o = l * g.plane() + object_index_yx(offsets, g, j, y, x);
    const Complex<T> ob = object[o];
    Complex<T> num{};
    T den = 0, err = 0;
    for (int64_t k = 0; k < g.k; ++k) {
      const int64_t i = ((j * g.k + k) * g.l + l) * g.pix + p;
      const Complex<T> pr = probe[k * g.pix + p];
      const Complex<T> d = step.change(buf[i], pr * ob, psi[i]);
      const Complex<T> q = psi[i] + d;
      psi[i] = q;
      num += conj_mul(pr, q);
      den += norm2(pr);
      err += norm2(d);
    }
    return {o, num, den, err};
  }
};

/// UpdateExitScatter for a single probe and object mode, without the mode loop.
template <class T>
struct UpdateExitScatterSingle {
  Complex<T>* psi;  // of the batch's first frame
  const Complex<T>* buf;
  const Complex<T>* probe;
  const Complex<T>* object;
  const int32_t* offsets;  // of the batch's first frame
  Geometry g;
  ProjectionStep<T> step;
  PHASIS_HD ScatterSumTerm<T> operator()(int64_t j, int64_t y, int64_t x) const {
    const int64_t p = y * g.m + x, i = j * g.pix + p, o = object_index_yx(offsets, g, j, y, x);
    const Complex<T> pr = probe[p];
    const Complex<T> d = step.change(buf[i], pr * object[o], psi[i]);
    const Complex<T> q = psi[i] + d;
    psi[i] = q;
    return {o, conj_mul(pr, q), norm2(pr), norm2(d)};
  }
};

}  // namespace phasis::dm
