// The one-dimensional minimisation along a search direction, on the host: safeguarded Newton steps
// on f(gamma) from its value and first two derivatives, which the solver evaluates exactly (one
// pass over the frames' line coefficients per point, ml.hpp). Independent of the solver, so it is
// tested on its own.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>

namespace phasis::ml {

/// f and its first two derivatives at gamma.
struct LinePoint {
  double gamma = 0, value = 0, slope = 0, curvature = 0;
};

struct LineOutcome {
  LinePoint start;       // at gamma = 0
  LinePoint best;        // the converged point, else the evaluated point of lowest cost (start when none was lower)
  LinePoint last;        // the last point evaluated
  int evaluations = 0;   // past gamma = 0
  bool moved() const { return best.gamma > 0; }
};

/// Minimises f along gamma > 0 from gamma = 0, where the slope must be negative (otherwise nothing
/// is evaluated past 0). Keeps a bracket [lo, hi] of the minimum (slope < 0 at lo; slope > 0 or a
/// non-finite cost at hi) and takes the Newton step gamma - f'/f'' when the curvature is positive
/// and the step stays inside the bracket; otherwise it bisects (hi known) or doubles. Stops when
/// |f'| <= tolerance |f'(0)| (that point is the result when its cost is below f(0)) or after
/// `max_evaluations` points past 0 (the point of lowest cost). `first_guess` is the trial
/// step when the curvature at 0 is not positive. eval(gamma) returns a LinePoint.
template <class Eval>
LineOutcome minimise_along_line(Eval eval, int max_evaluations, double tolerance, double first_guess) {
  LineOutcome out;
  out.start = out.best = out.last = eval(0.0);
  const LinePoint& p0 = out.start;
  if (!(p0.slope < 0) || !std::isfinite(p0.value)) return out;
  double lo = 0, hi = std::numeric_limits<double>::infinity();
  double gamma = p0.curvature > 0 ? -p0.slope / p0.curvature : first_guess;
  for (int e = 0; e < max_evaluations; ++e) {
    if (!(std::isfinite(gamma) && gamma > lo && gamma < hi)) gamma = std::isfinite(hi) ? 0.5 * (lo + hi) : 2 * std::max(lo, first_guess);
    const LinePoint p = eval(gamma);
    out.last = p;
    ++out.evaluations;
    const bool finite = std::isfinite(p.value) && std::isfinite(p.slope);
    if (finite && p.value < out.best.value) out.best = p;
    if (!finite || p.slope > 0)
      hi = gamma;
    else
      lo = gamma;
    if (finite && std::abs(p.slope) <= tolerance * std::abs(p0.slope)) {
      // Converged: near the minimum the costs of neighbouring points differ by less than their
      // rounding, while the slope still says which is closer; take this one if it descends.
      if (p.value < p0.value) out.best = p;
      break;
    }
    const double newton = finite && p.curvature > 0 ? gamma - p.slope / p.curvature : std::nan("");
    gamma = std::isfinite(newton) && newton > lo && newton < hi ? newton
            : std::isfinite(hi)                                  ? 0.5 * (lo + hi)
                                                                 : 2 * gamma;
  }
  return out;
}

}  // namespace phasis::ml
