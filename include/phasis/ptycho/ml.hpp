// Maximum-likelihood ptychography (Thibault & Guizar-Sicairos 2012, "Maximum-likelihood refinement
// for coherent diffractive imaging", New J. Phys. 14 063004), with K probe and L object modes.
//
// Model. Frame j sees the object O at offset r_j; psi^{kl}_j = P^k O^l_j; Psi = F psi with F the
// unitary 2D FFT; the model intensity at detector pixel q is I_j(q) = sum_kl |Psi^{kl}_j(q)|^2 and
// n_j(q) = (the stored amplitude)^2 is the measured count. Only valid pixels enter.
// Negative log-likelihood, L = sum_j sum_q l(I_j(q); n_j(q)):
//   poisson:  l = I - n - n log(I / n)   (I - n log I up to a constant of the data: this form is 0 at
//             I = n, so sums stay small near the fit and float keeps their changes; n log(I/n) = 0
//             for n = 0). Inside the log I is floored at 0.01 photons (below it l = I - n -
//             n log(0.01 / n), and its derivative 1 is the one used): a model that predicts no light
//             where photons came keeps a finite cost and a bounded curvature, which float rounding
//             of the dark pixels would otherwise decide (src/ptycho/ml/likelihood.hpp).
//   gaussian: on intensities, l = w (I - n)^2 / 2 with w = 1 / (n + 1): inverse variances of the
//             counts, as the paper weights its Gaussian model, with +1 so that zero counts keep a
//             finite weight.
// With h = dl/dI (poisson: 1 - n / I; gaussian: w (I - n)) and chi^{kl}_j = F^-1 (h Psi^{kl}_j),
// the Wirtinger gradients (dL = 2 Re sum conj(g) dz) are
//   g_O^l(r) = dL/dO^l*(r) = sum_j sum_k conj(P^k(r - r_j)) chi^{kl}_j(r - r_j)
//   g_P^k(p) = dL/dP^k*(p) = sum_j sum_l conj(O^l(p + r_j)) chi^{kl}_j(p)
// Smoothness regularisation (object_smoothness = s > 0):
//   R = mu sum_l sum_r |O^l(r + y) - O^l(r)|^2 + |O^l(r + x) - O^l(r)|^2 (neighbour pairs inside the plane),
//   dR/dO* = mu sum over the neighbours r' of r of (O(r) - O(r')), with mu = s * (sum of n) / (H W): the
//   mean illumination of an object pixel, which is the data term's curvature there, so s is the
//   ratio of the regulariser's curvature to the data's.
// Conjugate gradients (Polak-Ribiere, preconditioned): s = M g with the diagonal M = 1 / (D + c),
//   D_O(r) = sum_j sum_k |P^k(r - r_j)|^2 and D_P(p) = sum_j sum_l |O^l(p + r_j)|^2, the weights of
//   DM's overlap quotients: near the fit both models' curvature in I is about 1/I, so the
//   Gauss-Newton curvature per unitary Fourier component is about constant and its diagonal in O
//   (in P) is proportional to D_O (D_P); c is the inertia (object_inertia, probe_inertia) times
//   the mean of D. The paper instead rescales the probe's
//   gradient by one scalar; the diagonal scaling also balances well- and poorly-lit pixels.
//   beta = max(0, Re <g, s - s_prev> / Re <g_prev, s_prev>)   (negative: restart)
//   d = -s + beta d_prev; restarted (d = -s) at the first iteration, when the probe joins
//   (probe_start) and when d is no descent direction (Re <g, d> >= 0).
// Line search, exact along the line: with O + gamma d_O and P + gamma d_P, the exit waves are
//   psi(gamma) = P O_j + gamma (d_P O_j + P d_Oj) + gamma^2 d_P d_Oj, so I_j(q; gamma) is a quartic
//   c0 + c1 gamma + ... + c4 gamma^4 per detector pixel (three FFTs per frame give its
//   coefficients, kept per pixel). The cost f(gamma) = sum l(I(gamma)) + R(gamma) (R is a quadratic)
//   and its first two derivatives then cost one pass over the coefficients each, without FFTs:
//   safeguarded Newton steps (a bracket of the minimum; bisection or doubling where Newton leaves it
//   or the curvature is not positive) until |f'(gamma)| <= line_search_tolerance |f'(0)| or
//   line_search_steps evaluations past gamma = 0. The converged point is taken, or, when the count
//   ran out, the evaluated gamma of lowest cost (none below f(0): no step, and the next iteration
//   restarts). For the Gaussian model f is a polynomial of degree 8 and the Newton steps converge
//   to its minimum; the paper truncates it (and the Poisson cost's expansion) at degree 2, which
//   is our first Newton step from gamma = 0.
// Error (SolverResult::fourier_error): the cost after the iteration's step, f(gamma) divided by
// the number of measurements (frames x valid pixels): about 1/2 at the noise floor for both
// models with many counts per pixel (less for sparse counts). Progress also shows "R", the data
// misfit sum (sqrt(I) - sqrt(n))^2 / sum n of the state the iteration started from, and "step",
// gamma.
// Distributed runs: every sum (gradients and D in one reduction, the cost and line-search sums)
// is combined over the parts, so every part holds the same whole object; ML always sums the whole
// object (PtychoProblem::regions is not used: the conjugate directions need inner products over
// all of it).
#pragma once

#include <memory>

#include "phasis/ptycho/reconstruct.hpp"

namespace phasis {

/// The noise model of the likelihood (ml.hpp's comment gives both costs).
enum class NoiseModel { poisson, gaussian };

/// Maximum likelihood's options: those every solver shares (SolverOptions: iterations, modes,
/// probe_start, the inertias used in the preconditioner, batches, memory) and its own.
/// probe_modes > 1: the modes start orthogonalised (as DM's) and are then refined as they are.
struct MlOptions : SolverOptions {
  NoiseModel noise = NoiseModel::poisson;
  // Weight of the object smoothness regulariser (0: off), relative to the data's curvature (ml.hpp).
  double object_smoothness = 0;
  // The line search: at most this many cost evaluations past gamma = 0 (each a pass over the
  // frames' line coefficients, no FFT), ending early once |f'(gamma)| <= tolerance |f'(0)|.
  // Measured at 10^3 photons per frame: 3.4 points per iteration on average (Poisson), 1.9
  // (Gaussian); a cap of 4 stopped some early Poisson lines at |f'| = 0.2 |f'(0)|.
  int line_search_steps = 8;
  double line_search_tolerance = 1e-2;
  std::unique_ptr<SolverOptions> clone() const override { return std::make_unique<MlOptions>(*this); }
};

using MlResult = SolverResult;

}  // namespace phasis
