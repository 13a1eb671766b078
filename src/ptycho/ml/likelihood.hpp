// The per-pixel cost of the maximum-likelihood solver for each noise model (include/phasis/ptycho/
// ml.hpp states them), with its first two derivatives in the model intensity: what the gradient
// pass (dl/dI) and the line search (l, dl/dI, d2l/dI2 along the line) both evaluate. PHASIS_HD: the
// CPU loop and the CUDA kernel call the same code.
#pragma once

#include <cmath>

#include "phasis/core/hd.hpp"

namespace phasis::ml {

/// Model intensities below this (photons) count as this inside the Poisson log. A model that
/// predicts next to no light where a photon came has a large but finite cost, and the curvature
/// n / I^2 stays below 10^4 n: without the floor (tried at 10^-6) such dark pixels, whose model
/// intensity float FFTs resolve only to ~10^-7 of the pattern's peak amplitude, dominated the
/// gradient and the line search, and float and double runs parted to 7e-3 in 20 iterations at
/// 10^3 photons per frame (1e-7 with the floor, whose runs also reached a lower phase error).
template <class T>
PHASIS_HD T poisson_floor() {
  return T(1e-2);  // a hundredth of a photon
}

/// l(I; n) and its derivatives h = dl/dI and hh = d2l/dI2 at model intensity I and count n.
///   poisson:  l = I - n - n log(I / n)  (0 at I = n), h = 1 - n / I, hh = n / I^2  (I floored)
///   gaussian: l = w (I - n)^2 / 2, w = 1 / (n + 1), h = w (I - n), hh = w
template <class T>
struct PixelCost {
  T value, slope, curvature;
};

template <class T>
PHASIS_HD PixelCost<T> pixel_cost(bool poisson, T intensity, T n) {
  if (!poisson) {
    const T w = T(1) / (n + T(1)), r = intensity - n;
    return {T(0.5) * w * r * r, w * r, w};
  }
  if (!(n > T(0))) return {intensity, T(1), T(0)};
  const T lo = poisson_floor<T>();
  if (intensity < lo) return {intensity - n - n * T(log(lo / n)), T(1), T(0)};  // the floored log is flat
  const T q = n / intensity;
  return {intensity - n - n * T(log(intensity / n)), T(1) - q, q / intensity};
}

}  // namespace phasis::ml
