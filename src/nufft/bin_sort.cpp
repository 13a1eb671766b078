// Parallel stable counting sort (bin_sort.hpp).
#include "bin_sort.hpp"

#include <omp.h>

#include <algorithm>
#include <vector>

namespace phasis::nufft {

void bin_sort(const int64_t* bin, int64_t m, int64_t nbins, int threads, int64_t* order) {
  // A table of threads x bins counts; past 2^25 entries (256 MiB) the memory outweighs the gain,
  // and fewer threads share the work. Small inputs are not worth a parallel region.
  int64_t nt = std::max(1, threads);
  while (nt > 1 && nt * nbins > (int64_t(1) << 25)) nt /= 2;
  if (m < 100000) nt = 1;
  std::vector<int64_t> table(static_cast<std::size_t>(nt * nbins), 0);
  auto range = [&](int64_t t) { return std::pair<int64_t, int64_t>{m * t / nt, m * (t + 1) / nt}; };

#pragma omp parallel for num_threads(int(nt)) schedule(static, 1)
  for (int64_t t = 0; t < nt; ++t) {
    int64_t* counts = table.data() + t * nbins;
    const auto [i0, i1] = range(t);
    for (int64_t i = i0; i < i1; ++i) ++counts[bin[i]];
  }
  // Start of (bin b, thread t): all points of lower bins, then those of bin b in earlier threads.
  int64_t start = 0;
  for (int64_t b = 0; b < nbins; ++b)
    for (int64_t t = 0; t < nt; ++t) {
      int64_t& slot = table[t * nbins + b];
      const int64_t n = slot;
      slot = start;
      start += n;
    }
#pragma omp parallel for num_threads(int(nt)) schedule(static, 1)
  for (int64_t t = 0; t < nt; ++t) {
    int64_t* next = table.data() + t * nbins;
    const auto [i0, i1] = range(t);
    for (int64_t i = i0; i < i1; ++i) order[next[bin[i]]++] = i;
  }
}

}  // namespace phasis::nufft
