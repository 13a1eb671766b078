// The merge's two type-1 sums from one transform. With real values v_j, the sums of ones and of
// values, A(k) = sum_j e^{-i k.x_j} and B(k) = sum_j v_j e^{-i k.x_j}, are Hermitian (A(-k) =
// conj A(k)), so one transform of the complex strengths 1 + i v_j, F = A + i B, holds both:
//   Re A(k) = (Re F(k) + Re F(-k)) / 2,   Re B(k) = (Im F(k) + Im F(-k)) / 2,
// exactly (the NUFFT is linear; its error splits the same way). This halves the merge's spreading,
// its largest cost. A mode with a component -N/2 of the transform's N = 2n has no partner on the
// grid; those are the Toeplitz kernel's D = -n entries, which the circular convolution never uses
// (k - k' of two centred n^3 indices lies in (-n, n)), and are set to zero.
#pragma once

#include <cstdint>

#include "phasis/core/hd.hpp"

namespace phasis::spi::detail {

/// Index of -k in an FFT-ordered axis of N modes (0..N/2-1, -N/2..-1); -1 for k = -N/2.
PHASIS_HD int64_t negated_mode(int64_t index, int64_t modes) {
  if (index == modes / 2) return -1;
  return index == 0 ? 0 : modes - index;
}

/// Flat index of -k on the N^3 grid (z slowest), or -1 where a component has no partner.
PHASIS_HD int64_t friedel_partner(int64_t i, int64_t modes) {
  const int64_t x = negated_mode(i % modes, modes), y = negated_mode((i / modes) % modes, modes),
                z = negated_mode(i / (modes * modes), modes);
  if (x < 0 || y < 0 || z < 0) return -1;
  return (z * modes + y) * modes + x;
}

}  // namespace phasis::spi::detail
