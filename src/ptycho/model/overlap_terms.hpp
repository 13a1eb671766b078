// The overlap terms every ptychography solver sums (layouts in forward.hpp), as PHASIS_HD
// functors for the backends' scatter_add / gather_add / for_each / sum: object and probe
// numerators and denominators, the inertial quotient that turns them into the object and probe,
// the region exchange of a distributed run, and the recombination of modes.
#pragma once

#include <algorithm>
#include <cstdint>

#include "backend/cpu.hpp"  // for ScatterTerm
#include "phasis/core/complex.hpp"
#include "ptycho/model/forward.hpp"

namespace phasis::model {
/// Object numerator and denominator terms for object mode l of frame j ("frame" jl = j L + l of
/// the scatter): sum_k P^k* psi^{kl}_j and sum_k |P^k|^2 at the object pixel under p = (y, x).
template <class T>
struct ObjectTerms {
  const Complex<T>* psi;
  const Complex<T>* probe;
  const int32_t* offsets;
  Geometry g;
  PHASIS_HD ScatterTerm<T> operator()(int64_t jl, int64_t y, int64_t x) const {
    const int64_t p = y * g.m + x, j = jl / g.l, l = jl - j * g.l;
    Complex<T> num{};
    T den = 0;
    for (int64_t k = 0; k < g.k; ++k) {
      const Complex<T> pr = probe[k * g.pix + p];
      num += conj_mul(pr, psi[((j * g.k + k) * g.l + l) * g.pix + p]);
      den += norm2(pr);
    }
    return {l * g.plane() + object_index_yx(offsets, g, j, y, x), num, den};
  }
};

/// ObjectTerms for a single probe and object mode: the same sums without the mode loop, small
/// enough for the compiler to inline into the scatter loop.
template <class T>
struct ObjectTermsSingle {
  const Complex<T>* psi;
  const Complex<T>* probe;
  const int32_t* offsets;
  Geometry g;
  PHASIS_HD ScatterTerm<T> operator()(int64_t j, int64_t y, int64_t x) const {
    const int64_t p = y * g.m + x;
    const Complex<T> pr = probe[p];
    return {object_index_yx(offsets, g, j, y, x), conj_mul(pr, psi[j * g.pix + p]), norm2(pr)};
  }
};

/// Numerator (re, im) and denominator of a rectangle of every object plane, packed 3 values per
/// pixel: what a part sends a neighbour whose region overlaps its own (i < L rh rw).
template <class T>
struct PackRegion {
  T* out;
  const Complex<T>* num;
  const T* den;
  Geometry g;
  int64_t y0, x0, rh, rw;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t per = rh * rw, l = i / per, r = i - l * per, y = r / rw, o = l * g.plane() + (y0 + y) * g.w + x0 + r - y * rw;
    out[3 * i] = num[o].re;
    out[3 * i + 1] = num[o].im;
    out[3 * i + 2] = den[o];
  }
};

/// Adds a neighbour's packed rectangle (PackRegion's layout) into the numerator and denominator.
template <class T>
struct AddRegion {
  const T* in;
  Complex<T>* num;
  T* den;
  Geometry g;
  int64_t y0, x0, rh, rw;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t per = rh * rw, l = i / per, r = i - l * per, y = r / rw, o = l * g.plane() + (y0 + y) * g.w + x0 + r - y * rw;
    num[o] += Complex<T>(in[3 * i], in[3 * i + 1]);
    den[o] += in[3 * i + 2];
  }
};

/// out = the object where this part owns the pixel, 0 elsewhere: summed over parts, every pixel
/// comes from exactly one part.
template <class T>
struct OwnedObject {
  Complex<T>* out;
  const Complex<T>* object;
  const uint8_t* owned;  // one plane
  int64_t plane;
  PHASIS_HD void operator()(int64_t i) const { out[i] = owned[i % plane] ? object[i] : Complex<T>(0, 0); }
};

/// new = (num + c old) / (den + c), for the object and the probe alike.
template <class T>
struct InertialQuotient {
  Complex<T>* value;
  const Complex<T>* num;
  const T* den;
  T c;
  PHASIS_HD void operator()(int64_t i) const { value[i] = (num[i] + c * value[i]) * (T(1) / (den[i] + c)); }
};

/// Probe numerator and denominator terms at pixel p of probe mode k (i = k pix + p), summed over
/// frames [j1, j2) of the batch and over object modes.
template <class T>
PHASIS_HD void probe_sums(const Complex<T>* psi, const Complex<T>* object, const int32_t* offsets, const Geometry& g,
                          int64_t i, int64_t j1, int64_t j2, Complex<T>& num, T& den) {
  const int64_t k = i / g.pix, p = i - k * g.pix, y = p / g.m, x = p - y * g.m;
  Complex<T> acc{};
  T d = 0;
  for (int64_t j = j1; j < j2; ++j) {
    const int64_t idx = object_index_yx(offsets, g, j, y, x);
    for (int64_t l = 0; l < g.l; ++l) {
      const Complex<T> o = object[l * g.plane() + idx];
      acc += conj_mul(o, psi[((j * g.k + k) * g.l + l) * g.pix + p]);
      d += norm2(o);
    }
  }
  num = acc, den = d;
}

/// probe_sums for one probe and one object mode, four frames per step: the four frames' object and
/// exit-wave loads are issued together (a GPU thread otherwise waits for each frame's loads in
/// turn, which held the probe sums at half the memory bandwidth). The same sums in the same order.
template <class T>
PHASIS_HD void probe_sums_single(const Complex<T>* psi, const Complex<T>* object, const int32_t* offsets,
                                 const Geometry& g, int64_t p, int64_t j1, int64_t j2, Complex<T>& num, T& den) {
  const int64_t y = p / g.m, x = p - y * g.m;
  Complex<T> acc{};
  T d = 0;
  int64_t j = j1;
  for (; j + 4 <= j2; j += 4) {
    Complex<T> o[4], s[4];
    for (int u = 0; u < 4; ++u) {
      o[u] = object[object_index_yx(offsets, g, j + u, y, x)];
      s[u] = psi[(j + u) * g.pix + p];
    }
    for (int u = 0; u < 4; ++u) {
      acc += conj_mul(o[u], s[u]);
      d += norm2(o[u]);
    }
  }
  for (; j < j2; ++j) {
    const Complex<T> o = object[object_index_yx(offsets, g, j, y, x)];
    acc += conj_mul(o, psi[j * g.pix + p]);
    d += norm2(o);
  }
  num = acc, den = d;
}

/// Probe numerator and denominator at every probe pixel, summed over the batch's frames: one thread
/// per probe pixel, so no write conflicts.
template <class T>
struct ProbeTerms {
  Complex<T>* num;
  T* den;
  const Complex<T>* psi;
  const Complex<T>* object;
  const int32_t* offsets;
  Geometry g;
  int64_t frames;
  bool add;  // add to num and den (later batches of streamed frames) instead of overwriting
  PHASIS_HD void operator()(int64_t i) const {
    Complex<T> acc;
    T d;
    probe_sums(psi, object, offsets, g, i, 0, frames, acc, d);
    num[i] = add ? num[i] + acc : acc;
    den[i] = add ? den[i] + d : d;
  }
};

/// ProbeTerms for a CPU, by runs of up to 64 pixels of one probe row (i = (k m + y) runs + run):
/// each frame's run is contiguous in psi and in the object, where ProbeTerms' one pixel per call
/// strides a whole frame between reads. The same sums in the same order per pixel, so the same
/// results. Host only (its accumulators live on the stack).
template <class T>
struct ProbeTermRuns {
  static constexpr int64_t kRun = 64;
  Complex<T>* num;
  T* den;
  const Complex<T>* psi;
  const Complex<T>* object;
  const int32_t* offsets;
  Geometry g;
  int64_t frames;
  bool add;
  static int64_t runs(int64_t m) { return (m + kRun - 1) / kRun; }
  void operator()(int64_t i) const {
    const int64_t per_row = runs(g.m), row = i / per_row, x0 = (i - row * per_row) * kRun;
    const int64_t k = row / g.m, y = row - k * g.m, n = std::min(kRun, g.m - x0);
    Complex<T> acc[kRun];
    T d[kRun];
    for (int64_t x = 0; x < n; ++x) acc[x] = Complex<T>(T(0), T(0)), d[x] = T(0);
    for (int64_t j = 0; j < frames; ++j) {
      const int64_t idx = object_index_yx(offsets, g, j, y, x0);
      for (int64_t l = 0; l < g.l; ++l) {
        const Complex<T>* o = object + l * g.plane() + idx;
        const Complex<T>* q = psi + ((j * g.k + k) * g.l + l) * g.pix + y * g.m + x0;
        for (int64_t x = 0; x < n; ++x) acc[x] += conj_mul(o[x], q[x]), d[x] += norm2(o[x]);
      }
    }
    const int64_t p0 = k * g.pix + y * g.m + x0;
    for (int64_t x = 0; x < n; ++x) {
      num[p0 + x] = add ? num[p0 + x] + acc[x] : acc[x];
      den[p0 + x] = add ? den[p0 + x] + d[x] : d[x];
    }
  }
};

/// ProbeTerms split over `chunks` runs of the batch's frames, for a GPU, where one thread per
/// probe pixel (65,536 at 256 x 256) is too few to keep its memory busy: chunk c's sums for probe
/// pixel i go to parts[c all + i] (i = c all + i, all = K pix); AddProbeChunks combines them.
template <class T>
struct ProbeTermChunks {
  Complex<T>* num_parts;
  T* den_parts;
  const Complex<T>* psi;
  const Complex<T>* object;
  const int32_t* offsets;
  Geometry g;
  int64_t frames, chunks;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t all = g.k * g.pix, c = i / all, q = i - c * all, j1 = c * frames / chunks, j2 = (c + 1) * frames / chunks;
    if (g.modes() == 1)
      probe_sums_single(psi, object, offsets, g, q, j1, j2, num_parts[i], den_parts[i]);
    else
      probe_sums(psi, object, offsets, g, q, j1, j2, num_parts[i], den_parts[i]);
  }
};

/// num[i] (+)= sum over chunks of ProbeTermChunks' parts, in chunk order.
template <class T>
struct AddProbeChunks {
  Complex<T>* num;
  T* den;
  const Complex<T>* num_parts;
  const T* den_parts;
  int64_t all, chunks;
  bool add;
  PHASIS_HD void operator()(int64_t i) const {
    Complex<T> acc = add ? num[i] : Complex<T>{};
    T d = add ? den[i] : T(0);
    for (int64_t c = 0; c < chunks; ++c) acc += num_parts[c * all + i], d += den_parts[c * all + i];
    num[i] = acc;
    den[i] = d;
  }
};

/// out[a][p] = sum_b coeff[a][b] in[b][p]: recombination of modes (orthogonalisation).
template <class T>
struct MixModes {
  Complex<T>* out;
  const Complex<T>* in;
  const Complex<T>* coeff;  // K x K
  int64_t k, pix;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t a = i / pix, p = i % pix;
    Complex<T> acc{};
    for (int64_t b = 0; b < k; ++b) acc += coeff[a * k + b] * in[b * pix + p];
    out[i] = acc;
  }
};

/// The same recombination applied to the probe-mode axis of exit waves (i counts within a batch
/// of frames): the mix is unitary, so the model intensities sum_k |F psi^k|^2 do not change and the
/// exit waves keep matching their modes.
template <class T>
struct MixExitModes {
  Complex<T>* out;       // batch buffer
  const Complex<T>* in;  // exit waves of the batch's first frame
  const Complex<T>* coeff;
  Geometry g;
  PHASIS_HD void operator()(int64_t i) const {
    const ExitIndex e(i, g, 0);
    Complex<T> acc{};
    for (int64_t b = 0; b < g.k; ++b) acc += coeff[e.k * g.k + b] * in[((e.j * g.k + b) * g.l + e.l) * g.pix + e.p];
    out[i] = acc;
  }
};

/// conj(u[i]) v[i]: terms of an inner product <u, v>.
template <class T>
struct InnerTerm {
  const Complex<T>* u;
  const Complex<T>* v;
  bool imaginary;
  PHASIS_HD T operator()(int64_t i) const {
    const Complex<T> z = conj_mul(u[i], v[i]);
    return imaginary ? z.im : z.re;
  }
};

template <class T>
struct ValueOf {
  const T* v;
  PHASIS_HD T operator()(int64_t i) const { return v[i]; }
};

/// Sum of I over valid pixels, for normalising the error.
struct ValidPower {
  const float* amp;
  const uint8_t* valid;
  int64_t pix;
  PHASIS_HD double operator()(int64_t i) const { return valid[i % pix] ? double(amp[i]) * amp[i] : 0.0; }
};

}  // namespace phasis::model
