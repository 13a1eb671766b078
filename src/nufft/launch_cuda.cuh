// Launches of the CUDA kernels of spread_cuda.cuh (type 1 or 2, in shared memory or one thread
// per point) for every kernel width: launch_box<T, D> is instantiated once per precision and
// dimension, each in its own translation unit (nufft_cuda_box_*.cu), so the 15 widths x 4
// kernels of each compile in parallel.
#pragma once

#include <algorithm>

#include "backend/cuda.cuh"
#include "spread_cuda.cuh"

namespace phasis::nufft::cuda_spread {

template <class T, int D, int W>
void launch_box_width(bool shared, bool spread, const BoxArgs<T>& a, const Horner<T, W>& h) {
  if (shared) {
    auto* k = spread ? spread_box_kernel<T, W, D> : interp_box_kernel<T, W, D>;
    const int bytes = int(int64_t(a.s.cells) * 2 * int64_t(sizeof(T)));
    cuda_detail::check(cudaFuncSetAttribute(k, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes),
                       "nufft shared-memory size");
    const int64_t blocks = std::min<int64_t>(a.subproblems, int64_t(1) << 20);  // kernels loop over the rest
    if (blocks > 0) k<<<unsigned(blocks), kBlockThreads, bytes>>>(a, h);
  } else {
    auto* k = spread ? spread_point_kernel<T, W, D> : interp_point_kernel<T, W, D>;
    const int64_t blocks = std::min<int64_t>((a.m + kBlockThreads - 1) / kBlockThreads, int64_t(1) << 20);
    if (blocks > 0) k<<<unsigned(blocks), kBlockThreads>>>(a, h);
  }
  cuda_detail::check(cudaGetLastError(), spread ? "nufft spreading" : "nufft interpolation");
}

/// shared: the box kernels (a.subproblems blocks of cells * 2 sizeof(T) bytes), else the
/// point kernels; spread: type 1 (a.c -> a.fine), else type 2 (a.fine -> a.cw). coeffs: host
/// copy of the kernel's polynomial table (count values; none: exact evaluation).
template <class T, int D>
void launch_box(bool shared, bool spread, const BoxArgs<T>& a, const KernelEval<T>& kernel, const T* coeffs,
                int64_t count, int width) {
  with_width(width, [&](auto w) {
    constexpr int W = decltype(w)::value;
    launch_box_width<T, D, W>(shared, spread, a, make_horner<T, W>(kernel, coeffs, count));
  });
}

// Instantiated in nufft_cuda_box_{f,d}{2,3}d.cu only.
extern template void launch_box<float, 2>(bool, bool, const BoxArgs<float>&, const KernelEval<float>&, const float*,
                                          int64_t, int);
extern template void launch_box<float, 3>(bool, bool, const BoxArgs<float>&, const KernelEval<float>&, const float*,
                                          int64_t, int);
extern template void launch_box<double, 2>(bool, bool, const BoxArgs<double>&, const KernelEval<double>&,
                                           const double*, int64_t, int);
extern template void launch_box<double, 3>(bool, bool, const BoxArgs<double>&, const KernelEval<double>&,
                                           const double*, int64_t, int);


}  // namespace phasis::nufft::cuda_spread
