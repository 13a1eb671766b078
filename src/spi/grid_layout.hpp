// The two layouts of an n^3 grid in spi: centred (index i holds offset i - n/2, as density_grid and
// the NUFFT's modes) and FFT order (offset k at k mod n, as FFTW). One circular roll serves both ways.
#pragma once

#include <cstdint>
#include <vector>

namespace phasis::spi::detail {

/// out[(i + shift) mod n] = in[i] along each axis.
template <class T>
std::vector<T> roll(const std::vector<T>& in, int64_t n, int64_t shift) {
  std::vector<T> out(in.size());
  auto m = [n, shift](int64_t i) { return ((i + shift) % n + n) % n; };
  for (int64_t z = 0; z < n; ++z)
    for (int64_t y = 0; y < n; ++y)
      for (int64_t x = 0; x < n; ++x) out[(m(z) * n + m(y)) * n + m(x)] = in[(z * n + y) * n + x];
  return out;
}
template <class T>
std::vector<T> to_fft_order(const std::vector<T>& centred, int64_t n) { return roll(centred, n, -(n / 2)); }
template <class T>
std::vector<T> to_centred(const std::vector<T>& fft, int64_t n) { return roll(fft, n, n / 2); }

}  // namespace phasis::spi::detail
