// run_queue (chunk_queue.hpp). Rank 0's calling thread owns the queue: it reduces results in
// order, and under MPI it also answers the other ranks (MPI is initialised "funnelled": only that
// thread calls it). Its own workers are threads beside it. On another rank the calling thread is a
// proxy: it asks rank 0 for chunks for its worker threads and sends their results back, in one
// message each way per exchange.
//
// Messages (MPI doubles): a rank's request [failure kind, results, wanted, first, count, then per
// result its chunk, length and values]; rank 0's answer [n, n chunk indices], or [-1]: nothing
// more for you. first and count name the queue: a rank in another run (a bug of the caller) is
// refused with an error on every rank rather than mixed in.
// A rank reports a failure only once its workers have stopped, with every result it still holds;
// rank 0 then answers -1 at once.
#include "phasis/exec/chunk_queue.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

#include "phasis/comm/failure.hpp"
#include "phasis/comm/mpi.hpp"
#include "phasis/core/error.hpp"
#include "phasis/exec/interrupt.hpp"

#if PHASIS_HAVE_MPI
#include <mpi.h>
#endif

namespace phasis::exec {
namespace {

using namespace std::chrono_literals;

constexpr int kTagRequest = 7101;
constexpr int kTagAnswer = 7102;

/// Rank 0's queue: the next chunk to hand out, results waiting for their turn.
struct Queue {
  std::mutex mutex;
  std::condition_variable changed;  // a result arrived, a chunk was reduced, a worker stopped
  int64_t next = 0, count = 0, next_to_reduce = 0, window = 1;
  std::map<int64_t, ChunkResult> early;
  bool failing = false;      // a failure anywhere: hand out nothing more
  bool user_stop = false;    // a stop request was seen while chunks remained
  int local_running = 0;     // local worker threads still in their loop
  std::exception_ptr local_error;  // the first failure of this process (a worker or reduce)
  std::vector<int64_t> per_rank;

  bool halted() {
    if (!failing && !user_stop && next < count && stop_requested()) user_stop = true;
    return failing || user_stop;
  }
  /// Under the lock: whether chunk `next` may be handed out now (not beyond the window).
  bool can_hand_out() { return !halted() && next < count && next < next_to_reduce + window; }
  bool exhausted() { return halted() || next >= count; }
  void fail(std::exception_ptr e) {
    if (!local_error) local_error = e;
    failing = true;
  }
};

/// A worker thread on rank 0 (or the only process): takes chunks from the queue until none is left.
void root_worker(Queue& q, const QueueOptions& o, const QueueTask& task, int worker) {
  for (;;) {
    int64_t chunk;
    {
      std::unique_lock lock(q.mutex);
      // A timed wait: a signal's stop request does not notify the condition variable.
      while (!q.exhausted() && !q.can_hand_out()) q.changed.wait_for(lock, 50ms);
      if (q.exhausted()) break;
      chunk = q.next++;
      ++q.per_rank[0];
    }
    try {
      ScopedSpan span(o.sink, o.name, "chunk", worker, chunk);
      ChunkResult r = task(worker, chunk);
      std::lock_guard lock(q.mutex);
      q.early.emplace(chunk, std::move(r));
    } catch (...) {
      std::lock_guard lock(q.mutex);
      q.fail(std::current_exception());
    }
    q.changed.notify_all();
  }
  {
    std::lock_guard lock(q.mutex);
    --q.local_running;
  }
  q.changed.notify_all();
}

/// Reduces every result whose turn has come (rank 0's calling thread, without the lock held).
void reduce_ready(Queue& q, const QueueReduce& reduce, ProgressMeter& meter) {
  for (;;) {
    ChunkResult r;
    int64_t chunk;
    {
      std::lock_guard lock(q.mutex);
      if (q.failing || q.early.empty() || q.early.begin()->first != q.next_to_reduce) return;
      chunk = q.next_to_reduce;
      r = std::move(q.early.begin()->second);
      q.early.erase(q.early.begin());
    }
    try {
      reduce(chunk, std::move(r));
    } catch (...) {
      std::lock_guard lock(q.mutex);
      q.fail(std::current_exception());
      return;
    }
    {
      std::lock_guard lock(q.mutex);
      ++q.next_to_reduce;
    }
    meter.advance(1);
    q.changed.notify_all();
  }
}

#if PHASIS_HAVE_MPI
/// Rank 0's side of the protocol: one pending request, if any, answered. Returns whether one came.
bool serve_one(Queue& q, const QueueOptions& o, std::vector<char>& finished, int& remote_active) {
  int flag = 0;
  MPI_Status st;
  MPI_Iprobe(MPI_ANY_SOURCE, kTagRequest, MPI_COMM_WORLD, &flag, &st);
  if (!flag) return false;
  int n = 0;
  MPI_Get_count(&st, MPI_DOUBLE, &n);
  std::vector<double> msg(std::size_t(std::max(n, 0)));
  MPI_Recv(msg.data(), n, MPI_DOUBLE, st.MPI_SOURCE, kTagRequest, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  const int rank = st.MPI_SOURCE;
  const bool other_queue = int64_t(msg.at(3)) != o.first || int64_t(msg.at(4)) != o.count;
  const bool failed = msg.at(0) != 0 || other_queue;
  const auto results = int64_t(msg.at(1));
  // wanted < 0: the rank's workers hold nothing of ours (it may be told -1) and want -wanted.
  const bool empty_handed = msg.at(2) < 0;
  const auto wanted = int64_t(std::abs(msg.at(2)));
  std::vector<double> answer{0};
  {
    std::lock_guard lock(q.mutex);
    std::size_t at = 5;
    if (other_queue) {
      q.fail(std::make_exception_ptr(InternalError(
          "chunk queue: rank " + std::to_string(rank) + " runs chunks " + std::to_string(int64_t(msg.at(3))) + " to " +
          std::to_string(int64_t(msg.at(4))) + "; expected " + std::to_string(o.first) + " to " + std::to_string(o.count) +
          " (every rank must run the same queue)")));
    }
    for (int64_t i = 0; i < results && !other_queue; ++i) {
      const auto chunk = int64_t(msg.at(at)), len = int64_t(msg.at(at + 1));
      at += 2;
      q.early.emplace(chunk, ChunkResult(msg.begin() + std::ptrdiff_t(at), msg.begin() + std::ptrdiff_t(at + std::size_t(len))));
      at += std::size_t(len);
    }
    if (failed) q.failing = true;  // the rank's own message comes through agree() at the end
    for (int64_t i = 0; i < wanted && q.can_hand_out(); ++i) {
      answer.push_back(double(q.next++));
      ++q.per_rank[std::size_t(rank)];
    }
    answer[0] = double(answer.size() - 1);
    // Nothing more for this rank: it failed, or nothing is left and it holds nothing of ours.
    if (failed || (q.exhausted() && answer.size() == 1 && empty_handed)) answer = {-1};
  }
  MPI_Send(answer.data(), int(answer.size()), MPI_DOUBLE, rank, kTagAnswer, MPI_COMM_WORLD);
  if (answer[0] < 0) {
    finished[std::size_t(rank)] = 1;
    --remote_active;
  }
  q.changed.notify_all();
  return true;
}

/// Another rank's calling thread: keeps its workers supplied and sends their results to rank 0.
/// `wanted` < 0 in a request means: my workers hold nothing of yours and want more; rank 0 may
/// then answer -1.
comm::Failure proxy_loop(const QueueOptions& o, const QueueTask& task, int rank) {
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<int64_t> inbox;
  std::vector<std::pair<int64_t, ChunkResult>> outbox;
  int running = 0;        // chunks being computed
  bool finished = false;  // rank 0 said -1, or this rank failed: workers leave
  std::exception_ptr error;
  std::vector<std::thread> threads;
  for (int w = 0; w < o.workers; ++w) {
    threads.emplace_back([&, w] {
      for (;;) {
        int64_t chunk;
        {
          std::unique_lock lock(mutex);
          changed.wait(lock, [&] { return finished || error || !inbox.empty(); });
          if (finished || error) break;
          chunk = inbox.front();
          inbox.pop_front();
          ++running;
        }
        try {
          ScopedSpan span(o.sink, o.name, "chunk", rank * o.workers + w, chunk);
          ChunkResult r = task(w, chunk);
          std::lock_guard lock(mutex);
          outbox.emplace_back(chunk, std::move(r));
        } catch (...) {
          std::lock_guard lock(mutex);
          if (!error) error = std::current_exception();
        }
        {
          std::lock_guard lock(mutex);
          --running;
        }
        changed.notify_all();
      }
    });
  }
  const int64_t capacity = 2 * int64_t(o.workers);  // one computing and one waiting per worker
  for (;;) {
    std::vector<double> msg{0, 0, 0, double(o.first), double(o.count)};
    {
      std::unique_lock lock(mutex);
      // Ask when results are ready, the inbox runs low, or (after a failure) once workers stopped.
      changed.wait_for(lock, 20ms, [&] {
        return !outbox.empty() || int64_t(inbox.size()) + running < capacity || (error && running == 0);
      });
      if (error && running > 0) continue;
      const int64_t held = int64_t(inbox.size()) + running;
      if (!error && outbox.empty() && held >= capacity) continue;  // nothing to say yet
      if (error) {
        msg[0] = double(comm::failure_of(error).kind);
        inbox.clear();
      }
      msg[1] = double(outbox.size());
      msg[2] = error ? 0.0 : (held == 0 && outbox.empty() ? -double(capacity) : double(capacity - held));
      for (auto& [chunk, r] : outbox) {
        msg.push_back(double(chunk));
        msg.push_back(double(r.size()));
        msg.insert(msg.end(), r.begin(), r.end());
      }
      outbox.clear();
    }
    MPI_Send(msg.data(), int(msg.size()), MPI_DOUBLE, 0, kTagRequest, MPI_COMM_WORLD);
    MPI_Status st;
    MPI_Probe(0, kTagAnswer, MPI_COMM_WORLD, &st);
    int n = 0;
    MPI_Get_count(&st, MPI_DOUBLE, &n);
    std::vector<double> answer(std::size_t(std::max(n, 1)));
    MPI_Recv(answer.data(), n, MPI_DOUBLE, 0, kTagAnswer, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    {
      std::lock_guard lock(mutex);
      if (answer[0] < 0) finished = true;
      else
        for (std::size_t i = 1; i < answer.size(); ++i) inbox.push_back(int64_t(answer[i]));
    }
    changed.notify_all();
    if (answer[0] < 0) break;
    if (answer[0] == 0 && msg[1] == 0) std::this_thread::sleep_for(1ms);  // rank 0's window is full
  }
  for (auto& t : threads) t.join();
  return error ? comm::failure_of(error) : comm::Failure{};
}

/// Rank 0's outcome (how far it reduced, whether a stop ended it, who ran what) on every rank.
void shared_outcome(comm::Mpi& world, int ranks, QueueOutcome& out) {
  std::vector<double> state(2 + std::size_t(ranks), 0.0);
  if (world.rank() == 0) {
    state[0] = double(out.reduced_until), state[1] = out.stopped ? 1.0 : 0.0;
    for (int r = 0; r < ranks; ++r) state[2 + std::size_t(r)] = double(out.chunks_per_rank[std::size_t(r)]);
  }
  world.broadcast(state.data(), int64_t(state.size() * sizeof(double)), 0, Memory::host);
  out.reduced_until = int64_t(state[0]);
  out.stopped = state[1] != 0;
  out.chunks_per_rank.assign(std::size_t(ranks), 0);
  for (int r = 0; r < ranks; ++r) out.chunks_per_rank[std::size_t(r)] = int64_t(state[2 + std::size_t(r)]);
}
#endif

}  // namespace

QueueOutcome run_queue(const QueueOptions& o, const QueueTask& task, const QueueReduce& reduce) {
  if (o.workers < 1) throw InputError("chunk queue workers: expected at least 1; found " + std::to_string(o.workers));
  if (o.first < 0 || o.first > o.count)
    throw InputError("chunk queue: expected a first chunk in [0, " + std::to_string(o.count) + "]; found " +
                     std::to_string(o.first));
  comm::Mpi world;
  const int ranks = o.distributed ? world.size() : 1;
  const int rank = o.distributed ? world.rank() : 0;
  QueueOutcome out;
  out.reduced_until = o.first;
  if (o.first == o.count) return out;
#if PHASIS_HAVE_MPI
  if (ranks > 1 && rank != 0) {
    const comm::Failure mine = proxy_loop(o, task, rank);
    world.agree(mine);
    shared_outcome(world, ranks, out);
    return out;
  }
#endif
  Queue q;
  q.next = q.next_to_reduce = o.first;
  q.count = o.count;
  q.window = o.window > 0 ? o.window : 2 * int64_t(o.workers) * ranks + 2;
  q.per_rank.assign(std::size_t(ranks), 0);
  q.local_running = o.workers;
  ProgressMeter meter(rank == 0 ? o.sink : nullptr, o.name, o.count, o.unit, o.first);
  std::vector<std::thread> threads;
  for (int w = 0; w < o.workers; ++w) threads.emplace_back([&, w] { root_worker(q, o, task, w); });
  [[maybe_unused]] std::vector<char> finished(std::size_t(ranks), 0);
  int remote_active = ranks - 1;
  for (;;) {
    reduce_ready(q, reduce, meter);
    bool served = false;
#if PHASIS_HAVE_MPI
    while (remote_active > 0 && serve_one(q, o, finished, remote_active)) served = true;
#endif
    std::unique_lock lock(q.mutex);
    const bool reducible = !q.failing && !q.early.empty() && q.early.begin()->first == q.next_to_reduce;
    if (q.local_running == 0 && remote_active == 0 && !reducible) break;
    if (!served && !reducible) q.changed.wait_for(lock, ranks > 1 ? std::chrono::microseconds(500) : 50ms);
  }
  for (auto& t : threads) t.join();
  out.reduced_until = q.next_to_reduce;
  out.stopped = q.user_stop && q.next_to_reduce < q.count;
  out.chunks_per_rank = q.per_rank;
#if PHASIS_HAVE_MPI
  if (ranks > 1) {
    world.agree(q.local_error ? comm::failure_of(q.local_error) : comm::Failure{});
    shared_outcome(world, ranks, out);
    return out;
  }
#endif
  if (q.local_error) std::rethrow_exception(q.local_error);
  return out;
}

}  // namespace phasis::exec
