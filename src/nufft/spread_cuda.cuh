// CUDA pieces of the NUFFT spreader (nufft_cuda.cu): the counting sort of the points by bin, and
// the two ways to spread. Every index and count over points is int64_t (more than 2^31 points in
// one call), and launches loop over their range, so no grid size limits the point count.
//
// Sort: a counting sort, as on the CPU, but with atomics instead of per-thread tables: one pass
// counts the points of each bin, a scan turns counts into starts, and a second pass gives each
// point the next free slot of its bin (atomicAdd on the bin's cursor). No per-point temporary is
// needed (bins are recomputed from the coordinates), so sorting 2^31 points costs no more memory
// than the order itself. Within a bin the order depends on the atomics' timing; interpolation does
// not depend on it, and spreading adds in an unspecified order anyway.
//
// Shared-memory spreading: bins with many points are cut into subproblems of at most
// kSubproblemPoints points; one thread block per subproblem zeroes a box (the bin plus the kernel's
// reach on each side) in shared memory, adds its points there with shared-memory atomics, then
// adds the box's non-zero cells to the fine grid (wrapped) with global atomics. Global atomics per
// point drop from w^d to about box / points.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "phasis/core/complex.hpp"
#include "phasis/nufft/nufft_kernels.hpp"

namespace phasis::nufft::cuda_spread {

/// Most points one block spreads into its box (cuFINUFFT's default is the same order).
constexpr int64_t kSubproblemPoints = 1024;
constexpr int kBlockThreads = 256;
/// Shared memory a box may take: every CUDA GPU gives a block 48 KiB without the per-kernel opt-in,
/// static variables included (the kernel has 8 bytes of them).
constexpr int64_t kSharedBytes = 48 * 1024 - 64;

/// Bin of the caller's point i straight from its coordinates (the same arithmetic as ToGrid).
template <class T>
struct PointBin {
  const T* x;
  const T* y;
  const T* z;
  Geometry g;
  __device__ int64_t operator()(int64_t i) const {
    const double sx = fine_coordinate(x[i], double(g.fine[0]));
    const double sy = fine_coordinate(y[i], double(g.fine[1]));
    const double sz = g.dims == 3 ? fine_coordinate(z[i], double(g.fine[2])) : 0.0;
    return bin_index(g, sx, sy, sz);
  }
};

template <class T>
struct CountBins {
  PointBin<T> bin;
  unsigned long long* counts;
  __device__ void operator()(int64_t i) const { atomicAdd(&counts[bin(i)], 1ull); }
};

/// order[next free slot of point i's bin] = i; cursor starts as the bins' first slots.
template <class T>
struct PlaceInBins {
  PointBin<T> bin;
  unsigned long long* cursor;
  int64_t* order;
  __device__ void operator()(int64_t i) const {
    const unsigned long long slot = atomicAdd(&cursor[bin(i)], 1ull);
    order[slot] = i;
  }
};

/// dst[p] = fine coordinate of the caller's point order[p] (sorted order).
template <class T>
struct GatherFine {
  double* dst;
  const T* src;
  const int64_t* order;
  double n;
  __device__ void operator()(int64_t p) const { dst[p] = fine_coordinate(src[order[p]], n); }
};

/// subs[b] = number of subproblems of bin b (b < nbins), from the bins' starts.
struct SubproblemsPerBin {
  const int64_t* start;
  int64_t* subs;
  __device__ void operator()(int64_t b) const {
    subs[b] = (start[b + 1] - start[b] + kSubproblemPoints - 1) / kSubproblemPoints;
  }
};

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

/// First (unwrapped) fine cell of the box of bin coordinate c along a dimension.
__device__ inline int64_t box_low(const Geometry& g, int d, int64_t c) {
  return c * g.bin[d] - (g.width + 1) / 2 - 1;
}

template <class T>
struct SharedSpreadArgs {
  const Complex<T>* c;
  Complex<T>* fine;
  const double* sx;
  const double* sy;
  const double* sz;
  const int64_t* order;
  const int64_t* bin_start;  // nbins + 1: first sorted position of each bin, then m
  const int64_t* sub_start;  // nbins + 1: first subproblem of each bin, then their total
  int64_t nbins;
  int64_t subproblems;
  int64_t m;
  int64_t transforms;
  BoxShape box;
  Geometry g;
  KernelEval<T> kernel;
};

template <class T, int W>
__global__ void __launch_bounds__(kBlockThreads) spread_shared_kernel(SharedSpreadArgs<T> a) {
  extern __shared__ __align__(16) unsigned char shared_raw[];
  T* box = reinterpret_cast<T*>(shared_raw);  // re, im interleaved
  __shared__ int64_t bin_of_block;
  const Geometry& g = a.g;
  const int64_t nx = a.box.size[0], ny = a.box.size[1], cells = a.box.cells;
  const int wz = g.dims == 3 ? W : 1;
  for (int64_t sp = blockIdx.x; sp < a.subproblems; sp += gridDim.x) {
    if (threadIdx.x == 0) {
      // The bin holding subproblem sp: the last b with sub_start[b] <= sp (empty bins before it
      // have the same start, so the last one is the bin that owns sp).
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
    const int64_t p0 = a.bin_start[b] + (sp - a.sub_start[b]) * kSubproblemPoints;
    const int64_t p1 = min(p0 + kSubproblemPoints, a.bin_start[b + 1]);
    const int64_t coord[3] = {b % g.bins[0], (b / g.bins[0]) % g.bins[1], b / (g.bins[0] * g.bins[1])};
    int64_t lo[3] = {0, 0, 0};
    for (int d = 0; d < g.dims; ++d) lo[d] = box_low(g, d, coord[d]);

    for (int64_t t = 0; t < a.transforms; ++t) {
      for (int64_t i = threadIdx.x; i < 2 * cells; i += blockDim.x) box[i] = T(0);
      __syncthreads();
      for (int64_t p = p0 + threadIdx.x; p < p1; p += blockDim.x) {
        T kx[W], ky[W], kz[W];
        kz[0] = T(1);
        const int64_t x0 = a.kernel.template values<W>(a.sx[p], kx) - lo[0];
        const int64_t y0 = a.kernel.template values<W>(a.sy[p], ky) - lo[1];
        const int64_t z0 = g.dims == 3 ? a.kernel.template values<W>(a.sz[p], kz) - lo[2] : 0;
        const Complex<T> v = a.c[t * a.m + a.order[p]];
        for (int cz = 0; cz < wz; ++cz)
          for (int cy = 0; cy < W; ++cy) {
            const T wyz = ky[cy] * kz[cz], re = v.re * wyz, im = v.im * wyz;
            T* row = box + 2 * (((z0 + cz) * ny + y0 + cy) * nx + x0);
            for (int cx = 0; cx < W; ++cx) {
              atomicAdd(row + 2 * cx, re * kx[cx]);
              atomicAdd(row + 2 * cx + 1, im * kx[cx]);
            }
          }
      }
      __syncthreads();
      Complex<T>* out = a.fine + t * g.fine_total;
      for (int64_t i = threadIdx.x; i < cells; i += blockDim.x) {
        const T re = box[2 * i], im = box[2 * i + 1];
        if (re == T(0) && im == T(0)) continue;  // cells no point reached (most, when sparse)
        const int64_t ax = i % nx, ay = (i / nx) % ny, az = i / (nx * ny);
        const int64_t a3[3] = {ax, ay, az};
        int64_t at = 0;
        for (int d = 2; d >= 0; --d) {
          const int64_t n = g.fine[d];
          const int64_t cell = ((lo[d] + a3[d]) % n + n) % n;
          at = at * n + cell;
        }
        atomicAdd(&out[at].re, re);
        atomicAdd(&out[at].im, im);
      }
      __syncthreads();  // the box is reused by the next transform or subproblem
    }
  }
}

/// Spreads every transform's value at the point in sorted position p onto its W^d support with
/// global atomics: threads of a warp hold neighbouring sorted points, so their atomics hit the
/// same cache lines.
template <class T, int W>
struct SpreadAtomic {
  const Complex<T>* c;
  Complex<T>* fine;
  const double* sx;
  const double* sy;
  const double* sz;
  const int64_t* order;
  int64_t m;
  int64_t transforms;
  Geometry g;
  KernelEval<T> kernel;
  __device__ void operator()(int64_t p) const {
    const Support<T, W> s(g, kernel, sx, sy, sz, p);
    const int wz = g.dims == 3 ? W : 1;
    const int64_t j = order[p];
    for (int64_t t = 0; t < transforms; ++t) {
      const Complex<T> v = c[t * m + j];
      Complex<T>* b = fine + t * g.fine_total;
      for (int cz = 0; cz < wz; ++cz)
        for (int cy = 0; cy < W; ++cy) {
          const T wyz = s.k[1][cy] * s.k[2][cz], re = v.re * wyz, im = v.im * wyz;
          Complex<T>* row = b + (s.i[2][cz] * g.fine[1] + s.i[1][cy]) * g.fine[0];
          for (int cx = 0; cx < W; ++cx) {
            atomicAdd(&row[s.i[0][cx]].re, re * s.k[0][cx]);
            atomicAdd(&row[s.i[0][cx]].im, im * s.k[0][cx]);
          }
        }
    }
  }
};

}  // namespace phasis::nufft::cuda_spread
