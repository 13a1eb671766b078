// 512 x 512 complex-float 2D FFTs in two kernels that carry element-wise work between two
// transforms, so that a multislice step (transmission, FFT, propagator, inverse FFT) costs two
// read-and-write passes over the batch instead of six (fused_multislice.cu):
//   rows:    every row of the batch (images * 512 rows): transform (inverse or forward), then
//            x <- mid(row, x, value) on every element, and, if asked, a second transform; in place.
//   columns: 16 columns of one image per block: transform down each column, mid(image, y, x, value),
//            and, if asked, a second transform; in place.
// Both passes may be told which groups of 16 columns hold a value (RowGroups, `groups`): a multislice's
// propagator is zero outside the antialiasing aperture, so a third of the columns are zero between
// passes and are neither read, transformed down nor written.
// Each 512-point transform is three radix-8 Stockham stages (natural order in and out) held by 64
// threads, eight points each, with two exchanges through shared memory. After a transform thread j
// holds points j + 64 r (r < 8) of the result: exactly the points the next transform of the same
// line starts from, so the two transforms of a pass need no exchange between them.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "phasis/core/complex.hpp"
#include "fft/fft_radix_cuda.cuh"

namespace phasis::fft512 {

using C = Complex<float>;

inline constexpr int kN = 512;
inline constexpr int kT = 64;                 // threads per transform (kN / 8)
inline constexpr int kPadded = kN + kN / 8;   // one spare slot per 8: no bank conflicts in the exchanges

/// Shared-memory slot of point i of a line: every 8 points skip one slot.
__device__ __forceinline__ int pad(int i) { return i + (i >> 3); }

/// Synchronises the whole block (every thread of it must call it).
struct BlockSync {
  __device__ void operator()() const { __syncthreads(); }
};

/// Synchronises the 64 threads (two warps) of one transform's group only, on hardware barrier
/// `id` (1 to 15; 0 is __syncthreads'), so that the groups of a block need not wait for each other.
struct GroupSync {
  int id;
  __device__ void operator()() const { asm volatile("bar.sync %0, %1;" ::"r"(id), "r"(kT) : "memory"); }
};

/// One 512-point transform of a line held by threads j < 64 of a group: v[r] is point j + 64 r on
/// entry and the transform's point j + 64 r on exit. `ex` is the group's kPadded exchange slots;
/// sync() orders the exchanges (BlockSync: every thread of the block must call it; GroupSync:
/// every thread of the group).
template <bool Inverse, class Sync = BlockSync>
__device__ __forceinline__ void transform(C (&v)[8], int j, C* ex, const C* table, Sync sync = {}) {
  // Stage 1 (Ns = 1): no twiddles; outputs to j * 8 + r.
  fft_radix::dft8<Inverse>(v);
#pragma unroll
  for (int r = 0; r < 8; ++r) ex[pad(8 * j + r)] = v[r];
  sync();
#pragma unroll
  for (int r = 0; r < 8; ++r) v[r] = ex[pad(j + kT * r)];
  sync();
  // Stage 2 (Ns = 8): twiddles W_64^(r (j mod 8)) = W_512^(8 r (j mod 8)); outputs to
  // (j / 8) 64 + j mod 8 + 8 r.
  const int k = j & 7;
#pragma unroll
  for (int r = 1; r < 8; ++r) v[r] = v[r] * fft_radix::twiddle<Inverse>(table, kN, 8 * r * k);
  fft_radix::dft8<Inverse>(v);
#pragma unroll
  for (int r = 0; r < 8; ++r) ex[pad((j >> 3) * 64 + k + 8 * r)] = v[r];
  sync();
#pragma unroll
  for (int r = 0; r < 8; ++r) v[r] = ex[pad(j + kT * r)];
  sync();
  // Stage 3 (Ns = 64): twiddles W_512^(r j); outputs to j + 64 r, which stay in registers.
#pragma unroll
  for (int r = 1; r < 8; ++r) v[r] = v[r] * fft_radix::twiddle<Inverse>(table, kN, r * j);
  fft_radix::dft8<Inverse>(v);
}

/// Column groups: bit g stands for columns [16 g, 16 g + 16) of a 512-point line.
inline constexpr int kGroup = 16;
inline constexpr uint32_t kAllGroups = ~0u;

/// The groups of x.
__device__ __forceinline__ bool in_groups(uint32_t groups, int x) { return groups >> (x / kGroup) & 1u; }

/// Leaves every value as it is.
struct Keep {
  __device__ C operator()(int64_t, int, C v) const { return v; }
  __device__ C operator()(int64_t, int, int, C v) const { return v; }
};

/// Which columns a row pass reads and writes (column-group bits, kGroup): the columns it does not read are
/// taken as zero, the ones it does not write keep what they held.
struct RowGroups {
  uint32_t read = kAllGroups, write = kAllGroups;
};

/// Rows of 512 (row r at data + 512 r), Rows per block of Rows * 64 threads: transform<First>,
/// then mid(row, x, value), then, if Second, transform<SecondInverse>; in place, reading and
/// writing the columns of `groups`. The groups of a block (one row each) synchronise their
/// exchanges on their own barriers (GroupSync: 2% faster than the block's barrier,
/// bench_fused_multislice).
template <int Rows, bool FirstInverse, bool Second, bool SecondInverse, class Mid>
__global__ void __launch_bounds__(Rows * kT)
    rows_kernel(C* data, int64_t rows, const C* twiddles, Mid mid, RowGroups groups) {
  static_assert(Rows >= 1 && Rows <= 15, "one hardware barrier per row group, 1 to 15");
  __shared__ C table[kN];
  __shared__ C ex[Rows][kPadded];
  fft_radix::load_table(table, twiddles, kN);
  const int g = threadIdx.x / kT, j = threadIdx.x % kT;
  const GroupSync sync{g + 1};
  const int64_t row = int64_t(blockIdx.x) * Rows + g;
  const bool live = row < rows;
  C* line = data + (live ? row : 0) * kN;
  C v[8];
#pragma unroll
  for (int r = 0; r < 8; ++r) v[r] = live && in_groups(groups.read, j + kT * r) ? line[j + kT * r] : C(0.0f, 0.0f);
  __syncthreads();  // the table
  transform<FirstInverse>(v, j, ex[g], table, sync);
  if (live) {
#pragma unroll
    for (int r = 0; r < 8; ++r) v[r] = mid(row, j + kT * r, v[r]);
  }
  if constexpr (Second) transform<SecondInverse>(v, j, ex[g], table, sync);
  if (live) {
#pragma unroll
    for (int r = 0; r < 8; ++r)
      if (in_groups(groups.write, j + kT * r)) line[j + kT * r] = v[r];
  }
}

inline constexpr int kColumns = 16;                  // columns per block (a half-warp's 128 bytes per row)
inline constexpr int kColumnStride = kPadded + 1;    // odd: the columns of a block in distinct banks

/// Shared memory of a column block: the twiddle table, then one exchange line per column.
constexpr std::size_t column_shared_bytes(int columns) { return (std::size_t(columns) * kColumnStride + kN) * sizeof(C); }

/// Reads each point of a column pass from the batch itself.
struct Stored {
  __device__ C operator()(const C* p, int64_t, int, int) const { return *p; }
};

/// Where thread (c, j) of a column block works, Columns columns of one image per block of
/// Columns * 64 threads, blocks only for the column groups of `groups` (launch_columns):
/// blockIdx.x = image * (blocks per image) + b, block b in the (b / (16 / Columns))-th group of
/// `groups`; column c of the block, points j + 64 r.
template <int Columns>
struct ColumnThread {
  static_assert(kGroup % Columns == 0, "a column block lies in one column group");
  static constexpr int kPerGroup = kGroup / Columns;
  int c, j, x;
  int64_t image;
  __device__ explicit ColumnThread(uint32_t groups) : c(int(threadIdx.x % Columns)), j(int(threadIdx.x / Columns)) {
    const int per_image = __popc(groups) * kPerGroup, b = int(blockIdx.x % unsigned(per_image));
    image = blockIdx.x / unsigned(per_image);
    x = int(__fns(groups, 0, b / kPerGroup + 1)) * kGroup + (b % kPerGroup) * Columns + c;
  }
  __device__ int64_t offset(int r) const { return image * kN * kN + int64_t(j + kT * r) * kN + x; }
  __device__ C* exchange(C* shared) const { return shared + kN + c * kColumnStride; }
};

/// The start of every column pass: the twiddles to shared memory (at its start), the thread's
/// eight points from load(address, image, y, x), then transform<Inverse> down the column.
template <bool Inverse, int Columns, class Load>
__device__ __forceinline__ void load_and_transform(C (&v)[8], const ColumnThread<Columns>& t, C* shared, const C* data,
                                                   const C* twiddles, Load load) {
  fft_radix::load_table(shared, twiddles, kN);
#pragma unroll
  for (int r = 0; r < 8; ++r) v[r] = load(data + t.offset(r), t.image, t.j + kT * r, t.x);
  __syncthreads();  // the table
  transform<Inverse>(v, t.j, t.exchange(shared), shared);
}

/// Columns of 512 x 512 images (ColumnThread's layout), those of `groups` only (the others are
/// neither read nor written): transform<First> down each column of load's values, then
/// mid(image, y, x, value), then, if Second, transform<SecondInverse>; stored in place.
template <int Columns, bool FirstInverse, bool Second, bool SecondInverse, class Mid, class Load>
__global__ void __launch_bounds__(Columns * kT)
    columns_kernel(C* data, const C* twiddles, Mid mid, Load load, uint32_t groups) {
  extern __shared__ C shared[];
  const ColumnThread<Columns> t(groups);
  C v[8];
  load_and_transform<FirstInverse>(v, t, shared, data, twiddles, load);
#pragma unroll
  for (int r = 0; r < 8; ++r) v[r] = mid(t.image, t.j + kT * r, t.x, v[r]);
  if constexpr (Second) transform<SecondInverse>(v, t.j, t.exchange(shared), shared);
#pragma unroll
  for (int r = 0; r < 8; ++r) data[t.offset(r)] = v[r];
}

/// Sums of a column pass's values instead of storing them: columns_sum_kernel adds
/// sum.term(y, x, value, acc) over every point of a block (float per thread, eight points each),
/// then per block in double, and calls sum.commit(image, k, total) for each k < kSums.
inline constexpr int kSums = 4;

/// The block's total of v over its threads (warp shuffles, then one warp), valid in thread 0.
__device__ __forceinline__ double block_total(double v, double* warp_sums) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) warp_sums[warp] = v;
  __syncthreads();
  v = threadIdx.x < blockDim.x / 32 ? warp_sums[lane] : 0.0;
  if (warp == 0)
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  __syncthreads();  // warp_sums is reused by the next call
  return v;
}

/// Like columns_kernel up to mid, then sums instead of a second transform and a store (over the
/// columns of `groups`: the others must add nothing).
template <int Columns, bool FirstInverse, class Mid, class Sum>
__global__ void __launch_bounds__(Columns * kT)
    columns_sum_kernel(const C* data, const C* twiddles, Mid mid, Sum sum, uint32_t groups) {
  extern __shared__ C shared[];
  const ColumnThread<Columns> t(groups);
  C v[8];
  load_and_transform<FirstInverse>(v, t, shared, data, twiddles, Stored{});
  float acc[kSums] = {};
#pragma unroll
  for (int r = 0; r < 8; ++r) sum.term(t.j + kT * r, t.x, mid(t.image, t.j + kT * r, t.x, v[r]), acc);
  double* warp_sums = reinterpret_cast<double*>(shared + kN);  // the exchange slots are free now
  for (int k = 0; k < sum.count; ++k) {
    const double total = block_total(double(acc[k]), warp_sums);
    if (threadIdx.x == 0) sum.commit(t.image, k, total);
  }
}

/// Launches a column kernel over the column groups `groups` of `images` images, with its shared
/// memory (over the 48 KiB a kernel gets without asking, so asked for).
template <int Columns, class Kernel, class... Args>
void launch_columns(Kernel kernel, int64_t images, uint32_t groups, cudaStream_t stream, Args... args) {
  const int64_t blocks = images * __builtin_popcount(groups) * (kGroup / Columns);
  if (blocks <= 0) return;
  const std::size_t shared = column_shared_bytes(Columns);
  cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(shared));
  kernel<<<unsigned(blocks), Columns * kT, shared, stream>>>(args..., groups);
}

/// columns_sum_kernel over the column groups `groups` of `images` images of 512 x 512
/// (sum.count <= kSums).
template <bool FirstInverse, int Columns = kColumns, class Mid, class Sum>
void column_sums(const C* data, int64_t images, Mid mid, Sum sum, uint32_t groups = kAllGroups,
                 cudaStream_t stream = nullptr) {
  launch_columns<Columns>(columns_sum_kernel<Columns, FirstInverse, Mid, Sum>, images, groups, stream, data,
                          fft_radix::device_twiddles(kN), mid, sum);
}

/// Rows per block of the row passes.
inline constexpr int kRows = 4;

/// rows_kernel over `rows` rows of 512.
template <bool FirstInverse, bool Second, bool SecondInverse, int Rows = kRows, class Mid>
void rows(C* data, int64_t rows, Mid mid, RowGroups groups = {}, cudaStream_t stream = nullptr) {
  if (rows <= 0) return;
  rows_kernel<Rows, FirstInverse, Second, SecondInverse><<<unsigned((rows + Rows - 1) / Rows), Rows * kT, 0, stream>>>(
      data, rows, fft_radix::device_twiddles(kN), mid, groups);
}

/// columns_kernel over the column groups `groups` of `images` images of 512 x 512, the first
/// transform's input from load (Stored: the batch itself).
template <bool FirstInverse, bool Second, bool SecondInverse, int Columns = kColumns, class Mid, class Load = Stored>
void columns(C* data, int64_t images, Mid mid, Load load = {}, uint32_t groups = kAllGroups,
             cudaStream_t stream = nullptr) {
  launch_columns<Columns>(columns_kernel<Columns, FirstInverse, Second, SecondInverse, Mid, Load>, images, groups,
                          stream, data, fft_radix::device_twiddles(kN), mid, load);
}

}  // namespace phasis::fft512
