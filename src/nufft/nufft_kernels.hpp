// The NUFFT steps both backends share, as PHASIS_HD functors that the CPU loop and the CUDA kernel
// call: points to fine-grid coordinates, bin indices, the deconvolution copies between the mode
// array and the fine grid, and interpolation (type 2) at one point.
// Fine grid: n1 x n2 (x n3) cells, x fastest; a point x in [0, 2 pi) sits at s = x n / (2 pi).
// Type 1 on the fine grid: b[l] = sum_j c_j phi(l - s_j) (wrapped), then
//   f[k] = FFT(b)[k mod n] / phihat(2 pi k / n)   (per dimension), since
//   sum_l phi(l - s) exp(i k 2 pi l / n) ~ exp(i k x) phihat(2 pi k / n).
// Type 2 reverses it: b[k mod n] = f[k] / phihat(k), FFT, c_j = sum_l b[l] phi(l - s_j).
#pragma once

#include <cstdint>
#include <type_traits>

#include "phasis/core/complex.hpp"
#include "phasis/nufft/kernel.hpp"

namespace phasis::nufft {

/// Sizes of one plan; unused dimensions (z in 2D) have 1 mode and 1 fine cell.
struct Geometry {
  int dims = 2;
  int64_t modes[3] = {1, 1, 1};
  int64_t fine[3] = {1, 1, 1};
  int64_t modes_total = 1;
  int64_t fine_total = 1;
  int64_t bin[3] = {16, 16, 1};  // bin size in cells, for sorting
  int64_t bins[3] = {1, 1, 1};   // bins per dimension
  bool fft_order = false;
  int width = 2;
  double beta = 0;
};

/// Folds x into [0, 2 pi) and scales it to fine-grid cells: (x mod 2 pi) n / (2 pi), in [0, n].
/// Fine coordinates are kept in double in either precision: a float s would round to n 2^-24
/// cells, several times the float input's own rounding at large n (at 400 x 400 float modes and
/// tolerance 1e-6, 1.5e-5 relative error with float coordinates, 1.2e-6 with double).
template <class T>
PHASIS_HD double fine_coordinate(T x, double n) {
  double u = double(x) * 0.15915494309189533577;  // 1 / (2 pi)
  u -= floor(u);
  double g = u * n;
  if (g >= n) g -= n;
  return g;
}

template <class T>
struct ToGrid {
  const T* x;
  double* s;
  double n;
  PHASIS_HD void operator()(int64_t i) const { s[i] = fine_coordinate(x[i], n); }
};

/// 1 where a coordinate is NaN or infinite (x - x is NaN exactly then), else 0.
template <class T>
struct NotFinite {
  const T* x;
  PHASIS_HD int operator()(int64_t i) const {
    const T d = x[i] - x[i];
    return d == d ? 0 : 1;
  }
};

/// Row-major bin index (x fastest) of a point at fine coordinates (sx, sy, sz); coordinates
/// rounded up to n stay in the last bin.
PHASIS_HD int64_t bin_index(const Geometry& g, double sx, double sy, double sz) {
  int64_t b[3] = {0, 0, 0};
  const double s[3] = {sx, sy, sz};
  for (int d = 0; d < g.dims; ++d) {
    int64_t v = static_cast<int64_t>(s[d]) / g.bin[d];
    b[d] = v < g.bins[d] ? v : g.bins[d] - 1;
  }
  return (b[2] * g.bins[1] + b[1]) * g.bins[0] + b[0];
}

/// bin_index of point i of fine-coordinate arrays (sz unused in 2D).
PHASIS_HD int64_t bin_of(const Geometry& g, const double* sx, const double* sy, const double* sz, int64_t i) {
  return bin_index(g, sx[i], sy[i], g.dims == 3 ? sz[i] : 0.0);
}

/// Fine-grid index of the mode stored at flat position r of the mode array, and the product of
/// the deconvolution factors of its three coordinates. dec holds n1 + n2 + n3 factors, each
/// dimension's in mode order -n/2 ... (n-1)/2.
template <class T>
PHASIS_HD int64_t mode_to_fine(const Geometry& g, const T* dec, int64_t r, T& factor) {
  int64_t fine_index = 0, stride = 1, offset = 0;
  factor = T(1);
  for (int d = 0; d < 3; ++d) {
    const int64_t n = g.modes[d];
    const int64_t pos = r % n;
    r /= n;
    const int64_t k = g.fft_order ? (pos < (n + 1) / 2 ? pos : pos - n) : pos - n / 2;
    factor *= dec[offset + k + n / 2];
    fine_index += (k < 0 ? k + g.fine[d] : k) * stride;
    stride *= g.fine[d];
    offset += n;
  }
  return fine_index;
}

/// Type 1's last step: f = FFT(b) at the modes, deconvolved. i runs over transforms x modes.
template <class T>
struct FineToModes {
  const Complex<T>* fine;
  Complex<T>* f;
  const T* dec;
  Geometry g;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t t = i / g.modes_total;
    T factor;
    const int64_t j = mode_to_fine(g, dec, i % g.modes_total, factor);
    f[i] = fine[t * g.fine_total + j] * factor;
  }
};

/// Type 2's first step: the deconvolved modes into a zeroed fine grid.
template <class T>
struct ModesToFine {
  const Complex<T>* f;
  Complex<T>* fine;
  const T* dec;
  Geometry g;
  PHASIS_HD void operator()(int64_t i) const {
    const int64_t t = i / g.modes_total;
    T factor;
    const int64_t j = mode_to_fine(g, dec, i % g.modes_total, factor);
    fine[t * g.fine_total + j] = f[i] * factor;
  }
};

/// Calls f(std::integral_constant<int, W>{}) with W = w in [2, kMaxWidth]: the kernel loops then
/// have compile-time trip counts, which the compilers unroll and vectorise.
template <class F>
void with_width(int w, F&& f) {
  switch (w) {
    case 2: return f(std::integral_constant<int, 2>{});
    case 3: return f(std::integral_constant<int, 3>{});
    case 4: return f(std::integral_constant<int, 4>{});
    case 5: return f(std::integral_constant<int, 5>{});
    case 6: return f(std::integral_constant<int, 6>{});
    case 7: return f(std::integral_constant<int, 7>{});
    case 8: return f(std::integral_constant<int, 8>{});
    case 9: return f(std::integral_constant<int, 9>{});
    case 10: return f(std::integral_constant<int, 10>{});
    case 11: return f(std::integral_constant<int, 11>{});
    case 12: return f(std::integral_constant<int, 12>{});
    case 13: return f(std::integral_constant<int, 13>{});
    case 14: return f(std::integral_constant<int, 14>{});
    case 15: return f(std::integral_constant<int, 15>{});
    default: return f(std::integral_constant<int, 16>{});
  }
}

/// The kernel values and wrapped fine-grid indices of one point's support in every dimension
/// (2D: a single z cell of weight 1). The support never covers a dimension twice (n >= 2 w).
template <class T, int W>
struct Support {
  T k[3][W];
  int64_t i[3][W];
  PHASIS_HD Support(const Geometry& g, const KernelEval<T>& kernel, const double* sx, const double* sy,
                    const double* sz, int64_t p) {
    const double* s[3] = {sx, sy, sz};
    for (int d = 0; d < 3; ++d) {
      if (d == 2 && g.dims == 2) {
        k[2][0] = T(1);
        i[2][0] = 0;
        continue;
      }
      const int64_t first = kernel.template values<W>(s[d][p], k[d]);
      for (int a = 0; a < W; ++a) i[d][a] = (first + a + g.fine[d]) % g.fine[d];
    }
  }
};

/// Type 2's last step at the point in sorted position p, for every transform:
/// c[t M + order[p]] = sum over the point's W^d support of phi * b (wrapped).
template <class T, int W>
struct InterpolatePoints {
  const Complex<T>* fine;
  Complex<T>* c;
  const double* sx;
  const double* sy;
  const double* sz;  // unused in 2D
  const int64_t* order;
  int64_t m;
  int64_t transforms;
  Geometry g;
  KernelEval<T> kernel;
  PHASIS_HD void operator()(int64_t p) const {
    const Support<T, W> s(g, kernel, sx, sy, sz, p);
    const int wz = g.dims == 3 ? W : 1;
    const int64_t j = order[p];
    // Most supports do not wrap in x: their rows are then read as one contiguous run.
    const bool run = s.i[0][W - 1] == s.i[0][0] + W - 1;
    for (int64_t t = 0; t < transforms; ++t) {
      const Complex<T>* b = fine + t * g.fine_total;
      Complex<T> acc(T(0), T(0));
      for (int cz = 0; cz < wz; ++cz)
        for (int cy = 0; cy < W; ++cy) {
          const Complex<T>* row = b + (s.i[2][cz] * g.fine[1] + s.i[1][cy]) * g.fine[0];
          T re = T(0), im = T(0);
          if (run) {
            const Complex<T>* r = row + s.i[0][0];
            for (int cx = 0; cx < W; ++cx) {
              re += r[cx].re * s.k[0][cx];
              im += r[cx].im * s.k[0][cx];
            }
          } else {
            for (int cx = 0; cx < W; ++cx) {
              const Complex<T> v = row[s.i[0][cx]];
              re += v.re * s.k[0][cx];
              im += v.im * s.k[0][cx];
            }
          }
          const T wyz = s.k[1][cy] * s.k[2][cz];
          acc.re += re * wyz;
          acc.im += im * wyz;
        }
      c[t * m + j] = acc;
    }
  }
};

}  // namespace phasis::nufft
