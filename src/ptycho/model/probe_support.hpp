// Probe supports (SolverOptions::probe_support_radius, probe_pupil), applied between iterations
// by the driver to the solvers that allow it (Solver::constrained_probe): a real-space disc
// around the frame's centre (outside it the probe is zero: what a pinhole or the known size of a
// focus enforces, and it stops the probe from spreading into the frame's corners, where it and
// the object trade phase), and a Fourier-space pupil (the probe's spectrum zero beyond the
// aperture's edge: what the condenser or zone plate allows). Written once over the backend.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/core/error.hpp"
#include "phasis/core/hd.hpp"
#include "phasis/ptycho/reconstruct.hpp"

namespace phasis::model {

/// p[k][y][x] = 0 outside the disc of radius r (pixels) about (m/2, m/2).
template <class T>
struct RealSupport {
  Complex<T>* p;
  int64_t m;
  double r2;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t q = i % (m * m), y = q / m, x = q - y * m;
    const double dy = double(y) - 0.5 * double(m), dx = double(x) - 0.5 * double(m);
    if (dy * dy + dx * dx > r2) p[i] = Complex<T>(0, 0);
  }
};

/// s[k][u][v] (unnormalised spectrum, DC at [0, 0]) scaled by 1/pix inside the pupil of radius
/// rq frequency bins and zeroed outside, so that the unnormalised inverse gives the probe back.
template <class T>
struct PupilSupport {
  Complex<T>* s;
  int64_t m;
  double rq2;
  T inv_pix;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t q = i % (m * m), u = q / m, v = q - u * m;
    const double fu = double(2 * u < m ? u : u - m), fv = double(2 * v < m ? v : v - m);
    s[i] = fu * fu + fv * fv > rq2 ? Complex<T>(0, 0) : s[i] * inv_pix;
  }
};

/// The checks of the two options against the frame size m: one line each.
inline void check_probe_support(const SolverOptions& o, int64_t m) {
  if (!(o.probe_support_radius >= 0) || o.probe_support_radius > 0.5 * double(m))
    throw InputError("probe support radius: expected 0 (none) to half the frame, " + std::to_string(m / 2) +
                     " pixels; found " + std::to_string(o.probe_support_radius));
  if (!(o.probe_pupil >= 0 && o.probe_pupil <= 1))
    throw InputError("probe pupil: expected 0 (none) or a fraction of the detector half-width in (0, 1]; found " +
                     std::to_string(o.probe_pupil));
}

/// Applies both supports to the K probe modes on the backend (plan: K transforms of m x m, made
/// once by the caller when a pupil is set).
template <class B, class T>
void apply_probe_support(const B& b, Array<Complex<T>>& probe, int64_t k, int64_t m, const SolverOptions& o,
                         typename B::template Fft<T>* plan) {
  const int64_t n = k * m * m;
  if (o.probe_pupil > 0) {
    plan->forward(probe.data());
    const double rq = o.probe_pupil * 0.5 * double(m);
    b.for_each(n, PupilSupport<T>{probe.data(), m, rq * rq, T(1) / T(m * m)});
    plan->inverse(probe.data());
  }
  if (o.probe_support_radius > 0) b.for_each(n, RealSupport<T>{probe.data(), m, o.probe_support_radius * o.probe_support_radius});
}

}  // namespace phasis::model
