// Streaming forms of fft512_cuda.cuh's row and column passes: the same transforms and element-wise
// work, but each block stays resident and walks over many lines, copying its next line (rows) or
// column group (columns) into shared memory asynchronously (cp.async) while it transforms the
// current one. A plain pass loads, then computes, then stores, and its memory sits idle during the
// compute; here the two overlap.
#pragma once

#include <cuda_pipeline.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "phasis/fft/fft512_cuda.cuh"

namespace phasis::fft512 {

/// Blocks of `kernel` (threads each, `shared` bytes of dynamic shared memory) that fit on the
/// device at once, at least 1; at most `wanted`.
template <class Kernel>
unsigned resident_blocks(Kernel kernel, int threads, std::size_t shared, int64_t wanted) {
  int device = 0, sms = 1, per_sm = 1;
  cudaGetDevice(&device);
  cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device);
  cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, threads, shared);
  return unsigned(std::max<int64_t>(1, std::min<int64_t>(wanted, int64_t(sms) * std::max(per_sm, 1))));
}

/// rows_kernel's work (GroupSync form), each group of 64 threads walking rows g, g + stride, ...
/// (stride: every group of the grid) with the next row copied into shared memory while the
/// current one is transformed.
template <int Rows, bool FirstInverse, bool Second, bool SecondInverse, class Mid>
__global__ void __launch_bounds__(Rows * kT) rows_stream_kernel(C* data, int64_t rows, const C* twiddles, Mid mid) {
  static_assert(Rows >= 1 && Rows <= 15, "one hardware barrier per row group, 1 to 15");
  __shared__ C table[kN];
  __shared__ C ex[Rows][kPadded];
  __shared__ __align__(16) C next[Rows][kN];
  fft_radix::load_table(table, twiddles, kN);
  const int g = threadIdx.x / kT, j = threadIdx.x % kT;
  const GroupSync sync{g + 1};
  const int64_t stride = int64_t(gridDim.x) * Rows;
  // Thread j copies the 16-byte pieces j + 64 q (q < 4) of a row: two points each.
  const auto fetch = [&](int64_t row) {
    if (row < rows) {
#pragma unroll
      for (int q = 0; q < 4; ++q) __pipeline_memcpy_async(&next[g][2 * (j + kT * q)], data + row * kN + 2 * (j + kT * q), 16);
    }
    __pipeline_commit();
  };
  int64_t row = int64_t(blockIdx.x) * Rows + g;
  fetch(row);
  __syncthreads();  // the table
  for (; row < rows; row += stride) {
    __pipeline_wait_prior(0);
    sync();  // every copy of the group's row has landed
    C v[8];
#pragma unroll
    for (int r = 0; r < 8; ++r) v[r] = next[g][j + kT * r];
    sync();  // read before the next row's copies overwrite it
    fetch(row + stride);
    transform<FirstInverse>(v, j, ex[g], table, sync);
#pragma unroll
    for (int r = 0; r < 8; ++r) v[r] = mid(row, j + kT * r, v[r]);
    if constexpr (Second) transform<SecondInverse>(v, j, ex[g], table, sync);
    C* line = data + row * kN;
#pragma unroll
    for (int r = 0; r < 8; ++r) line[j + kT * r] = v[r];
  }
}

/// Dynamic shared memory of a streaming column block: column_shared_bytes, then the next column
/// group's points (512 x Columns).
constexpr std::size_t column_stream_shared_bytes(int columns) {
  return column_shared_bytes(columns) + std::size_t(kN) * std::size_t(columns) * sizeof(C);
}

/// After a column's first transform and mid: the second transform and a store in place.
template <bool Second, bool SecondInverse>
struct TransformAndStore {
  __device__ void operator()(C (&v)[8], C* data, int64_t image, int x, int j, C* ex, const C* table, C*) const {
    if constexpr (Second) transform<SecondInverse>(v, j, ex, table);
#pragma unroll
    for (int r = 0; r < 8; ++r) data[image * kN * kN + int64_t(j + kT * r) * kN + x] = v[r];
  }
};

/// After a column's first transform and mid: sum.term over the points, per block in double,
/// sum.commit(image, k, total) (columns_sum_kernel's sums).
template <class Sum>
struct SumAndCommit {
  Sum sum;
  __device__ void operator()(C (&v)[8], C*, int64_t image, int x, int j, C*, const C*, C* scratch) const {
    float acc[kSums] = {};
#pragma unroll
    for (int r = 0; r < 8; ++r) sum.term(j + kT * r, x, v[r], acc);
    double* warp_sums = reinterpret_cast<double*>(scratch);
    for (int k = 0; k < sum.count; ++k) {
      const double total = block_total(double(acc[k]), warp_sums);
      if (threadIdx.x == 0) sum.commit(image, k, total);
    }
  }
};

/// columns_kernel's work over column groups blockIdx.x, blockIdx.x + gridDim.x, ... of `images`
/// images, the next group copied into shared memory while the current one is transformed:
/// transform<FirstInverse> down each column, mid(image, y, x, value), then finish(...)
/// (TransformAndStore or SumAndCommit).
template <int Columns, bool FirstInverse, class Mid, class Finish>
__global__ void __launch_bounds__(Columns * kT)
    columns_stream_kernel(C* data, int64_t images, const C* twiddles, Mid mid, Finish finish) {
  extern __shared__ __align__(16) C stream_shared[];
  C* shared = stream_shared;
  static_assert((kN + Columns * kColumnStride) % 2 == 0, "the copy buffer must start 16-byte aligned");
  C* table = shared;
  C* next = shared + kN + Columns * kColumnStride;  // [y][Columns]
  constexpr int kGroups = kN / Columns, kPieces = Columns / 2;  // 16-byte pieces per row of a group
  const int64_t groups = images * kGroups;
  const int c = int(threadIdx.x % Columns), j = int(threadIdx.x / Columns);
  C* ex = shared + kN + c * kColumnStride;
  const auto fetch = [&](int64_t group) {
    if (group < groups) {
      const C* at = data + (group / kGroups) * kN * kN + (group % kGroups) * Columns;
#pragma unroll
      for (int q = 0; q < 4; ++q) {  // 512 rows x kPieces pieces over Columns * 64 threads: 4 each
        const int p = int(threadIdx.x) + q * Columns * kT, y = p / kPieces, h = p % kPieces;
        __pipeline_memcpy_async(next + y * Columns + 2 * h, at + int64_t(y) * kN + 2 * h, 16);
      }
    }
    __pipeline_commit();
  };
  fft_radix::load_table(table, twiddles, kN);
  fetch(blockIdx.x);
  for (int64_t group = blockIdx.x; group < groups; group += gridDim.x) {
    __pipeline_wait_prior(0);
    __syncthreads();  // every copy of the group has landed (and, the first time, the table)
    C v[8];
#pragma unroll
    for (int r = 0; r < 8; ++r) v[r] = next[(j + kT * r) * Columns + c];
    __syncthreads();  // read before the next group's copies overwrite them
    fetch(group + gridDim.x);
    const int64_t image = group / kGroups;
    const int x = int(group % kGroups) * Columns + c;
    transform<FirstInverse>(v, j, ex, table);
#pragma unroll
    for (int r = 0; r < 8; ++r) v[r] = mid(image, j + kT * r, x, v[r]);
    finish(v, data, image, x, j, ex, table, shared + kN);  // (the next group's barriers come before any exchange)
  }
}

/// rows_stream_kernel over `rows` rows of 512.
template <bool FirstInverse, bool Second, bool SecondInverse, int Rows = kRows, class Mid>
void rows_streamed(C* data, int64_t rows, Mid mid, cudaStream_t stream = nullptr) {
  if (rows <= 0) return;
  const auto kernel = rows_stream_kernel<Rows, FirstInverse, Second, SecondInverse, Mid>;
  const unsigned blocks = resident_blocks(kernel, Rows * kT, 0, (rows + Rows - 1) / Rows);
  kernel<<<blocks, Rows * kT, 0, stream>>>(data, rows, fft_radix::device_twiddles(kN), mid);
}

template <int Columns, class Kernel, class... Args>
void launch_columns_streamed(Kernel kernel, int64_t images, cudaStream_t stream, Args... args) {
  if (images <= 0) return;
  const std::size_t shared = column_stream_shared_bytes(Columns);
  cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(shared));
  const unsigned blocks = resident_blocks(kernel, Columns * kT, shared, images * (kN / Columns));
  kernel<<<blocks, Columns * kT, shared, stream>>>(args...);
}

/// columns_stream_kernel over `images` images: columns<FirstInverse, Second, SecondInverse>'s work.
template <bool FirstInverse, bool Second, bool SecondInverse, int Columns = kColumns, class Mid>
void columns_streamed(C* data, int64_t images, Mid mid, cudaStream_t stream = nullptr) {
  using Finish = TransformAndStore<Second, SecondInverse>;
  launch_columns_streamed<Columns>(columns_stream_kernel<Columns, FirstInverse, Mid, Finish>, images, stream, data,
                                   images, fft_radix::device_twiddles(kN), mid, Finish{});
}

/// columns_stream_kernel over `images` images: column_sums<FirstInverse>'s work.
template <bool FirstInverse, int Columns = kColumns, class Mid, class Sum>
void column_sums_streamed(const C* data, int64_t images, Mid mid, Sum sum, cudaStream_t stream = nullptr) {
  using Finish = SumAndCommit<Sum>;
  launch_columns_streamed<Columns>(columns_stream_kernel<Columns, FirstInverse, Mid, Finish>, images, stream,
                                   const_cast<C*>(data), images, fft_radix::device_twiddles(kN), mid, Finish{sum});
}

}  // namespace phasis::fft512
