// Small DFTs in registers and the twiddle tables that the fused FFT kernels (fft256_cuda.cuh,
// fft512_cuda.cuh) build their transforms from. Forward transforms use exp(-2 pi i n k / N),
// inverse ones exp(+2 pi i n k / N), both unnormalised (as cuFFT and FFTW).
#pragma once

#include <cuda_runtime.h>

#include "phasis/core/complex.hpp"

namespace phasis::fft_radix {

using C = Complex<float>;

/// i x.
__device__ __forceinline__ C times_i(C a) { return {-a.im, a.re}; }

/// In-place 4-point DFT of (a, b, c, d), natural order in and out.
template <bool Inverse>
__device__ __forceinline__ void dft4(C& a, C& b, C& c, C& d) {
  const C t0 = a + c, t1 = a - c, t2 = b + d, t3 = times_i(b - d);
  a = t0 + t2;
  c = t0 - t2;
  b = Inverse ? t1 + t3 : t1 - t3;
  d = Inverse ? t1 - t3 : t1 + t3;
}

/// In-place 8-point DFT, natural order in and out: two 4-point DFTs (even and odd points) joined
/// by W8^k.
template <bool Inverse>
__device__ __forceinline__ void dft8(C (&v)[8]) {
  C e0 = v[0], e1 = v[2], e2 = v[4], e3 = v[6], o0 = v[1], o1 = v[3], o2 = v[5], o3 = v[7];
  dft4<Inverse>(e0, e1, e2, e3);
  dft4<Inverse>(o0, o1, o2, o3);
  constexpr float h = 0.70710678118654752f;
  const float s = Inverse ? 1.0f : -1.0f;  // sign of the twiddles' imaginary parts
  const C w1 = o1 * C(h, s * h), w2 = Inverse ? times_i(o2) : -times_i(o2), w3 = o3 * C(-h, s * h);
  v[0] = e0 + o0, v[4] = e0 - o0;
  v[1] = e1 + w1, v[5] = e1 - w1;
  v[2] = e2 + w2, v[6] = e2 - w2;
  v[3] = e3 + w3, v[7] = e3 - w3;
}

/// W_N^m = exp(-+2 pi i m / N) from a forward table of N entries (m taken modulo N, N a power of 2).
template <bool Inverse>
__device__ __forceinline__ C twiddle(const C* table, int n, int m) {
  const C w = table[m & (n - 1)];
  return Inverse ? conj(w) : w;
}

/// The forward table exp(-2 pi i m / n), m < n, computed in double and rounded once to float, on
/// the current device: made on first use per device and size, kept for the process.
const C* device_twiddles(int n);

/// Copies a device table into shared memory, blockDim.x threads at a time.
__device__ __forceinline__ void load_table(C* shared, const C* table, int n) {
  for (int i = threadIdx.x; i < n; i += blockDim.x) shared[i] = table[i];
}

}  // namespace phasis::fft_radix
