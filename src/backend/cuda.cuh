// CUDA backend: the same primitives as CpuBackend (cpu.hpp), as kernels. Only .cu files include
// this header; they instantiate solver templates with CudaBackend, so the host compiler never sees
// device code. Reductions accumulate per block in double and combine with one atomicAdd per block.
// A CudaBackend is an object that owns its GPU, a stream and its scratch: every kernel, copy and
// FFT it issues goes to that stream, and a reduction that returns a value waits for that stream
// alone (never the whole device), so several backends, on several GPUs or one, run concurrently
// from several threads. The reductions the solvers run per batch (sum_into, scatter_add_sum,
// gather_add_sum) add into a CudaSums on the device and wait for nothing: the solver reads the
// sums once, at the end of its iteration.
// The stream is a blocking one: work that code outside the backend queues on the legacy default
// stream (synchronous copies of Array, kernels launched without a stream) is still ordered with
// the backend's, so a solver is correct whichever stream a helper uses; the hot paths name the
// backend's stream.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backend/concept.hpp"
#include "backend/cpu.hpp"  // for ScatterTerm
#include "core/cuda_check.hpp"
#include "phasis/core/array.hpp"
#include "phasis/core/device.hpp"
#include "phasis/core/error.hpp"
#include "phasis/fft/fft.hpp"  // for CufftPlan

namespace phasis {

namespace cuda_detail {

inline void check(cudaError_t err, const char* what) { cuda_check(err, what); }

constexpr int kThreads = 256;

inline unsigned blocks_for(int64_t n) {
  int64_t b = (n + kThreads - 1) / kThreads;
  // Grid-stride loops cover the rest; 65535 * 8 blocks keep every SM busy on any current GPU.
  return static_cast<unsigned>(b < 65535 * 8 ? (b > 0 ? b : 1) : 65535 * 8);
}

template <class F>
__global__ void for_each_kernel(int64_t n, F f) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    f(i);
}

/// Sum of one double per thread over a block of kThreads threads (flat index `id`), through shared
/// memory; every thread gets the sum. Every thread of the block must call it.
__device__ inline double block_sum(double v, int id) {
  __shared__ double partial[kThreads];
  partial[id] = v;
  __syncthreads();
  for (int s = kThreads / 2; s > 0; s >>= 1) {
    if (id < s) partial[id] += partial[id + s];
    __syncthreads();
  }
  const double total = partial[0];
  __syncthreads();  // partial may be reused by a later call
  return total;
}

template <bool IsMax, class F>
__global__ void reduce_kernel(int64_t n, F f, double* out) {
  __shared__ double partial[kThreads];
  double acc = IsMax ? -1e300 : 0.0;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    double v = double(f(i));
    acc = IsMax ? (v > acc ? v : acc) : acc + v;
  }
  partial[threadIdx.x] = acc;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) {
      double o = partial[threadIdx.x + s];
      partial[threadIdx.x] = IsMax ? (o > partial[threadIdx.x] ? o : partial[threadIdx.x]) : partial[threadIdx.x] + o;
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    if constexpr (IsMax) {
      // Doubles have no atomicMax; compare-and-swap on the bit pattern.
      unsigned long long* addr = reinterpret_cast<unsigned long long*>(out);
      unsigned long long old = *addr, assumed;
      do {
        assumed = old;
        if (__longlong_as_double(assumed) >= partial[0]) break;
        old = atomicCAS(addr, assumed, __double_as_longlong(partial[0]));
      } while (assumed != old);
    } else {
      atomicAdd(out, partial[0]);
    }
  }
}

/// f(offset + i): lets a launch start part-way through an index range.
template <class F>
struct Offset {
  F f;
  int64_t offset;
  __device__ auto operator()(int64_t i) const { return f(offset + i); }
};

/// One block per segment; block-wide sum in double.
template <class F>
__global__ void segment_sum_kernel(int64_t len, F f, double* out) {
  double acc = 0;
  const int64_t base = int64_t(blockIdx.x) * len;
  for (int64_t i = threadIdx.x; i < len; i += blockDim.x) acc += double(f(base + i));
  const double total = block_sum(acc, threadIdx.x);
  if (threadIdx.x == 0) out[blockIdx.x] = total;
}

/// Each segment cut into `parts` pieces, one block each (block b: segment b / parts, piece
/// b % parts): few long segments (a batch of waves, a million pixels each) would otherwise leave
/// most of the GPU idle.
template <class F>
__global__ void segment_parts_kernel(int64_t len, int64_t parts, F f, double* out) {
  const int64_t k = int64_t(blockIdx.x) / parts, j = int64_t(blockIdx.x) % parts;
  const int64_t piece = (len + parts - 1) / parts, begin = j * piece, end = begin + piece < len ? begin + piece : len;
  double acc = 0;
  for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) acc += double(f(k * len + i));
  const double total = block_sum(acc, threadIdx.x);
  if (threadIdx.x == 0) out[blockIdx.x] = total;
}

/// scatter_add (Sum false) and scatter_add_sum (Sum true: the block's sum of each term's `extra`
/// is added to *out with one atomicAdd per block): atomic adds of every frame pixel's term.
template <bool Sum, class T, class F>
__global__ void scatter_kernel(int64_t nframes, int64_t h, int64_t w, F f, Complex<T>* num, T* den, double* out) {
  const int64_t n = nframes * h * w;
  double extra = 0;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t j = i / (h * w), r = i % (h * w);
    const auto s = f(j, r / w, r % w);
    atomicAdd(&num[s.target].re, s.value.re);
    atomicAdd(&num[s.target].im, s.value.im);
    atomicAdd(&den[s.target], s.weight);
    if constexpr (Sum) extra += double(s.extra);
  }
  if constexpr (Sum) {
    const double total = block_sum(extra, threadIdx.x);
    if (threadIdx.x == 0) atomicAdd(out, total);
  }
}

/// gather_add on the GPU: one block per (tile, layer, chunk), 32 x 8 threads; thread (tx, ty) owns
/// the tile's column tx in rows ty, ty + 8, ty + 16, ty + 24 and keeps their sums in registers while
/// the block walks its chunk of the tile's frames of the batch in ascending order. A warp reads 32
/// consecutive pixels of one frame row. With one chunk no two threads add to the same plane pixel
/// (no atomics, the CPU's order); small planes, with too few tiles to fill the GPU, split each
/// tile's frames into chunks whose sums meet with one atomic add per pixel and chunk.
template <bool Sum, class T, class F>
__global__ void __launch_bounds__(256) gather_kernel(TileFramesView t, int64_t layers, int64_t j0, int64_t nb, F f,
                                                     Complex<T>* num, T* den, double* out) {
  constexpr int rows = 32 / 8;  // 32 x 32 tiles (CudaBackend::gather_tile)
  const int64_t tile = blockIdx.x, l = blockIdx.y;
  const int64_t y0 = (tile / t.tiles_x) * 32 + threadIdx.y;
  const int64_t x = (tile % t.tiles_x) * 32 + threadIdx.x;
  Complex<T> acc[rows];
  T wacc[rows];
  for (int r = 0; r < rows; ++r) acc[r] = Complex<T>(T(0), T(0)), wacc[r] = T(0);
  double extra = 0;
  const int32_t a = t.first_at_least(tile, j0), b = t.first_at_least(tile, j0 + nb);
  const int64_t chunks = gridDim.z, c = blockIdx.z;
  const int32_t e1 = int32_t(a + (b - a) * (c + 1) / chunks);
  for (int32_t e = int32_t(a + (b - a) * c / chunks); e < e1; ++e) {
    const int64_t j = t.frames[e], fx = x - t.offsets[2 * j + 1], fy0 = y0 - t.offsets[2 * j];
    if (fx < 0 || fx >= t.m) continue;
    const int64_t jl = (j - j0) * layers + l;
#pragma unroll
    for (int r = 0; r < rows; ++r) {
      const int64_t fy = fy0 + 8 * r;
      if (fy < 0 || fy >= t.m) continue;
      const auto s = f(jl, fy, fx);
      acc[r] += s.value;
      wacc[r] += s.weight;
      if constexpr (Sum) extra += double(s.extra);
    }
  }
  if (x < t.w)
    for (int r = 0; r < rows; ++r) {
      const int64_t y = y0 + 8 * r;
      if (y >= t.h) break;
      const int64_t o = l * t.h * t.w + y * t.w + x;
      if (chunks == 1) {
        num[o] += acc[r];
        den[o] += wacc[r];
      } else {
        atomicAdd(&num[o].re, acc[r].re);
        atomicAdd(&num[o].im, acc[r].im);
        atomicAdd(&den[o], wacc[r]);
      }
    }
  if constexpr (Sum) {  // 32 x 8 = kThreads threads
    const int id = threadIdx.y * 32 + threadIdx.x;
    const double total = block_sum(extra, id);
    if (id == 0) atomicAdd(out, total);
  }
}

}  // namespace cuda_detail

/// Double-buffered staging between pinned host memory and the device, for data larger than the
/// GPU: copies run on their own non-blocking stream and overlap the kernels of the default stream.
/// Slot s holds one batch; events order a slot's fetch before its use, and its use (and the copy
/// back) before the next fetch into it.
class CudaStaging {
 public:
  /// `compute`: the stream whose kernels use the staged data (the backend's).
  explicit CudaStaging(cudaStream_t compute);
  ~CudaStaging();
  CudaStaging(const CudaStaging&) = delete;
  CudaStaging& operator=(const CudaStaging&) = delete;
  /// Host -> device into `slot`, once the slot is free.
  void fetch(int slot, void* dst, const void* src, std::size_t bytes);
  /// Marks the end of the slot's fetches; use() waits for them.
  void fetched(int slot);
  /// The compute stream waits for the slot's data.
  void use(int slot);
  /// Device -> host after the kernels queued so far; frees the slot when done.
  void store(int slot, void* dst, const void* src, std::size_t bytes);
  /// Frees the slot after the kernels queued so far, without a copy back.
  void release(int slot);
  /// Blocks until every copy has finished.
  void drain();

 private:
  cudaStream_t compute_ = nullptr, copy_ = nullptr;
  cudaEvent_t fetched_[2] = {}, free_[2] = {};
};

/// Sums kept on the GPU: the backend's reductions add into the slots on its stream without
/// waiting; read() is the synchronisation point (one copy back and one wait on the stream).
/// Made by CudaBackend::sums; its memory is allocated once, so a solver zeroes and reuses it.
class CudaSums {
 public:
  CudaSums() = default;
  CudaSums(int count, cudaStream_t stream);
  ~CudaSums();
  CudaSums(CudaSums&& o) noexcept { *this = std::move(o); }
  CudaSums& operator=(CudaSums&& o) noexcept;
  CudaSums(const CudaSums&) = delete;
  CudaSums& operator=(const CudaSums&) = delete;

  /// Sets every slot to 0, on the stream.
  void zero();
  /// Waits for the work queued on the stream so far and returns the slots.
  std::vector<double> read() const;
  /// Slot k on the device, for kernels that add into it.
  double* slot(int k) const;

 private:
  void release() noexcept;
  int count_ = 0;
  cudaStream_t stream_ = nullptr;
  double* dev_ = nullptr;
  double* pinned_ = nullptr;
};

class CudaBackend {
 public:
  static constexpr Memory memory = Memory::device;
  using Staging = CudaStaging;
  using Sums = CudaSums;
  static constexpr const char* name = "cuda";
  // gather_add's tiles: 32 x 32, a warp per tile row (gather_kernel's blocks are 32 x 8 threads).
  static constexpr int64_t gather_tile[2] = {32, 32};
  template <class T>
  using Fft = CufftPlan<T>;

  /// Makes GPU d.index current for the calling thread and creates the backend's stream and
  /// scratch there. DeviceError when the GPU does not exist.
  explicit CudaBackend(const Device& d);
  ~CudaBackend();
  CudaBackend(const CudaBackend&) = delete;
  CudaBackend& operator=(const CudaBackend&) = delete;

  Device device() const { return Device::cuda(index_); }
  cudaStream_t stream() const { return stream_; }
  /// An FFT plan that executes on the backend's stream.
  template <class T>
  std::unique_ptr<Fft<T>> fft(std::vector<int> dims, int64_t batch) const {
    return std::make_unique<Fft<T>>(std::move(dims), batch, static_cast<void*>(stream_));
  }
  Staging staging() const { return Staging(stream_); }

  template <class F>
  void for_each(int64_t n, F f) const {
    if (n <= 0) return;
    cuda_detail::for_each_kernel<<<cuda_detail::blocks_for(n), cuda_detail::kThreads, 0, stream_>>>(n, f);
    cuda_detail::check(cudaGetLastError(), "for_each launch");
  }

  template <class F>
  double sum(int64_t n, F f) const { return reduce<false>(n, f, 0.0); }

  /// `count` zeroed sums on the device, bound to this backend's stream.
  Sums sums(int count) const { return Sums(count, stream_); }

  /// sums slot k += sum of f(i), queued on the stream; nothing waits.
  template <class F>
  void sum_into(int64_t n, F f, Sums& sums, int k) const {
    if (n <= 0) return;
    cuda_detail::reduce_kernel<false>
        <<<cuda_detail::blocks_for(n), cuda_detail::kThreads, 0, stream_>>>(n, f, sums.slot(k));
    cuda_detail::check(cudaGetLastError(), "reduction launch");
  }

  template <class F>
  double max(int64_t n, F f) const { return reduce<true>(n, f, -1e300); }

  /// out is a host array of `segments` doubles.
  template <class F>
  void sum_segments(int64_t segments, int64_t len, F f, double* out) const {
    if (segments <= 0) return;
    // Long segments in pieces, so that about 1,000 blocks run; the pieces' sums are added in
    // order on the host (the same order for any batch: a wave's sum does not depend on the others).
    const int64_t parts = len < 262144 ? 1 : std::min<int64_t>(len / 32768, std::max<int64_t>(1, 1024 / segments));
    if (parts > 1 && segments * parts <= 65535) {
      double* dev = scratch(segments * parts);
      cuda_detail::segment_parts_kernel<<<unsigned(segments * parts), cuda_detail::kThreads, 0, stream_>>>(len, parts, f, dev);
      cuda_detail::check(cudaGetLastError(), "sum_segments launch");
      std::vector<double> piece(std::size_t(segments * parts));
      read_scratch(piece.data(), segments * parts);
      for (int64_t k = 0; k < segments; ++k) {
        double total = 0;
        for (int64_t j = 0; j < parts; ++j) total += piece[std::size_t(k * parts + j)];
        out[k] = total;
      }
      return;
    }
    double* dev = scratch(segments);
    for (int64_t k0 = 0; k0 < segments; k0 += 65535) {  // grid.x limit per launch
      const int64_t nk = segments - k0 < 65535 ? segments - k0 : 65535;
      const cuda_detail::Offset<F> shifted{f, k0 * len};
      cuda_detail::segment_sum_kernel<<<unsigned(nk), cuda_detail::kThreads, 0, stream_>>>(len, shifted, dev + k0);
      cuda_detail::check(cudaGetLastError(), "sum_segments launch");
    }
    read_scratch(out, segments);
  }

  template <class T, class F>
  void scatter_add(int64_t nframes, int64_t h, int64_t w, F f, Complex<T>* num, T* den, int64_t /*targets*/) const {
    const int64_t n = nframes * h * w;
    if (n <= 0) return;
    cuda_detail::scatter_kernel<false, T>
        <<<cuda_detail::blocks_for(n), cuda_detail::kThreads, 0, stream_>>>(nframes, h, w, f, num, den, nullptr);
    cuda_detail::check(cudaGetLastError(), "scatter_add launch");
  }

  /// scatter_add that also adds the sum of the functor's per-pixel `extra` (ScatterSumTerm) to
  /// sums slot k; nothing waits.
  template <class T, class F>
  void scatter_add_sum(int64_t nframes, int64_t h, int64_t w, F f, Complex<T>* num, T* den, int64_t /*targets*/,
                       Sums& sums, int k) const {
    const int64_t n = nframes * h * w;
    if (n <= 0) return;
    cuda_detail::scatter_kernel<true, T>
        <<<cuda_detail::blocks_for(n), cuda_detail::kThreads, 0, stream_>>>(nframes, h, w, f, num, den, sums.slot(k));
    cuda_detail::check(cudaGetLastError(), "scatter_add_sum launch");
  }

  /// CpuBackend::gather_add's sums (cpu.hpp), in the same order per plane pixel.
  template <class T, class F>
  void gather_add(const TileFramesView& t, int64_t layers, int64_t j0, int64_t nb, F f, Complex<T>* num,
                  T* den) const {
    check_tiles(t);
    if (t.tiles() <= 0 || layers <= 0 || nb <= 0) return;
    cuda_detail::gather_kernel<false, T>
        <<<dim3(unsigned(t.tiles()), unsigned(layers), gather_chunks(t, layers)), dim3(32, 8), 0, stream_>>>(
            t, layers, j0, nb, f, num, den, nullptr);
    cuda_detail::check(cudaGetLastError(), "gather_add launch");
  }

  /// gather_add for functors returning ScatterSumTerm; the sum of `extra` in double is added to
  /// sums slot k; nothing waits.
  template <class T, class F>
  void gather_add_sum(const TileFramesView& t, int64_t layers, int64_t j0, int64_t nb, F f, Complex<T>* num,
                      T* den, Sums& sums, int k) const {
    check_tiles(t);
    if (t.tiles() <= 0 || layers <= 0 || nb <= 0) return;
    cuda_detail::gather_kernel<true, T>
        <<<dim3(unsigned(t.tiles()), unsigned(layers), gather_chunks(t, layers)), dim3(32, 8), 0, stream_>>>(
            t, layers, j0, nb, f, num, den, sums.slot(k));
    cuda_detail::check(cudaGetLastError(), "gather_add_sum launch");
  }

  /// Waits for the work queued on the backend's stream (not for other streams of the device).
  void synchronize() const;

  static void check_tiles(const TileFramesView& t) {
    if (t.tile_h != gather_tile[0] || t.tile_w != gather_tile[1])
      throw InternalError("gather_add: expected " + std::to_string(gather_tile[0]) + " x " + std::to_string(gather_tile[1]) +
                          " tiles on CUDA; found " + std::to_string(t.tile_h) + " x " + std::to_string(t.tile_w));
  }

  /// Blocks gather_add aims for: below it, each tile's frames are split into chunks (tests set 1 to
  /// run the one-chunk path on small planes).
  static inline int64_t gather_blocks = 2048;

  /// Chunks of each tile's frames for gather_add: 1 (no atomics) when the tiles alone give the GPU
  /// gather_blocks blocks of work, else enough chunks to reach that (at most 16).
  static unsigned gather_chunks(const TileFramesView& t, int64_t layers) {
    const int64_t blocks = t.tiles() * layers;
    return unsigned(blocks >= gather_blocks ? 1 : std::min<int64_t>(16, (gather_blocks + blocks - 1) / blocks));
  }

 private:
  template <bool IsMax, class F>
  double reduce(int64_t n, F f, double init) const {
    double* slot = zeroed_slot(init);
    if (n > 0) {
      cuda_detail::reduce_kernel<IsMax><<<cuda_detail::blocks_for(n), cuda_detail::kThreads, 0, stream_>>>(n, f, slot);
      cuda_detail::check(cudaGetLastError(), "reduction launch");
    }
    double out = init;
    read_scratch(&out, 1);
    return out;
  }

  /// Device scratch of at least n doubles (kept and grown, never shrunk).
  double* scratch(int64_t n) const;
  /// The first scratch double, set to `value` on the stream.
  double* zeroed_slot(double value) const;
  /// Copies n scratch doubles to `out` (host) through pinned memory, waiting for the stream only.
  void read_scratch(double* out, int64_t n) const;

  int index_ = 0;
  cudaStream_t stream_ = nullptr;
  mutable double* scratch_ = nullptr;  // device
  mutable int64_t scratch_size_ = 0;
  mutable double* pinned_ = nullptr;   // host, as large as scratch_
};

static_assert(Backend<CudaBackend>);

}  // namespace phasis
