// The ptychographic iterative engines: ePIE (Maiden & Rodenburg 2009) and rPIE (Maiden, Johnson &
// Li 2017), one solver with two update rules (src/ptycho/pie/pie.hpp). Registered as "epie" and
// "rpie"; each takes its own options type below, whose defaults are that algorithm's.
//
// Per iteration the frames are visited in a random order (drawn on the host from `seed` and the
// iteration) in mini-batches of `mini_batch` frames; for each batch, with psi_j = P O_j and
// psi'_j its Fourier-constrained wave, Delta_j = psi'_j - psi_j:
//   O += step_o sum_j P* Delta_j / sum_j [(1 - g_o) |P|^2 + g_o max|P|^2]
//   P += step_p sum_j O_j* Delta_j / sum_j [(1 - g_p) |O_j|^2 + g_p max|O_j|^2]   (from probe_start on)
// the sums over the batch's frames covering each pixel, both updates from the same (old) P and O.
//   ePIE: step_o = alpha, g_o = 1; step_p = beta, g_p = 1 (P* Delta / max|P|^2, the 2009 rule)
//   rPIE: step_o = 1, g_o = alpha; step_p = 1, g_p = beta (the 2017 regularised rule)
// With mini_batch = 1 these are the published sequential algorithms; a larger batch averages the
// frames' steps where they overlap (each denominator grows with the number of frames there).
// Error: sum over valid pixels (|F psi| - sqrt(I))^2 / sum over valid pixels I, each frame measured
// in its Fourier step, before its batch's update.
#pragma once

#include <cstdint>
#include <memory>

#include "phasis/ptycho/reconstruct.hpp"

namespace phasis {

/// What ePIE and rPIE share, besides every solver's options (SolverOptions). Not used by them:
/// the inertias (the updates are steps, not quotients), batch_frames (their batch changes the
/// algorithm: mini_batch), stream_frames (the amplitudes stay on the device; true is refused).
/// Distributed runs sum each batch's box of the object over every part (PtychoProblem::regions is
/// not used: every part holds the whole object after every batch).
struct PieOptions : SolverOptions {
  // ePIE: the object's step size; rPIE: the weight of max|P|^2 in the object's denominator (small
  // values take larger steps where the probe is weak). In (0, 1].
  double alpha = 1;
  // The same for the probe (ePIE: step size; rPIE: weight of max|O_j|^2). In (0, 1].
  double beta = 1;
  // Frames updated together from the same object and probe; 1: the classic sequential engines;
  // 0: the whole scan in one batch. Batches are formed from the whole scan's frame order, so a
  // distributed run updates the same frames together as one process does.
  int64_t mini_batch = 1;
  // The random frame order of iteration `it` comes from std::mt19937_64(seed + it): the same seed
  // gives the same run, on any number of parts.
  uint64_t seed = 0;
  // Largest factor by which the modulus projection may raise a Fourier amplitude (0: the exact
  // projection), as DmOptions::modulus_gain_limit: where the model amplitude nearly vanishes, the
  // exact projection lifts a phase that rounding decides to full amplitude, and runs in float on
  // different backends or numbers of parts would part ways. Consistent solutions are left fixed.
  double modulus_gain_limit = 2;
  std::unique_ptr<SolverOptions> clone() const override { return std::make_unique<PieOptions>(*this); }
};

/// "epie": alpha = beta = 1, the values of Maiden & Rodenburg (2009).
struct EpieOptions : PieOptions {
  std::unique_ptr<SolverOptions> clone() const override { return std::make_unique<EpieOptions>(*this); }
};

/// "rpie": alpha = 0.1 (the rPIE paper works with small alpha, of order 0.1: smaller values step
/// further where the probe is weak, and amplify noise there), beta = 1 (the probe denominator
/// max|O_j|^2, as ePIE's).
struct RpieOptions : PieOptions {
  RpieOptions() { alpha = 0.1; }
  std::unique_ptr<SolverOptions> clone() const override { return std::make_unique<RpieOptions>(*this); }
};

}  // namespace phasis
