// LSQML's step lengths, on the host (phasis/ptycho/lsqml.hpp): each frame's optimal object and
// probe steps from its 2 x 2 least-squares system (Odstrcil et al. 2018, Section 3), and the Poisson
// model's far-field step, a 1D convex minimum found by Newton steps. Plain functions of the sums the
// backend computed (lsqml_kernels.hpp), so the unit tests check them against direct solutions.
#pragma once

#include <algorithm>
#include <cmath>

namespace phasis::lsqml {

/// One frame's step lengths along the object and probe directions.
struct Steps {
  double object = 0, probe = 0;
};

/// The sums of frame j's system (StepSystemTerms), with a = P dO_j, b = dP O_j, chi the exit-wave
/// change: aa = ||a||^2, ab = Re <a, b>, bb = ||b||^2, ac = Re <a, chi>, bc = Re <b, chi>.
struct StepSystem {
  double aa = 0, ab = 0, bb = 0, ac = 0, bc = 0;
};

/// The minimiser of || chi - alpha_O a - alpha_P b ||^2 over real alpha_O, alpha_P: the normal
/// equations
///   [ aa  ab ] [alpha_O]   [ac]
///   [ ab  bb ] [alpha_P] = [bc]
/// by Cramer's rule, with the diagonal raised by `ridge` times itself (a relative Tikhonov term,
/// so that a nearly singular system, a and b almost parallel, gives bounded steps instead of two
/// large opposite ones; 1e-6 moves a well-posed solution by about that fraction). Without the
/// probe (`with_probe` false) alpha_P = 0 and alpha_O = ac / aa. A direction of zero length gets
/// a zero step.
inline Steps solve_steps(const StepSystem& s, bool with_probe, double ridge = 1e-6) {
  Steps r;
  const double a11 = s.aa * (1 + ridge), a22 = s.bb * (1 + ridge);
  if (!with_probe || !(a22 > 0)) {
    if (a11 > 0) r.object = s.ac / a11;
    return r;
  }
  if (!(a11 > 0)) {
    r.probe = s.bc / a22;
    return r;
  }
  const double det = a11 * a22 - s.ab * s.ab;  // > 0: ridge > 0 and Cauchy-Schwarz
  if (!(det > 0)) return r;
  r.object = (s.ac * a22 - s.ab * s.bc) / det;
  r.probe = (a11 * s.bc - s.ab * s.ac) / det;
  return r;
}

/// A frame's steps limited to [0, limit]: a negative step means the batch's averaged direction
/// points away from this frame's own change, and the frame then asks for no step along it; steps
/// far above 1 come from a nearly vanishing direction (a frame at the edge of the batch's overlap).
inline Steps limit_steps(Steps s, double limit) {
  s.object = std::clamp(s.object, 0.0, limit);
  s.probe = std::clamp(s.probe, 0.0, limit);
  return s;
}

/// One safeguarded Newton step of the Poisson far-field step alpha from the cost's first two
/// derivatives there (PoissonStepTerms): the cost is convex on [0, 1), so the step is the Newton
/// point kept inside [0, alpha_max] (no curvature: all pixels masked, no step).
inline double poisson_newton(double alpha, double slope, double curvature, double alpha_max) {
  if (!(curvature > 0)) return 0;
  return std::clamp(alpha - slope / curvature, 0.0, alpha_max);
}

}  // namespace phasis::lsqml
