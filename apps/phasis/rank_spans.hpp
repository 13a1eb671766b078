// Under mpirun, every rank's chunk spans in rank 0's trace: each rank's spans as times since a
// moment all ranks passed together (a barrier before the run), gathered to rank 0 and put on its
// clock, so the trace (and the --profile picture) has one row per worker of every rank.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "phasis/comm/mpi.hpp"
#include "phasis/exec/events.hpp"

namespace phasis::cli {

/// Collective: every rank calls it after the run with its trace and the moment of the barrier.
/// Rank 0's trace gains the other ranks' "chunk" spans (named `name`) and rows "rank R worker w".
inline void gather_rank_spans(comm::Mpi& world, exec::ChromeTrace& trace, double since, int workers_per_rank,
                              const std::string& name) {
  if (world.size() < 2) return;
  std::vector<double> mine;  // worker, chunk, start, end per span
  if (world.rank() != 0)
    for (const exec::Span& s : trace.spans())
      if (s.category == "chunk") mine.insert(mine.end(), {double(s.worker), double(s.chunk), s.start - since, s.end - since});
  const auto ranks = std::size_t(world.size());
  std::vector<double> counts(ranks);
  const double count = double(mine.size());
  world.all_gather(&count, sizeof count, counts.data(), Memory::host);
  const auto most = std::size_t(*std::max_element(counts.begin(), counts.end()));
  if (most == 0) return;
  mine.resize(most, -1.0);
  std::vector<double> all(ranks * most);
  world.all_gather(mine.data(), int64_t(most * sizeof(double)), all.data(), Memory::host);
  if (world.rank() != 0) return;
  for (std::size_t r = 1; r < ranks; ++r) {
    for (std::size_t i = 0; i + 4 <= std::size_t(counts[r]); i += 4) {
      const double* v = &all[r * most + i];
      trace.span(exec::Span{name, "chunk", int(v[0]), int64_t(v[1]), v[2] + since, v[3] + since});
    }
    for (int w = 0; w < workers_per_rank; ++w)
      trace.name_worker(int(r) * workers_per_rank + w, "rank " + std::to_string(r) + " worker " + std::to_string(w));
  }
}

}  // namespace phasis::cli
