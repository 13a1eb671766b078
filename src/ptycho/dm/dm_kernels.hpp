// The element-wise math of the Difference Map, written once as PHASIS_HD functors that the CPU
// loop and the CUDA kernel both call.
// Layouts (row-major): exit waves psi[j][k][l][y][x] for frame j, probe mode k < K, object mode
// l < L; probe[k][y][x]; object[l][oy][ox] with planes of H x W; offsets[j] = (y, x) of frame j's
// corner in the object. A "frame block" is the K L transforms of one frame.
#pragma once

#include <algorithm>
#include <cstdint>

#include "backend/cpu.hpp"  // for ScatterTerm
#include "phasis/core/complex.hpp"

namespace phasis::dm {

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

/// psi = P O_j for every mode of every frame: the initial exit waves.
template <class T>
struct ExitWave {
  Complex<T>* psi;
  const Complex<T>* probe;
  const Complex<T>* object;
  const int32_t* offsets;
  Geometry g;
  PHASIS_HD void operator()(int64_t i) const { psi[i] = model_wave(probe, object, offsets, g, ExitIndex(i, g, 0)); }
};

/// 2 P O_j - psi at one exit-wave element: the reflection through the overlap constraint. The
/// Reflect pass and the fused Fourier kernels' row load (dm_fused_fourier.cu) both call it.
template <class T>
PHASIS_HD Complex<T> reflect_wave(Complex<T> psi, const Complex<T>* probe, const Complex<T>* object,
                                  const int32_t* offsets, const Geometry& g, const ExitIndex& e) {
  return T(2) * model_wave(probe, object, offsets, g, e) - psi;
}

/// buf = 2 P O_j - psi_j for the frames of one batch starting at frame j0 (i counts within it).
template <class T>
struct Reflect {
  Complex<T>* buf;
  const Complex<T>* psi;  // of the batch's first frame
  const Complex<T>* probe;
  const Complex<T>* object;
  const int32_t* offsets;
  Geometry g;
  int64_t j0;
  PHASIS_HD void operator()(int64_t i) const { buf[i] = reflect_wave(psi[i], probe, object, offsets, g, ExitIndex(i, g, j0)); }
};

/// Unitary magnitude sqrt(sum over modes |X|^2) / M at pixel p of frame-block b of the batch.
template <class T>
PHASIS_HD T mode_magnitude(const Complex<T>* buf, const Geometry& g, int64_t b, int64_t p, T inv_m) {
  T s = 0;
  const Complex<T>* x = buf + b * g.modes() * g.pix + p;
  for (int64_t q = 0; q < g.modes(); ++q) s += norm2(x[q * g.pix]);
  return sqrt(s) * inv_m;
}

/// Squared misfit (a - sqrt(I))^2 of one detector pixel of the batch (valid pixels only); its
/// per-frame sums decide the power-bounded projection. i counts frame-block pixels: b * pix + p.
template <class T>
struct FourierMisfit {
  const Complex<T>* buf;
  const float* amp;  // of the batch's first frame
  const uint8_t* valid;
  Geometry g;
  T inv_m;
  PHASIS_HD T operator()(int64_t i) const {
    const int64_t p = i % g.pix;
    if (!valid[p]) return T(0);
    const T d = mode_magnitude(buf, g, i / g.pix, p, inv_m) - T(amp[i]);
    return d * d;
  }
};

/// The modulus scales |T| = a to `target`. Where a << target that gain is unbounded and the
/// phase of a nearly vanishing T, which rounding decides, is blown up to full amplitude; the
/// gain is therefore capped at 1 / inv_gain (a is replaced by target * inv_gain when smaller).
/// Points with a = target, the solutions, are untouched.
template <class T>
PHASIS_HD T modulus_gain_denominator(T a, T target, T inv_gain) {
  const T lo = target * inv_gain;
  return a > lo ? a : lo > T(0) ? lo : a;
}

/// ModulusProject for one pixel of a single-mode frame: x is the unnormalised FFT value, `amp` its
/// measured sqrt(I); `relaxed` says whether `relax` (the frame's power-bound factor) applies. The
/// ModulusProject pass and the fused Fourier kernels' column step (dm_fused_fourier.cu) both call it.
template <class T>
PHASIS_HD Complex<T> modulus_project_single(Complex<T> x, float amp, bool valid, T relax, bool relaxed, T inv_m,
                                            T inv_gain) {
  if (!valid) return x * (inv_m * inv_m);
  const T a = abs(x) * inv_m;
  const T target = relaxed ? T(amp) + relax * (a - T(amp)) : T(amp);
  const T d = modulus_gain_denominator(a, target, inv_gain);
  return d > T(0) ? x * (target * inv_m * inv_m / d) : Complex<T>(target * inv_m, T(0));
}

/// Modulus projection on the unnormalised FFTs of the batch (X = M x unitary transform), one
/// detector pixel of one frame at a time: every mode is scaled by sqrt(I) / a, with a the
/// incoherent sum over modes, then by 1/M so that the unnormalised inverse FFT lands on the
/// unitary inverse. Masked pixels keep their values.
/// With `relax` (per frame, may be null) the target magnitude is sqrt(I) + relax_j (a - sqrt(I)):
/// 0 is the exact projection, 1 leaves the frame as it is (the power bound of Thibault et al. 2009).
template <class T>
struct ModulusProject {
  Complex<T>* buf;
  const float* amp;  // sqrt(I) of the batch's first frame, DC at [0, 0]
  const uint8_t* valid;
  Geometry g;
  T inv_m;
  const T* relax;  // per frame of the batch, or nullptr
  T inv_gain;      // 1 / DmOptions::modulus_gain_limit; 0: the exact projection (see modulus_gain_denominator)
  PHASIS_HD T gain_denominator(T a, T target) const { return modulus_gain_denominator(a, target, inv_gain); }
  PHASIS_HD void operator()(int64_t i) const {
    if (g.modes() == 1) {  // the common case, without the mode loops
      const int64_t p = i % g.pix;
      buf[i] = modulus_project_single(buf[i], amp[i], valid[p] != 0, relax ? relax[i / g.pix] : T(0), relax != nullptr,
                                      inv_m, inv_gain);
      return;
    }
    const int64_t b = i / g.pix, p = i % g.pix;
    Complex<T>* x = buf + b * g.modes() * g.pix + p;
    T scale;
    if (!valid[p]) {
      scale = inv_m * inv_m;
    } else {
      const T a = mode_magnitude(buf, g, b, p, inv_m);
      const T target = relax ? T(amp[i]) + relax[b] * (a - T(amp[i])) : T(amp[i]);
      const T d = gain_denominator(a, target);
      if (!(d > T(0))) {  // no phase to keep: put the magnitude in the first mode, real
        for (int64_t q = 0; q < g.modes(); ++q) x[q * g.pix] = Complex<T>(0, 0);
        x[0] = Complex<T>(target * inv_m, T(0));
        return;
      }
      scale = target * inv_m * inv_m / d;  // |X| = a M summed over modes
    }
    for (int64_t q = 0; q < g.modes(); ++q) x[q * g.pix] = x[q * g.pix] * scale;
  }
};

/// psi += buf - P O_j after the inverse FFT; returns |buf - P O_j|^2, this element's share of the
/// difference-map error.
template <class T>
struct UpdateExit {
  Complex<T>* psi;  // of the batch's first frame
  const Complex<T>* buf;
  const Complex<T>* probe;
  const Complex<T>* object;
  const int32_t* offsets;
  Geometry g;
  int64_t j0;
  PHASIS_HD T operator()(int64_t i) const {
    const Complex<T> d = buf[i] - model_wave(probe, object, offsets, g, ExitIndex(i, g, j0));
    psi[i] += d;
    return norm2(d);
  }
};

/// UpdateExit and the first object scatter in one read of the exit waves: for scatter "frame"
/// jl = j L + l of the batch (j counted from the batch's first frame) at pixel (y, x), every probe
/// mode k gets d = buf - P^k O^l_j and psi^{kl}_j += d once; returns ObjectTerms' sums over k of the
/// updated psi, and sum_k |d|^2 (the error share) as `extra`. For B::scatter_add_sum.
template <class T>
struct UpdateExitScatter {
  Complex<T>* psi;  // of the batch's first frame
  const Complex<T>* buf;
  const Complex<T>* probe;
  const Complex<T>* object;
  const int32_t* offsets;  // of the batch's first frame
  Geometry g;
  PHASIS_HD ScatterSumTerm<T> operator()(int64_t jl, int64_t y, int64_t x) const {
    const int64_t p = y * g.m + x, j = jl / g.l, l = jl - j * g.l;
    const int64_t o = l * g.plane() + object_index_yx(offsets, g, j, y, x);
    const Complex<T> ob = object[o];
    Complex<T> num{};
    T den = 0, err = 0;
    for (int64_t k = 0; k < g.k; ++k) {
      const int64_t i = ((j * g.k + k) * g.l + l) * g.pix + p;
      const Complex<T> pr = probe[k * g.pix + p];
      const Complex<T> d = buf[i] - pr * ob;
      const Complex<T> q = psi[i] + d;
      psi[i] = q;
      num += conj_mul(pr, q);
      den += norm2(pr);
      err += norm2(d);
    }
    return {o, num, den, err};
  }
};

/// UpdateExitScatter for a single probe and object mode, without the mode loop.
template <class T>
struct UpdateExitScatterSingle {
  Complex<T>* psi;  // of the batch's first frame
  const Complex<T>* buf;
  const Complex<T>* probe;
  const Complex<T>* object;
  const int32_t* offsets;  // of the batch's first frame
  Geometry g;
  PHASIS_HD ScatterSumTerm<T> operator()(int64_t j, int64_t y, int64_t x) const {
    const int64_t p = y * g.m + x, i = j * g.pix + p, o = object_index_yx(offsets, g, j, y, x);
    const Complex<T> pr = probe[p];
    const Complex<T> d = buf[i] - pr * object[o];
    const Complex<T> q = psi[i] + d;
    psi[i] = q;
    return {o, conj_mul(pr, q), norm2(pr), norm2(d)};
  }
};

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

}  // namespace phasis::dm
