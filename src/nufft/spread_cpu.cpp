// CPU spreading by subproblems and the points' bin sort (the strategy is in spread_cpu.hpp).
#include "spread_cpu.hpp"

#include <omp.h>

#include "phasis/exec/chunks.hpp"  // for ChunkPlan

#include <algorithm>
#include <cmath>
#include <string>

#include "bin_sort.hpp"
#include "backend/cpu.hpp"
#include "phasis/core/error.hpp"

namespace phasis::nufft {
namespace {

/// Sorted points [p0, p1) into the subgrid `box`, with a compile-time kernel width.
template <class T, int W>
void spread_points(const Geometry& g, const KernelEval<T>& kernel, const std::vector<double>* s, const int64_t* order,
                   const Complex<T>* c, int64_t p0, int64_t p1, const SubgridBox& box, Complex<T>* sub) {
  const int wz = g.dims == 3 ? W : 1;
  const int64_t nx = box.size[0], ny = box.size[1];
  T kx[W], ky[W], kz[W];
  kz[0] = T(1);
  for (int64_t p = p0; p < p1; ++p) {
    const int64_t x0 = kernel.template values<W>(s[0][p], kx) - box.lo[0];
    const int64_t y0 = kernel.template values<W>(s[1][p], ky) - box.lo[1];
    const int64_t z0 = g.dims == 3 ? kernel.template values<W>(s[2][p], kz) - box.lo[2] : 0;
    const Complex<T> v = c[order[p]];
    for (int cz = 0; cz < wz; ++cz)
      for (int cy = 0; cy < W; ++cy) {
        const T wyz = ky[cy] * kz[cz], re = v.re * wyz, im = v.im * wyz;
        Complex<T>* row = sub + ((z0 + cz) * ny + y0 + cy) * nx + x0;
        for (int cx = 0; cx < W; ++cx) {
          row[cx].re += re * kx[cx];
          row[cx].im += im * kx[cx];
        }
      }
  }
}

}  // namespace

template <class T>
CpuSpreader<T>::CpuSpreader(const CpuBackend& backend, const Geometry& g, const Options& opt)
    : b_(backend), g_(g), threads_(backend.threads()), sort_(opt.sort), subproblem_(opt.subproblem_points) {}

template <class T>
void CpuSpreader<T>::set_points(int64_t m, const T* x, const T* y, const T* z) {
  const T* in[3] = {x, y, z};
  const char* names[3] = {"x", "y", "z"};
  for (int d = 0; d < g_.dims; ++d) {
    const double bad = b_.sum(m, NotFinite<T>{in[d]});
    if (bad > 0)
      throw InputError("nufft points: expected finite coordinates; found " + std::to_string(int64_t(bad)) +
                       " NaN or infinite values of " + names[d]);
  }
  std::vector<double> u[3];
  for (int d = 0; d < g_.dims; ++d) {
    u[d].resize(static_cast<std::size_t>(m));
    b_.for_each(m, ToGrid<T>{in[d], u[d].data(), double(g_.fine[d])});
  }
  order_.resize(static_cast<std::size_t>(m));
  if (!sort_) {
    for (int64_t i = 0; i < m; ++i) order_[i] = i;
    for (int d = 0; d < 3; ++d) s_[d] = std::move(u[d]);
    m_ = m;
    return;
  }
  std::vector<int64_t> bin(static_cast<std::size_t>(m));
  const double* uz = g_.dims == 3 ? u[2].data() : nullptr;
  b_.for_each(m, [&](int64_t i) { bin[i] = bin_of(g_, u[0].data(), u[1].data(), uz, i); });
  bin_sort(bin.data(), m, g_.bins[0] * g_.bins[1] * g_.bins[2], threads_, order_.data());
  for (int d = 0; d < g_.dims; ++d) {
    s_[d].resize(static_cast<std::size_t>(m));
    const double* src = u[d].data();
    double* dst = s_[d].data();
    b_.for_each(m, [&](int64_t p) { dst[p] = src[order_[p]]; });
  }
  m_ = m;
}

template <class T>
void CpuSpreader<T>::spread(const Complex<T>* c, Complex<T>* fine, int64_t transforms,
                            const KernelEval<T>& kernel) const {
  const int64_t total = transforms * g_.fine_total;
  b_.for_each(total, [&](int64_t i) { fine[i] = Complex<T>(T(0), T(0)); });
  if (m_ == 0) return;
  // At least one chunk per thread, so small point sets still use every thread.
  // The sorted points are an index space cut into chunks (exec/chunks.hpp), each spread into its
  // own subgrid.
  const exec::ChunkPlan plan{m_, std::max<int64_t>(1, std::min(subproblem_, (m_ + threads_ - 1) / threads_))};
  const int64_t chunks = plan.count();
  for (int64_t t = 0; t < transforms; ++t) {
#pragma omp parallel num_threads(threads_)
    {
      std::vector<Complex<T>> sub;  // reused across this thread's chunks
#pragma omp for ordered schedule(dynamic, 1)
      for (int64_t k = 0; k < chunks; ++k) {
        const exec::Range points = plan.at(k);
        const SubgridBox box = spread_chunk(c + t * m_, points.begin, points.end, kernel, sub);
        // Subgrids join the fine grid one at a time and in chunk order: no two threads write a
        // cell at once, and the sums are the same in every run with the same thread count.
#pragma omp ordered
        add_subgrid(box, sub, fine + t * g_.fine_total);
      }
    }
  }
}

template <class T>
SubgridBox CpuSpreader<T>::spread_chunk(const Complex<T>* c, int64_t p0, int64_t p1, const KernelEval<T>& kernel,
                                        std::vector<Complex<T>>& sub) const {
  const int w = g_.width;
  const double half = w / 2.0;  // as in KernelEval::values, so the box holds every support
  // The subgrid spans the first cells of the chunk's supports, plus w - 1; unwrapped, so it may
  // start below 0 or end past n.
  SubgridBox box;
  int64_t* lo = box.lo;
  int64_t* size = box.size;
  for (int d = 0; d < g_.dims; ++d) {
    const std::vector<double>& s = s_[d];
    int64_t a = INT64_MAX, b = INT64_MIN;
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t first = static_cast<int64_t>(std::ceil(s[p] - half));
      a = std::min(a, first);
      b = std::max(b, first);
    }
    lo[d] = a;
    size[d] = b - a + w;
  }
  sub.assign(static_cast<std::size_t>(size[0] * size[1] * size[2]), Complex<T>(T(0), T(0)));

  with_width(w, [&](auto width) {
    spread_points<T, decltype(width)::value>(g_, kernel, s_, order_.data(), c, p0, p1, box, sub.data());
  });
  return box;
}

template <class T>
void CpuSpreader<T>::add_subgrid(const SubgridBox& box, const std::vector<Complex<T>>& sub,
                                 Complex<T>* fine) const {
  const int64_t* lo = box.lo;
  const int64_t* size = box.size;
  auto wrap = [](int64_t i, int64_t n) { return ((i % n) + n) % n; };
  for (int64_t az = 0; az < size[2]; ++az) {
    const int64_t fz = wrap(lo[2] + az, g_.fine[2]);
    for (int64_t ay = 0; ay < size[1]; ++ay) {
      Complex<T>* dst = fine + (fz * g_.fine[1] + wrap(lo[1] + ay, g_.fine[1])) * g_.fine[0];
      const Complex<T>* src = sub.data() + (az * size[1] + ay) * size[0];
      int64_t fx = wrap(lo[0], g_.fine[0]);
      for (int64_t a = 0; a < size[0]; ++a) {
        dst[fx] += src[a];
        if (++fx == g_.fine[0]) fx = 0;
      }
    }
  }
}

template class CpuSpreader<float>;
template class CpuSpreader<double>;

}  // namespace phasis::nufft
