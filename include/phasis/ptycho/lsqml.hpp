// LSQML: the iterative least-squares solver for generalised maximum-likelihood ptychography
// (Odstrcil, Menzel & Guizar-Sicairos, Opt. Express 26, 3108 (2018)), with K probe and L object
// modes (src/ptycho/lsqml/). Registered as "lsqml".
//
// Per iteration the frames are visited in a random order (std::mt19937_64(seed + it), PIE's
// order: pie.hpp) in mini-batches of `mini_batch` frames (random batches: the paper's sparse,
// little-overlapping batches are not formed). For each batch, with psi^{kl}_j = P^k O^l_j,
// Psi = F psi (unitary), I = sum_kl |Psi^{kl}|^2, n the measured counts (valid pixels only):
//   1. The far-field update to the noise model's optimum (paper Section 2):
//        gaussian (amplitude model, L = sum (sqrt(I) - sqrt(n))^2): Psi' = sqrt(n) Psi / sqrt(I),
//          the modulus projection (with PIE's gain limit, modulus_gain_limit);
//        poisson (L = sum I - n log I): Psi' = Psi (1 - alpha_j w), w = 1 - n / I, the gradient
//          step with alpha_j the exact minimum of L_j along it (convex on [0, 1): Newton steps);
//          I floored inside w at 0.01 photons and at n / G^2 (G: modulus_gain_limit).
//      chi_j = F^-1 Psi'_j - psi_j, the exit-wave change.
//   2. The update directions, the illumination-weighted averages of the frames' own updates
//      (paper eqs. 24-25), with regularised denominators:
//        dO = sum_j P* chi_j / (sum_j |P|^2 + delta_O),  dP = sum_j O_j* chi_j / (sum_j |O_j|^2 + delta_P)
//      summed over the batch's frames covering each pixel (and over the modes as DM's updates),
//      delta_O = delta max_r sum_j |P|^2 and delta_P = delta max_p sum_j |O_j|^2 over the batch.
//   3. Per frame, the optimal step lengths (paper eq. 23): minimise over real alpha_O, alpha_P
//        || chi_j - alpha_O P dO_j - alpha_P dP O_j ||^2   (sums over pixels and modes)
//      by its 2 x 2 normal equations (src/ptycho/lsqml/step_length.hpp), each step limited to
//      [0, step_limit].
//   4. O += beta_O dO, P += beta_P dP (from probe_start on), beta the batch's mean of the frames'
//      limited steps: both updates from the same (old) O and P.
// Error: sum over valid pixels (|F psi| - sqrt(n))^2 / sum over valid pixels n, each frame
// measured before its batch's update (PIE's error), for both noise models.
// Positions are the problem's integer offsets (no sub-pixel shifts, no refinement: as ML). Distributed
// runs sum each batch's sums over the parts in one reduction and the frames' steps in a second
// (three numbers), as PIE does: every part holds the same object and probe after every batch.
#pragma once

#include <cstdint>
#include <memory>

#include "phasis/ptycho/ml.hpp"  // NoiseModel
#include "phasis/ptycho/reconstruct.hpp"

namespace phasis {

/// LSQML's options: those every solver shares (SolverOptions: iterations, modes, probe_start) and
/// its own. Not used: the inertias (delta regularises), batch_frames (its batch is the mini batch,
/// which changes the algorithm), stream_frames (the amplitudes stay on the device; true is refused),
/// position refinement.
struct LsqmlOptions : SolverOptions {
  NoiseModel noise = NoiseModel::poisson;
  // Frames updated together (>= 1; more than the scan's frames: the whole scan). 10: about 10% of
  // a scan of 100 frames; measured on the 150-frame test scans, batches of 5 to 20 converge alike
  // per iteration.
  int64_t mini_batch = 10;
  // The random frame order of iteration `it` comes from std::mt19937_64(seed + it).
  uint64_t seed = 0;
  // The paper's delta: the denominators' floor, relative to their maximum over the batch, in
  // [0, 1). Where the illumination is weak the direction is damped instead of divided by ~0.
  // Measured (120 positions, batches of 10, Poisson model, phase RMSE after 100 iterations at 10^3
  // photons per frame; after 60 with 10^9): delta 1e-3: 0.54 rad (the error grows: single weakly
  // lit pixels chase their counts), 0.01: 0.31, 0.05: 0.24, 0.1: 0.23, 0.3: 0.20; nearly noise-free
  // 0.0013, 0.0062 (0.05), 0.022 (0.1), 0.020 (0.3). 0.1: robust at low counts, and noise-free data
  // still converge (slower in the probe's tails).
  double delta = 0.1;
  // Largest step length a frame may take along either direction (step_length.hpp), > 0.
  double step_limit = 1;
  // Largest gain G of a Fourier amplitude (0: none), as PieOptions': the Gaussian model's modulus
  // projection caps it; the Poisson model floors I at n / G^2 inside its weight 1 - n / I
  // (src/ptycho/lsqml/lsqml_kernels.hpp), so near-dark model pixels under counts are lifted by at
  // most 1 + alpha (G^2 - 1) and float rounding is not amplified.
  double modulus_gain_limit = 2;
  std::unique_ptr<SolverOptions> clone() const override { return std::make_unique<LsqmlOptions>(*this); }
};

}  // namespace phasis
