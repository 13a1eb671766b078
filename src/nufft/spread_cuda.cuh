// CUDA kernels of the NUFFT spreader (nufft_cuda.cu, launched by launch_cuda.cuh): the sort of
// the points by key, and type 1 (spreading) and type 2 (interpolation) each in two ways. Every
// index and count over points is int64_t (more than 2^31 points in one call), and launches loop
// over their range, so no grid size limits the point count.
//
// Sort: a counting sort, as on the CPU, but with atomics instead of per-thread tables: one pass
// counts the points of each key (bin, then sub-bin within the bin), a scan turns counts into
// starts, and a second pass gives each point the next free slot of its key (atomicAdd on the
// key's cursor). No per-point temporary is needed (keys are recomputed from the coordinates), so
// sorting 2^31 points costs no more memory than the order itself. Within a key the order depends
// on the atomics' timing; interpolation does not depend on it, and spreading adds in an
// unspecified order anyway.
//
// Shared memory (the box kernels): bins with many points are cut into subproblems of at most
// kSubproblemPoints points; one thread block per subproblem works on its box (the bin plus the
// kernel's reach on each side) in shared memory. Type 1 zeroes the box, adds its points there with
// shared-memory atomics, then adds the box's non-zero cells to the fine grid (wrapped) with global
// atomics, so global atomics per point drop from w^d to about box / points; type 2 copies its box
// of the fine grid in (coalesced reads) and interpolates from there.
// - Bins are sized from the shared memory the device lets a block opt into (Hopper: 227 KiB; up
//   to half of it, so two blocks share an SM), chosen to minimise the box cells per point (in 3D
//   float at width 6, bins of 16 x 16 x 16 cells, box 24^3, 3.4x the bin).
// One thread per point (the point kernels): each sorted point adds its W^d values into the fine
// grid with global atomics (type 1) or reads them from it (type 2).
// In all four, per-dimension indices are 32-bit and wrapped by one compare instead of a 64-bit
// modulo (the plan keeps the fine grid below 2^30 cells per dimension); only the flat index is
// 64-bit. The kernel's polynomial coefficients are passed by value (the launch's constant bank)
// with the degree a compile-time W + 3, so Horner's rule unrolls into register FMAs with constant
// operands, each dimension's W values computed once per point.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "phasis/core/complex.hpp"
#include "nufft/nufft_kernels.hpp"

namespace phasis::nufft::cuda_spread {

/// Most points one block spreads into its box (cuFINUFFT's default is the same order).
constexpr int64_t kSubproblemPoints = 1024;
constexpr int kBlockThreads = 256;

/// The box of a bin: the bin's cells plus reach on each side; the same size for every bin.
struct BoxShape {
  int64_t size[3] = {1, 1, 1};
  int64_t cells = 1;
};

/// Box of bins of g.bin cells for a kernel of width w: a point in bin [o, o + B] (the top included
/// for coordinates rounded up to n) touches cells ceil(s - w/2) ... ceil(s - w/2) + w - 1, which
/// lie in [o - ceil(w/2), o + B + floor(w/2)]: B + w + (w odd) cells. One more cell on each side
/// covers any last-bit difference between the coordinate that chose the bin and the one spread.
inline BoxShape box_shape(const Geometry& g) {
  BoxShape b;
  for (int d = 0; d < g.dims; ++d) {
    b.size[d] = g.bin[d] + g.width + (g.width & 1) + 2;
    b.cells *= b.size[d];
  }
  return b;
}

/// The kernel of KernelEval in a form a launch carries by value: c[j][a] is piece a's x^j
/// coefficient (degree W + 3, as polynomial_table fits), or `poly` false for exact evaluation.
template <class T, int W>
struct Horner {
  T c[W + 4][W];
  T inv_half_width;
  T beta;
  bool poly;

  /// k[a] = phi(first + a - s), a < W; returns first = ceil(s - W/2) (not wrapped).
  __device__ __forceinline__ int values(double s, T* k) const {
    const double first = ceil(s - W / 2.0);
    if (poly) {
      const T x = T(2 * (first - s + W / 2.0) - 1);
#pragma unroll
      for (int a = 0; a < W; ++a) k[a] = c[W + 3][a];
#pragma unroll
      for (int j = W + 2; j >= 0; --j)
#pragma unroll
        for (int a = 0; a < W; ++a) k[a] = k[a] * x + c[j][a];
    } else {
      const T z0 = T(first - s);
#pragma unroll
      for (int a = 0; a < W; ++a) k[a] = es_kernel<T>(z0 + T(a), inv_half_width, beta);
    }
    return static_cast<int>(first);
  }
};

/// k[0], with k shifted down by one: the z loops, which are not unrolled, take their kernel value
/// this way, so k stays in registers (an index that is not a compile-time constant would put it
/// in local memory).
template <class T, int W>
__device__ __forceinline__ T shift_out(T* k) {
  const T v = k[0];
#pragma unroll
  for (int a = 0; a + 1 < W; ++a) k[a] = k[a + 1];
  return v;
}

/// Horner<T, W> from a host copy of KernelEval's table (empty: exact evaluation).
template <class T, int W>
Horner<T, W> make_horner(const KernelEval<T>& k, const T* host_coeffs, int64_t count) {
  Horner<T, W> h{};
  h.inv_half_width = k.inv_half_width;
  h.beta = k.beta;
  h.poly = host_coeffs && count == int64_t(W + 4) * W;
  if (h.poly)
    for (int j = 0; j < W + 4; ++j)
      for (int a = 0; a < W; ++a) h.c[j][a] = host_coeffs[j * W + a];
  return h;
}

/// i in [-n, 2n) folded into [0, n).
__device__ __forceinline__ int wrap(int i, int n) { return i < 0 ? i + n : (i >= n ? i - n : i); }

/// Sizes of the kernels, in 32 bits where they are per dimension.
struct Sizes {
  int dims;
  int n[3];      // fine grid per dimension (1 beyond dims)
  int bin[3];    // bin size in cells
  int bins[3];   // bins per dimension
  int box[3];    // box size in cells: bin + w + (w odd) + 2
  int cells;     // box[0] box[1] box[2]
  int64_t fine_total;
};

/// The points of one subproblem and its box's first (unwrapped) cell per dimension.
struct Subproblem {
  int64_t p0, p1;
  int lo[3];
};

template <class T>
struct BoxArgs {
  const Complex<T>* c;  // type 1: read; type 2: written
  Complex<T>* cw;
  Complex<T>* fine;     // type 1: written; type 2: read
  const double* sx;
  const double* sy;
  const double* sz;
  const int64_t* order;
  const int64_t* key_start;  // keys (bins x key_stride) + 1: first sorted position of each key, then m
  const int64_t* sub_start;  // nbins + 1: first subproblem of each bin, then their total
  int64_t key_stride;        // sort keys per bin (its sub-bins)
  int64_t nbins;
  int64_t subproblems;
  int64_t sub_points;
  int64_t m;
  int64_t transforms;
  Sizes s;
};

/// Which subproblem block sp holds (thread 0 searches; every thread gets the result).
template <class T>
__device__ Subproblem find_subproblem(const BoxArgs<T>& a, int64_t sp, int width) {
  __shared__ int64_t bin_of_block;
  if (threadIdx.x == 0) {
    int64_t lo = 0, hi = a.nbins;  // sub_start[lo] <= sp < sub_start[hi]
    while (hi - lo > 1) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (a.sub_start[mid] <= sp) lo = mid;
      else hi = mid;
    }
    bin_of_block = lo;
  }
  __syncthreads();
  const int64_t b = bin_of_block;
  __syncthreads();  // bin_of_block is rewritten by the next subproblem
  Subproblem out;
  out.p0 = a.key_start[b * a.key_stride] + (sp - a.sub_start[b]) * a.sub_points;
  out.p1 = min(out.p0 + a.sub_points, a.key_start[(b + 1) * a.key_stride]);
  const int bx = int(b % a.s.bins[0]);
  const int64_t rest = b / a.s.bins[0];
  const int by = int(rest % a.s.bins[1]), bz = int(rest / a.s.bins[1]);
  const int reach = (width + 1) / 2 + 1;
  out.lo[0] = bx * a.s.bin[0] - reach;
  out.lo[1] = by * a.s.bin[1] - reach;
  out.lo[2] = a.s.dims == 3 ? bz * a.s.bin[2] - reach : 0;
  return out;
}

/// Flat fine-grid index (wrapped) of cell i of the box of subproblem sub.
__device__ __forceinline__ int64_t box_to_fine(const Sizes& s, const Subproblem& sub, int i) {
  const int lo[3] = {sub.lo[0], sub.lo[1], sub.lo[2]};
  const int ax = i % s.box[0], rest = i / s.box[0];
  const int ay = rest % s.box[1], az = rest / s.box[1];
  const int x = wrap(lo[0] + ax, s.n[0]), y = wrap(lo[1] + ay, s.n[1]);
  const int z = s.dims == 3 ? wrap(lo[2] + az, s.n[2]) : 0;
  return (int64_t(z) * s.n[1] + y) * s.n[0] + x;
}

/// Type 1, shared memory: one block per subproblem, its points added into the box with shared
/// atomics, then the box's non-zero cells into the fine grid with global atomics.
template <class T, int W, int D>
__global__ void __launch_bounds__(kBlockThreads) spread_box_kernel(BoxArgs<T> a, Horner<T, W> h) {
  extern __shared__ __align__(16) unsigned char shared_raw[];
  T* box = reinterpret_cast<T*>(shared_raw);  // re, im interleaved
  const Sizes& s = a.s;
  const int nx = s.box[0], ny = s.box[1], cells = s.cells;
  for (int64_t sp = blockIdx.x; sp < a.subproblems; sp += gridDim.x) {
    const Subproblem sub = find_subproblem(a, sp, W);
    for (int64_t t = 0; t < a.transforms; ++t) {
      for (int i = threadIdx.x; i < 2 * cells; i += blockDim.x) box[i] = T(0);
      __syncthreads();
      for (int64_t p = sub.p0 + threadIdx.x; p < sub.p1; p += blockDim.x) {
        T kx[W], ky[W], kz[W];
        const int x0 = h.values(a.sx[p], kx) - sub.lo[0];
        const int y0 = h.values(a.sy[p], ky) - sub.lo[1];
        int z0 = 0;
        if constexpr (D == 3) z0 = h.values(a.sz[p], kz) - sub.lo[2];
        const Complex<T> v = a.c[t * a.m + a.order[p]];
        for (int cz = 0; cz < (D == 3 ? W : 1); ++cz) {
          T wz = T(1);
          if constexpr (D == 3) wz = shift_out<T, W>(kz);
#pragma unroll
          for (int cy = 0; cy < W; ++cy) {
            const T wyz = ky[cy] * wz, re = v.re * wyz, im = v.im * wyz;
            T* row = box + 2 * (((z0 + cz) * ny + y0 + cy) * nx + x0);
#pragma unroll
            for (int cx = 0; cx < W; ++cx) {
              atomicAdd(row + 2 * cx, re * kx[cx]);
              atomicAdd(row + 2 * cx + 1, im * kx[cx]);
            }
          }
        }
      }
      __syncthreads();
      Complex<T>* out = a.fine + t * s.fine_total;
      for (int i = threadIdx.x; i < cells; i += blockDim.x) {
        const T re = box[2 * i], im = box[2 * i + 1];
        if (re == T(0) && im == T(0)) continue;  // cells no point reached
        const int64_t at = box_to_fine(s, sub, i);
        atomicAdd(&out[at].re, re);
        atomicAdd(&out[at].im, im);
      }
      __syncthreads();  // the box is reused by the next transform or subproblem
    }
  }
}

/// Type 2, shared memory: one block per subproblem copies its box of the fine grid into shared
/// memory (consecutive threads read consecutive cells), then each thread interpolates points.
template <class T, int W, int D>
__global__ void __launch_bounds__(kBlockThreads) interp_box_kernel(BoxArgs<T> a, Horner<T, W> h) {
  extern __shared__ __align__(16) unsigned char shared_raw[];
  Complex<T>* box = reinterpret_cast<Complex<T>*>(shared_raw);
  const Sizes& s = a.s;
  const int nx = s.box[0], ny = s.box[1], cells = s.cells;
  for (int64_t sp = blockIdx.x; sp < a.subproblems; sp += gridDim.x) {
    const Subproblem sub = find_subproblem(a, sp, W);
    for (int64_t t = 0; t < a.transforms; ++t) {
      const Complex<T>* in = a.fine + t * s.fine_total;
      for (int i = threadIdx.x; i < cells; i += blockDim.x) box[i] = in[box_to_fine(s, sub, i)];
      __syncthreads();
      for (int64_t p = sub.p0 + threadIdx.x; p < sub.p1; p += blockDim.x) {
        T kx[W], ky[W], kz[W];
        const int x0 = h.values(a.sx[p], kx) - sub.lo[0];
        const int y0 = h.values(a.sy[p], ky) - sub.lo[1];
        int z0 = 0;
        if constexpr (D == 3) z0 = h.values(a.sz[p], kz) - sub.lo[2];
        T accr = T(0), acci = T(0);
        for (int cz = 0; cz < (D == 3 ? W : 1); ++cz) {
          T wz = T(1);
          if constexpr (D == 3) wz = shift_out<T, W>(kz);
#pragma unroll
          for (int cy = 0; cy < W; ++cy) {
            const Complex<T>* row = box + ((z0 + cz) * ny + y0 + cy) * nx + x0;
            T re = T(0), im = T(0);
#pragma unroll
            for (int cx = 0; cx < W; ++cx) {
              const Complex<T> v = row[cx];
              re += v.re * kx[cx];
              im += v.im * kx[cx];
            }
            const T wyz = ky[cy] * wz;
            accr += re * wyz;
            acci += im * wyz;
          }
        }
        a.cw[t * a.m + a.order[p]] = Complex<T>(accr, acci);
      }
      __syncthreads();  // the box is reused by the next transform or subproblem
    }
  }
}

/// One thread per sorted point: the point's W^d support, wrapped per dimension in 32 bits.
template <class T, int W, int D>
__global__ void __launch_bounds__(kBlockThreads) spread_point_kernel(BoxArgs<T> a, Horner<T, W> h) {
  const Sizes& s = a.s;
  for (int64_t p = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; p < a.m; p += int64_t(gridDim.x) * blockDim.x) {
    T kx[W], ky[W], kz[W];
    int ix[W];
    const int x0 = h.values(a.sx[p], kx);
    const int y0 = h.values(a.sy[p], ky);
    int z0 = 0;
    if constexpr (D == 3) z0 = h.values(a.sz[p], kz);
#pragma unroll
    for (int cx = 0; cx < W; ++cx) ix[cx] = wrap(x0 + cx, s.n[0]);
    const int64_t j = a.order[p];
    for (int64_t t = 0; t < a.transforms; ++t) {
      const Complex<T> v = a.c[t * a.m + j];
      Complex<T>* b = a.fine + t * s.fine_total;
      T kzt[W];  // consumed by the z loop: a copy per transform
#pragma unroll
      for (int cz = 0; cz < W; ++cz) kzt[cz] = D == 3 ? kz[cz] : T(1);
      for (int cz = 0; cz < (D == 3 ? W : 1); ++cz) {
        T wz = T(1);
        if constexpr (D == 3) wz = shift_out<T, W>(kzt);
        const int z = D == 3 ? wrap(z0 + cz, s.n[2]) : 0;
#pragma unroll
        for (int cy = 0; cy < W; ++cy) {
          const int y = wrap(y0 + cy, s.n[1]);
          const T wyz = ky[cy] * wz, re = v.re * wyz, im = v.im * wyz;
          Complex<T>* row = b + (int64_t(z) * s.n[1] + y) * s.n[0];
#pragma unroll
          for (int cx = 0; cx < W; ++cx) {
            atomicAdd(&row[ix[cx]].re, re * kx[cx]);
            atomicAdd(&row[ix[cx]].im, im * kx[cx]);
          }
        }
      }
    }
  }
}

template <class T, int W, int D>
__global__ void __launch_bounds__(kBlockThreads) interp_point_kernel(BoxArgs<T> a, Horner<T, W> h) {
  const Sizes& s = a.s;
  for (int64_t p = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; p < a.m; p += int64_t(gridDim.x) * blockDim.x) {
    T kx[W], ky[W], kz[W];
    int ix[W];
    const int x0 = h.values(a.sx[p], kx);
    const int y0 = h.values(a.sy[p], ky);
    int z0 = 0;
    if constexpr (D == 3) z0 = h.values(a.sz[p], kz);
#pragma unroll
    for (int cx = 0; cx < W; ++cx) ix[cx] = wrap(x0 + cx, s.n[0]);
    const int64_t j = a.order[p];
    for (int64_t t = 0; t < a.transforms; ++t) {
      const Complex<T>* b = a.fine + t * s.fine_total;
      T accr = T(0), acci = T(0);
      T kzt[W];  // consumed by the z loop: a copy per transform
#pragma unroll
      for (int cz = 0; cz < W; ++cz) kzt[cz] = D == 3 ? kz[cz] : T(1);
      for (int cz = 0; cz < (D == 3 ? W : 1); ++cz) {
        T wz = T(1);
        if constexpr (D == 3) wz = shift_out<T, W>(kzt);
        const int z = D == 3 ? wrap(z0 + cz, s.n[2]) : 0;
#pragma unroll
        for (int cy = 0; cy < W; ++cy) {
          const int y = wrap(y0 + cy, s.n[1]);
          const Complex<T>* row = b + (int64_t(z) * s.n[1] + y) * s.n[0];
          T re = T(0), im = T(0);
#pragma unroll
          for (int cx = 0; cx < W; ++cx) {
            const Complex<T> v = row[ix[cx]];
            re += v.re * kx[cx];
            im += v.im * kx[cx];
          }
          const T wyz = ky[cy] * wz;
          accr += re * wyz;
          acci += im * wyz;
        }
      }
      a.cw[t * a.m + j] = Complex<T>(accr, acci);
    }
  }
}

/// Sort key of the caller's point i: its bin (as bin_index), then its sub-bin within the bin (sub
/// cells per dimension, subs per bin), so that neighbouring sorted points (a warp's) lie within a
/// few cells of each other even in large bins.
template <class T>
struct PointKey {
  const T* x;
  const T* y;
  const T* z;
  Geometry g;
  int sub[3];
  int subs[3];
  __device__ int64_t operator()(int64_t i) const {
    const T* in[3] = {x, y, z};
    int b[3] = {0, 0, 0}, q[3] = {0, 0, 0};
    for (int d = 0; d < g.dims; ++d) {
      const int cell = static_cast<int>(fine_coordinate(in[d][i], double(g.fine[d])));  // s >= 0: floor
      const int bin = int(g.bin[d]), bins = int(g.bins[d]);
      const int v = min(cell / bin, bins - 1);
      b[d] = v;
      q[d] = min((cell - v * bin) / sub[d], subs[d] - 1);
    }
    const int64_t bin_index = (int64_t(b[2]) * g.bins[1] + b[1]) * g.bins[0] + b[0];
    return bin_index * (int64_t(subs[0]) * subs[1] * subs[2]) + (q[2] * subs[1] + q[1]) * subs[0] + q[0];
  }
};

template <class T>
struct PlaceByKey {
  PointKey<T> key;
  unsigned long long* cursor;
  int64_t* order;
  __device__ void operator()(int64_t i) const {
    const unsigned long long slot = atomicAdd(&cursor[key(i)], 1ull);
    order[slot] = i;
  }
};

/// subs[b] = number of subproblems of bin b (b < nbins), from the keys' starts.
struct SubproblemsPerKeyedBin {
  const int64_t* key_start;
  int64_t stride;
  int64_t sub_points;
  int64_t* subs;
  __device__ void operator()(int64_t b) const {
    subs[b] = (key_start[(b + 1) * stride] - key_start[b * stride] + sub_points - 1) / sub_points;
  }
};

/// set_points in one pass per step: the bin count of each point (and the non-finite coordinates
/// per dimension, whose points are not counted), the placement, and the gather of all
/// dimensions' fine coordinates in sorted order.
template <class T>
struct CountKeysChecked {
  PointKey<T> key;
  unsigned long long* counts;
  unsigned long long* bad;  // 3 counters
  __device__ void operator()(int64_t i) const {
    const T* xyz[3] = {key.x, key.y, key.z};
    bool ok = true;
    for (int d = 0; d < key.g.dims; ++d) {
      const T v = xyz[d][i], diff = v - v;
      if (!(diff == diff)) {
        atomicAdd(&bad[d], 1ull);
        ok = false;
      }
    }
    if (ok) atomicAdd(&counts[key(i)], 1ull);
  }
};

template <class T>
struct GatherFineAll {
  double* dst[3];
  const T* src[3];
  const int64_t* order;
  double n[3];
  int dims;
  __device__ void operator()(int64_t p) const {
    const int64_t i = order[p];
    for (int d = 0; d < dims; ++d) dst[d][p] = fine_coordinate(src[d][i], n[d]);
  }
};

}  // namespace phasis::nufft::cuda_spread
