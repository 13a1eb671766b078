// The element-wise math of ePIE and rPIE's own steps (pie.hpp), as PHASIS_HD functors that the CPU
// loop and the CUDA kernel both call. A batch's frames are consecutive in the iteration's frame
// order: `offsets` below point at the batch's first frame there, and j counts within the batch.
// Exit-wave layouts are forward.hpp's, for the batch: buf[j][k][l][y][x].
#pragma once

#include <cstdint>

#include "backend/cpu.hpp"  // for ScatterTerm
#include "phasis/core/complex.hpp"
#include "ptycho/model/forward.hpp"
#include "ptycho/model/fourier.hpp"

namespace phasis::pie {

using namespace phasis::model;

/// The batch's amplitudes in batch order: out[j][p] = amp[frames[j]][p] (frames: this part's
/// indices of the batch's frames).
struct GatherAmplitudes {
  float* out;
  const float* amp;
  const int32_t* frames;
  int64_t pix;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t j = i / pix;
    out[i] = amp[int64_t(frames[j]) * pix + (i - j * pix)];
  }
};

/// The modulus projection of one detector pixel of the batch (ModulusProject) that also returns
/// that pixel's squared misfit before it (FourierMisfit): the error costs no extra pass.
template <class T>
struct ProjectAndMeasure {
  FourierMisfit<T> misfit;
  ModulusProject<T> project;
  PHASIS_HD T operator()(int64_t i) const {
    const T e = misfit(i);
    project(i);
    return e;
  }
};

/// buf = buf - P O_j after the inverse FFT: the Fourier constraint's change Delta of the exit wave.
template <class T>
struct ExitChange {
  Complex<T>* buf;
  const Complex<T>* probe;
  const Complex<T>* object;
  const int32_t* offsets;  // of the batch's first frame
  Geometry g;
  int64_t probe_stride = 0;  // > 0: per-frame probes (forward.hpp's ExitWave)
  PHASIS_HD void operator()(int64_t i) const {
    const ExitIndex e(i, g, 0);
    buf[i] -= model_wave(probe + e.j * probe_stride, object, offsets, g, e);
  }
};

/// The object's terms for object mode l of batch frame j ("frame" jl = j L + l of the gather or
/// scatter): sum_k P^k* Delta^{kl}_j, and the weight (1 - gamma) sum_k |P^k|^2 + gamma max|P|^2.
template <class T>
struct ObjectStepTerms {
  const Complex<T>* delta;
  const Complex<T>* probe;
  const int32_t* offsets;  // of the batch's first frame
  Geometry g;
  T gamma;
  const T* probe_max;  // max over pixels of sum_k |P^k|^2, on the backend
  int64_t probe_stride = 0;  // > 0: per-frame probes (forward.hpp's ExitWave)
  PHASIS_HD ScatterTerm<T> operator()(int64_t jl, int64_t y, int64_t x) const {
    const int64_t p = y * g.m + x, j = jl / g.l, l = jl - j * g.l;
    Complex<T> num{};
    T power = 0;
    for (int64_t k = 0; k < g.k; ++k) {
      const Complex<T> pr = probe[j * probe_stride + k * g.pix + p];
      num += conj_mul(pr, delta[((j * g.k + k) * g.l + l) * g.pix + p]);
      power += norm2(pr);
    }
    return {l * g.plane() + object_index_yx(offsets, g, j, y, x), num, (T(1) - gamma) * power + gamma * probe_max[0]};
  }
};

/// The probe's terms at pixel p of probe mode k (i = k pix + p), summed over the batch's frames:
/// sum_j sum_l O^l_j* Delta^{kl}_j and sum_j [(1 - gamma) sum_l |O^l_j|^2 + gamma max|O_j|^2]. One
/// thread per probe pixel, so no write conflicts; frames = 0 writes zeros.
template <class T>
struct ProbeStepTerms {
  Complex<T>* num;
  T* den;
  const Complex<T>* delta;
  const Complex<T>* object;
  const int32_t* offsets;  // of the batch's first frame
  Geometry g;
  int64_t frames;
  T gamma;
  const T* frame_max;  // per batch frame: max over its pixels of sum_l |O^l_j|^2
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t k = i / g.pix, p = i - k * g.pix, y = p / g.m, x = p - y * g.m;
    Complex<T> acc{};
    T d = 0;
    for (int64_t j = 0; j < frames; ++j) {
      const int64_t idx = object_index_yx(offsets, g, j, y, x);
      T power = 0;
      for (int64_t l = 0; l < g.l; ++l) {
        const Complex<T> o = object[l * g.plane() + idx];
        acc += conj_mul(o, delta[((j * g.k + k) * g.l + l) * g.pix + p]);
        power += norm2(o);
      }
      d += (T(1) - gamma) * power + gamma * frame_max[j];
    }
    num[i] = acc;
    den[i] = d;
  }
};

/// Row maxima of the object power under the batch's frames: rows[j m + y] = max over x of
/// sum_l |O^l_j(y, x)|^2. With MaxOfRows, max|O_j|^2 per frame in two parallel passes and no wait.
template <class T>
struct FrameRowPowerMax {
  T* rows;
  const Complex<T>* object;
  const int32_t* offsets;  // of the batch's first frame
  Geometry g;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t j = i / g.m, y = i - j * g.m;
    T mx = 0;
    for (int64_t x = 0; x < g.m; ++x) {
      const int64_t idx = object_index_yx(offsets, g, j, y, x);
      T power = 0;
      for (int64_t l = 0; l < g.l; ++l) power += norm2(object[l * g.plane() + idx]);
      mx = power > mx ? power : mx;
    }
    rows[i] = mx;
  }
};

/// Row maxima of the probe power: rows[y] = max over x of sum_k |P^k(y, x)|^2.
template <class T>
struct ProbeRowPowerMax {
  T* rows;
  const Complex<T>* probe;
  Geometry g;
  PHASIS_HD void operator()(int64_t y) const {
    T mx = 0;
    for (int64_t x = 0; x < g.m; ++x) {
      T power = 0;
      for (int64_t k = 0; k < g.k; ++k) power += norm2(probe[k * g.pix + y * g.m + x]);
      mx = power > mx ? power : mx;
    }
    rows[y] = mx;
  }
};

/// out[j] = max of rows[j m + y] over y < m.
template <class T>
struct MaxOfRows {
  T* out;
  const T* rows;
  int64_t m;
  PHASIS_HD void operator()(int64_t j) const {
    T mx = 0;
    for (int64_t y = 0; y < m; ++y) mx = rows[j * m + y] > mx ? rows[j * m + y] : mx;
    out[j] = mx;
  }
};

/// Object index of element i of a rectangle (rows from y0, columns from x0, rh x rw) of every
/// object plane, as model::PackRegion counts them (i < L rh rw).
PHASIS_HD int64_t rectangle_index(const Geometry& g, int64_t y0, int64_t x0, int64_t rh, int64_t rw, int64_t i) {
  const int64_t per = rh * rw, l = i / per, r = i - l * per, y = r / rw;
  return l * g.plane() + (y0 + y) * g.w + x0 + r - y * rw;
}

/// Zeroes the object sums over a rectangle of every plane: the batch's box, the only pixels its
/// frames add to.
template <class T>
struct ZeroRectangle {
  Complex<T>* num;
  T* den;
  Geometry g;
  int64_t y0, x0, rh, rw;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t o = rectangle_index(g, y0, x0, rh, rw, i);
    num[o] = Complex<T>(T(0), T(0));
    den[o] = T(0);
  }
};

/// The object's step over the box from its packed, reduced sums (model::PackRegion's layout: re,
/// im, den per pixel): object += step num / den where some frame covered the pixel (den > 0).
template <class T>
struct StepFromPacked {
  Complex<T>* object;
  const T* packed;
  Geometry g;
  int64_t y0, x0, rh, rw;
  T step;
  PHASIS_HD void operator()(int64_t i) const {
    const T den = packed[3 * i + 2];
    if (den > T(0)) object[rectangle_index(g, y0, x0, rh, rw, i)] += Complex<T>(packed[3 * i], packed[3 * i + 1]) * (step / den);
  }
};

/// value += step num / den where some frame of the batch covered the pixel (den > 0).
template <class T>
struct TakeStep {
  Complex<T>* value;
  const Complex<T>* num;
  const T* den;
  T step;
  PHASIS_HD void operator()(int64_t i) const {
    if (den[i] > T(0)) value[i] += num[i] * (step / den[i]);
  }
};

}  // namespace phasis::pie
