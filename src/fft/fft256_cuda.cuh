// 256 x 256 complex-float 2D FFTs in two kernels that take element-wise work with them, so that a
// pass over the batch can do its arithmetic on the way in or out of the transform instead of in
// separate read-and-write passes (the Difference Map's Fourier projection: dm_fused_fourier.cu).
// cuFFT's LTO callbacks do the same in principle, but at 256 x 256 its callback kernels run about
// five times slower than its plain ones (docs/performance.md), which loses more than they save.
//
//   fft256_rows:    every row of the batch (batch * 256 rows of 256), forward or inverse, reading
//                   each element through load(row, x) and writing the result in place.
//   fft256_columns: for 16 columns of one image at a time: forward FFT down each column,
//                   X <- mid(mid.fetch(image, y, x), X) on every Fourier coefficient, inverse FFT
//                   down the column, written in place. The coefficients never leave registers and
//                   shared memory; mid.fetch runs with the data's loads, before the transform, so
//                   that whatever it reads from memory is in flight with them.
// So rows(forward) then columns(mid) then rows(inverse) is FFT -> mid -> IFFT of each image,
// unnormalised both ways (as cuFFT), in three passes over the data instead of the five of
// FFT (two kernels), a pass for mid, IFFT (two kernels).
//
// Each 256-point transform is 16 x 16 (Cooley-Tukey): sixteen threads hold one transform, sixteen
// points each; a 16-point DFT in registers, a twiddle W_256^(n2 k1), an exchange through shared
// memory (padded so that no two threads of a half-warp share a bank), a second 16-point DFT.
// Twiddles come from a table computed in double (fft256_twiddles), so the rounding is that of
// float arithmetic on exact twiddles, as in cuFFT.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "phasis/core/complex.hpp"
#include "fft/fft_radix_cuda.cuh"

namespace phasis::fft256 {

using C = Complex<float>;
using fft_radix::dft4;

inline constexpr int kN = 256;       // transform length
inline constexpr int kR = 16;        // radix: 256 = 16 x 16
inline constexpr int kPad = kR + 1;  // exchange row stride: threads of a half-warp in distinct banks

/// exp(-+2 pi i m / 16) for m in [0, 16): compile-time constants once the callers' loops unroll.
template <bool Inverse>
__device__ __forceinline__ C w16(int m) {
  constexpr float c1 = 0.92387953251128674f, c2 = 0.70710678118654752f, s1 = 0.38268343236508978f;
  constexpr float cosine[16] = {1, c1, c2, s1, 0, -s1, -c2, -c1, -1, -c1, -c2, -s1, 0, s1, c2, c1};
  const float s = cosine[(m + 12) & 15];  // sin(2 pi m / 16)
  return {cosine[m & 15], Inverse ? s : -s};
}

/// In-place 16-point DFT of v (natural order in and out) as 4 x 4.
template <bool Inverse>
__device__ __forceinline__ void dft16(C (&v)[16]) {
#pragma unroll
  for (int n2 = 0; n2 < 4; ++n2) dft4<Inverse>(v[n2], v[n2 + 4], v[n2 + 8], v[n2 + 12]);  // over n1: v[n2 + 4 k1]
#pragma unroll
  for (int n2 = 1; n2 < 4; ++n2)
#pragma unroll
    for (int k1 = 1; k1 < 4; ++k1) v[n2 + 4 * k1] = v[n2 + 4 * k1] * w16<Inverse>(n2 * k1);
#pragma unroll
  for (int k1 = 0; k1 < 4; ++k1) dft4<Inverse>(v[4 * k1], v[4 * k1 + 1], v[4 * k1 + 2], v[4 * k1 + 3]);  // X[k1 + 4 k2] at v[4 k1 + k2]
  C t[16];
#pragma unroll
  for (int k1 = 0; k1 < 4; ++k1)
#pragma unroll
    for (int k2 = 0; k2 < 4; ++k2) t[k1 + 4 * k2] = v[4 * k1 + k2];
#pragma unroll
  for (int k = 0; k < 16; ++k) v[k] = t[k];
}

/// W_256^m = exp(-+2 pi i m / 256) from the forward table in shared memory.
template <bool Inverse>
__device__ __forceinline__ C w256(const C* table, int m) {
  return fft_radix::twiddle<Inverse>(table, kN, m);
}

/// Stage one of a 256-point transform held by 16 threads: thread n2 holds x[16 n1 + n2] in v
/// (n1 = 0..15); it leaves W^(n2 k1) sum_n1 x[16 n1 + n2] W16^(n1 k1) at ex[n2 * kPad + k1].
template <bool Inverse>
__device__ __forceinline__ void stage_one(C (&v)[16], int n2, const C* table, C* ex) {
  dft16<Inverse>(v);
#pragma unroll
  for (int k1 = 0; k1 < 16; ++k1) ex[n2 * kPad + k1] = v[k1] * w256<Inverse>(table, n2 * k1);
}

/// Stage two (after a barrier): thread k1 gathers ex[n2 * kPad + k1] over n2 and leaves
/// X[k1 + 16 k2] in v[k2].
template <bool Inverse>
__device__ __forceinline__ void stage_two(C (&v)[16], int k1, const C* ex) {
#pragma unroll
  for (int n2 = 0; n2 < 16; ++n2) v[n2] = ex[n2 * kPad + k1];
  dft16<Inverse>(v);
}

/// Plain load of row-major rows of 256: load(row, x).
struct LoadRows {
  const C* data;
  __device__ C operator()(int64_t row, int x) const { return data[row * kN + x]; }
};

/// Loads the forward twiddle table into shared memory.
__device__ __forceinline__ void load_twiddles(C* shared, const C* table) { fft_radix::load_table(shared, table, kN); }

/// 256-point transforms of `rows` rows of `data` (row r at data + 256 r), sixteen rows per block of
/// 256 threads: result(row) = FFT(load(row, .)) written to data.
template <bool Inverse, class Load>
__global__ void __launch_bounds__(256) rows_kernel(C* data, int64_t rows, const C* twiddles, Load load) {
  __shared__ C table[kN];
  __shared__ C ex[16][kR * kPad];
  load_twiddles(table, twiddles);
  const int r = threadIdx.x / kR, t = threadIdx.x % kR;
  const int64_t row = int64_t(blockIdx.x) * 16 + r;
  const bool live = row < rows;
  C v[16];
  if (live) {
#pragma unroll
    for (int n1 = 0; n1 < 16; ++n1) v[n1] = load(row, kR * n1 + t);
  }
  __syncthreads();  // the table
  if (live) stage_one<Inverse>(v, t, table, ex[r]);
  __syncthreads();
  if (live) {
    stage_two<Inverse>(v, t, ex[r]);
    C* out = data + row * kN;
#pragma unroll
    for (int k2 = 0; k2 < 16; ++k2) out[t + kR * k2] = v[k2];
  }
}

/// Forward FFT, mid, inverse FFT down 16 columns of one 256 x 256 image per block of 256 threads
/// (blockIdx.x: image * 16 + column group). Thread (c, t): column c of the group, slot t.
template <class Mid>
__global__ void __launch_bounds__(256) columns_kernel(C* data, const C* twiddles, Mid mid) {
  __shared__ C table[kN];
  __shared__ C ex[16 * (kR * kPad + 1)];  // per column, plus one: columns of a half-warp in distinct banks
  load_twiddles(table, twiddles);
  const int c = threadIdx.x % 16, t = threadIdx.x / 16;
  const int64_t image = blockIdx.x / 16;
  const int x = int(blockIdx.x % 16) * 16 + c;
  C* col = data + image * kN * kN + x;
  C* exc = ex + c * (kR * kPad + 1);
  C v[16];
#pragma unroll
  for (int n1 = 0; n1 < 16; ++n1) v[n1] = col[int64_t(kR * n1 + t) * kN];
  typename Mid::Aux aux[16];
#pragma unroll
  for (int k2 = 0; k2 < 16; ++k2) aux[k2] = mid.fetch(image, t + kR * k2, x);
  __syncthreads();
  stage_one<false>(v, t, table, exc);
  __syncthreads();
  stage_two<false>(v, t, exc);  // v[k2] = X[t + 16 k2]
#pragma unroll
  for (int k2 = 0; k2 < 16; ++k2) v[k2] = mid(aux[k2], v[k2]);
  // Inverse down the column from X[k1 + 16 k2] (k1 = t): x[m + 16 p] = sum_k1 W^(-m k1) W16^(-p k1)
  // sum_k2 X[k1 + 16 k2] W16^(-m k2): the inner sum is this thread's 16-point DFT.
  __syncthreads();  // every thread is done reading exc
  stage_one<true>(v, t, table, exc);
  __syncthreads();
  stage_two<true>(v, t, exc);  // v[p] = x[t + 16 p]
#pragma unroll
  for (int p = 0; p < 16; ++p) col[int64_t(t + kR * p) * kN] = v[p];
}

/// The forward twiddle table exp(-2 pi i m / 256) on the current device.
inline const C* twiddles() { return fft_radix::device_twiddles(kN); }

/// In-place row transforms of `rows` rows of 256 read through load (LoadRows for plain data).
template <bool Inverse, class Load>
void rows(C* data, int64_t rows, Load load, cudaStream_t stream = nullptr) {
  if (rows <= 0) return;
  rows_kernel<Inverse><<<unsigned((rows + 15) / 16), 256, 0, stream>>>(data, rows, twiddles(), load);
}

/// FFT -> mid -> IFFT down every column of `images` images of 256 x 256, in place.
template <class Mid>
void columns(C* data, int64_t images, Mid mid, cudaStream_t stream = nullptr) {
  if (images <= 0) return;
  columns_kernel<<<unsigned(images * 16), 256, 0, stream>>>(data, twiddles(), mid);
}

}  // namespace phasis::fft256
