// One dynamic queue of chunks for every worker of a run: the threads of this process and, under
// `mpirun -np R`, the workers of every rank. Rank 0 holds the queue: a worker that finishes a chunk
// takes the next index, so a faster worker (a GPU beside a CPU, a less loaded host) simply takes
// more. Every chunk's result travels back to rank 0 as a vector of doubles and is reduced there on
// the calling thread, strictly in chunk index order, whichever worker or rank computed it and
// whenever it finished: a reduction that adds floating-point numbers therefore gives the same bits
// for any number of workers, ranks and any timing. Results that finish early wait in a window of
// at most `window` chunks; no chunk beyond the window is handed out, so memory stays bounded.
// A stop request (exec/interrupt.hpp) ends the handing-out; the chunks already running finish and
// the contiguous prefix of results is reduced, so a caller that writes each reduced chunk can
// resume from the first chunk not reduced.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "phasis/exec/events.hpp"

namespace phasis::exec {

/// A chunk's result as it travels between ranks.
using ChunkResult = std::vector<double>;

/// Computes chunk `chunk` on local worker `worker` (0..workers-1 of this process).
using QueueTask = std::function<ChunkResult(int worker, int64_t chunk)>;
/// Receives chunk `chunk`'s result on rank 0's calling thread, in index order.
using QueueReduce = std::function<void(int64_t chunk, ChunkResult&& result)>;

struct QueueOptions {
  int64_t first = 0;  // chunks [first, count) run; a resumed run starts after its reduced prefix
  int64_t count = 0;
  int workers = 1;    // threads of this process that compute chunks (each rank the same number)
  int64_t window = 0; // results that may wait for reduction; 0: 2 x (workers x ranks) + 2
  bool distributed = true;  // over the ranks of MPI_COMM_WORLD when MPI runs with several ranks
  EventSink* sink = nullptr;   // spans (one per chunk, on every rank) and progress (rank 0)
  std::string name = "chunk";  // the spans' and the progress task's name
  std::string unit = "chunks";
};

struct QueueOutcome {
  int64_t reduced_until = 0;  // chunks [first, reduced_until) were reduced (on rank 0; every rank gets it)
  bool stopped = false;       // a stop request ended the run before every chunk ran
  std::vector<int64_t> chunks_per_rank;  // how many chunks each rank computed (on every rank)
};

/// Runs the chunks as above. Worker threads are numbered 0..workers-1 on each rank; a span's
/// worker is rank x workers + local worker. The first failure (a task or reduce that throws, on any
/// rank) stops the handing-out; once every rank has stopped, every rank throws the first failure's
/// error (other ranks as "rank R: message", comm::Communicator::agree). InputError for workers < 1,
/// first < 0 or first > count. Call it on every rank (collective under MPI), from the thread that
/// initialised MPI.
QueueOutcome run_queue(const QueueOptions& options, const QueueTask& task, const QueueReduce& reduce);

}  // namespace phasis::exec
