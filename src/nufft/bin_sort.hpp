// Stable counting sort of point indices by bin, in parallel: each thread counts the bins of its own
// contiguous range of points, a prefix sum over (bin, thread) gives every thread its slots in
// every bin, and each thread places its points there in order. The result equals the serial
// stable sort for any thread count.
#pragma once

#include <cstdint>

namespace phasis::nufft {

/// order[0..m) = indices 0..m-1 sorted stably by bin[i] in [0, nbins).
void bin_sort(const int64_t* bin, int64_t m, int64_t nbins, int threads, int64_t* order);

}  // namespace phasis::nufft
