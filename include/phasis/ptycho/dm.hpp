// Difference Map ptychography (seed 000; Thibault et al. 2008/2009), with K probe and L object modes.
//
// Exit waves psi_j for each frame j; probe P; object O; frame j sees O at offset r_j. With modes,
// psi_j^{kl} = P^k O^l_j, the model intensity is sum_kl |F psi^{kl}|^2 (the modulus step scales
// every mode by sqrt(I) over that sum), the object update of O^l sums over k and the probe update
// of P^k over l; probe modes are orthogonalised every `orthogonalize_every` iterations.
// One iteration:
//   Fourier step, per frame: phi_j = P O_j;  t = 2 phi_j - psi_j;
//     T = F t;  T' = sqrt(I_j) T / max(|T|, sqrt(I_j) / g) on valid pixels (T elsewhere), g the
//     modulus gain limit (below);  psi_j += F^-1 T' - phi_j
//   Overlap step, `overlap_iterations` times:
//     O(r) = sum_j P*(r - r_j) psi_j(r) / sum_j |P(r - r_j)|^2
//     P(r) = sum_j O*(r + r_j) psi_j(r + r_j) / sum_j |O(r + r_j)|^2   (from `probe_start` on)
//   Both quotients carry a small inertia term c * old value / c in numerator and denominator, so
//   pixels no frame touches keep their value instead of dividing by zero.
// F is the unitary 2D FFT, so sum |psi|^2 = sum I (photons).
// Error (the difference-map error): sum_j ||F^-1 T'_j - phi_j||^2 / sum over valid pixels I, the
// squared distance between the Fourier-constrained and the overlap-constrained exit waves relative
// to the measured power. It is the size of the DM step ||psi_new - psi||^2 and reaches zero at a
// solution consistent with the data; with noisy data it levels off at the noise floor. It costs no
// extra FFT.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/core/device.hpp"
#include "phasis/exec/events.hpp"
#include "phasis/comm/communicator.hpp"
#include "phasis/ptycho/problem.hpp"
#include "phasis/ptycho/reconstruct.hpp"

namespace phasis {

/// The Difference Map's options: those every solver shares (SolverOptions) and its own.
struct DmOptions : SolverOptions {
  int overlap_iterations = 2;    // object/probe alternations per iteration
  // Power bound for noisy data, as a multiple of the Poisson variance of an amplitude (1/4 photon
  // per pixel): frames that fit the data to within it are not forced onto it. 0: exact projection.
  double fourier_relax = 0;
  // Largest factor by which the modulus step may raise a Fourier amplitude (0: no limit, the
  // exact projection). Where the model amplitude |T| nearly vanishes but the data do not, the
  // exact projection takes the phase of a near-zero number, which rounding decides, to full
  // amplitude: early iterations then amplify float rounding ~10^3 (CPU and GPU runs part to 1e-3
  // on sparse single-mode scans). A limit of 2 keeps them at 5e-7 and converges no slower; it
  // leaves consistent solutions (|T| = sqrt(I)) fixed.
  double modulus_gain_limit = 2;
  // Fuse the exit-wave update of the Fourier pass with the first object scatter (one read of the
  // exit waves fewer per iteration); false: the separate passes (the same math, for comparison).
  bool fuse_exit_update = true;
  // The Fourier pass of float CUDA runs with one mode, 256 x 256 frames and fourier_relax = 0 in
  // phasis' own fused FFT kernels (dm/dm_fused_fourier.hpp: three passes over the batch instead of
  // six); other runs take cuFFT and the separate passes, the same math. Chosen once, when the
  // solver is built; SolverResult::fourier_path says which ran.
  bool fused_fourier = true;
  std::unique_ptr<SolverOptions> clone() const override { return std::make_unique<DmOptions>(*this); }
};

/// RAAR (Luke 2005, "raar"): DM relaxed toward the overlap projection, psi' = beta psi +
/// beta Pi_F(2 P O_j - psi) + (1 - 2 beta) P O_j; beta = 1 is DM. Smaller beta damps DM's
/// oscillations on noisy data. ER ("er", error reduction) takes DmOptions: psi' = Pi_F(P O_j).
struct RaarOptions : DmOptions {
  double beta = 0.75;  // in (0, 1]
  std::unique_ptr<SolverOptions> clone() const override { return std::make_unique<RaarOptions>(*this); }
};

/// DM's result is every solver's (reconstruct.hpp).
using DmResult = SolverResult;

/// reconstruct(problem, "dm", options, ...): DM on `device` in `precision` (reconstruct.hpp says
/// what `events` receives).
DmResult run_dm(const PtychoProblem& problem, const DmOptions& options, const Device& device, Precision precision,
                exec::EventSink* events = nullptr, comm::Communicator* parts = nullptr);

}  // namespace phasis
