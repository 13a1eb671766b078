// The ptychographic forward model that every solver shares, as PHASIS_HD functors the CPU loop
// and the CUDA kernel both call: sizes, where a frame pixel lands on the object, and the exit
// waves P^k O^l_j.
// Layouts (row-major): exit waves psi[j][k][l][y][x] for frame j, probe mode k < K, object mode
// l < L; probe[k][y][x]; object[l][oy][ox] with planes of H x W; offsets[j] = (y, x) of frame j's
// corner in the object. A "frame block" is the K L transforms of one frame.
#pragma once

#include <cstdint>

#include "phasis/core/complex.hpp"
#include "phasis/core/hd.hpp"

namespace phasis::model {
/// Sizes every functor needs.
struct Geometry {
  int64_t m;      // frame side
  int64_t pix;    // m * m
  int64_t k, l;   // probe and object modes
  int64_t h, w;   // object plane
  PHASIS_HD int64_t modes() const { return k * l; }
  PHASIS_HD int64_t plane() const { return h * w; }
};

/// Object index (within a plane) under pixel p of frame j.
/// (32-bit division: a frame has fewer than 2^31 pixels, and 64-bit division is several times
/// slower on both CPUs and GPUs.)
PHASIS_HD int64_t object_index(const int32_t* offsets, const Geometry& g, int64_t j, int64_t p) {
  const int32_t pp = int32_t(p), mm = int32_t(g.m), y = pp / mm;
  return (int64_t(offsets[2 * j]) + y) * g.w + offsets[2 * j + 1] + (pp - y * mm);
}

/// Object index under pixel (y, x) of frame j, for callers that already have y and x.
PHASIS_HD int64_t object_index_yx(const int32_t* offsets, const Geometry& g, int64_t j, int64_t y, int64_t x) {
  return (int64_t(offsets[2 * j]) + y) * g.w + offsets[2 * j + 1] + x;
}

/// Splits a flat exit-wave index (counted from frame j0) into frame, probe mode, object mode, pixel.
struct ExitIndex {
  int64_t j, k, l, p;
  PHASIS_HD ExitIndex(int64_t i, const Geometry& g, int64_t j0) {
    // A batch has fewer than 2^31 elements (its Fourier buffer is at most 512 MiB), so the division
    // is 32-bit (several times faster than 64-bit on GPUs and CPUs); the 64-bit one stays for callers
    // that index past a batch.
    const int64_t t = i <= INT32_MAX ? int64_t(int32_t(i) / int32_t(g.pix)) : i / g.pix;
    p = i - t * g.pix;
    if (g.k * g.l == 1) {
      j = j0 + t, k = 0, l = 0;
      return;
    }
    const int32_t kl = int32_t(g.k * g.l), tt = int32_t(t), jj = tt / kl, r = tt - jj * kl, kk = r / int32_t(g.l);
    j = j0 + jj, k = kk, l = r - kk * int32_t(g.l);
  }
};

/// P^k O^l_j at one exit-wave element.
template <class T>
PHASIS_HD Complex<T> model_wave(const Complex<T>* probe, const Complex<T>* object, const int32_t* offsets,
                                const Geometry& g, const ExitIndex& e) {
  return probe[e.k * g.pix + e.p] * object[e.l * g.plane() + object_index(offsets, g, e.j, e.p)];
}

/// psi = P O_j for every mode of every frame: the initial exit waves. probe_stride > 0: each frame
/// has its own probe modes (frame j's at probe + j probe_stride: sub-pixel shifts, subpixel.hpp).
template <class T>
struct ExitWave {
  Complex<T>* psi;
  const Complex<T>* probe;
  const Complex<T>* object;
  const int32_t* offsets;
  Geometry g;
  int64_t probe_stride = 0;
  PHASIS_HD void operator()(int64_t i) const {
    const ExitIndex e(i, g, 0);
    psi[i] = model_wave(probe + e.j * probe_stride, object, offsets, g, e);
  }
};

}  // namespace phasis::model
