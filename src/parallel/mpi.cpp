// MPI calls, compiled to a one-rank world when the build has no MPI.
#include "phasis/parallel/mpi.hpp"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "phasis/core/error.hpp"

#if PHASIS_HAVE_MPI
#include <mpi.h>
#endif

namespace phasis::mpi {

namespace {
bool agreed = false;
}
bool failure_agreed() { return agreed; }

#if PHASIS_HAVE_MPI

namespace {

/// An MPI launcher sets one of these in every process it starts.
bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"})
    if (std::getenv(v)) return true;
  return false;
}

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw InternalError(std::string(what) + " failed with MPI error " + std::to_string(rc));
}

void finalize() {
  int done = 0;
  MPI_Finalized(&done);
  if (!done) MPI_Finalize();
}

bool cuda_aware() {
  // Open MPI says so through its extension; others are treated as not CUDA-aware.
  const char* v = std::getenv("PHASIS_MPI_CUDA_AWARE");
  return v && std::string(v) == "1";
}

template <class T>
MPI_Datatype type_of() {
  return sizeof(T) == 4 ? MPI_FLOAT : MPI_DOUBLE;
}

/// `staging`: the reducer's host buffer for device data, kept between calls (every iteration sums).
template <class T>
void allreduce(T* data, int64_t n, Memory where, std::vector<char>& staging) {
  if (world().size == 1 || n == 0) return;
  T* buf = data;
  if (where == Memory::device && !cuda_aware()) {
    if (staging.size() < size_t(n) * sizeof(T)) staging.resize(size_t(n) * sizeof(T));
    buf = reinterpret_cast<T*>(staging.data());
    copy_bytes(buf, Memory::host, data, where, size_t(n) * sizeof(T));
  }
  for (int64_t i = 0; i < n; i += INT_MAX / 2) {  // MPI counts are int
    const int count = int(std::min<int64_t>(INT_MAX / 2, n - i));
    check(MPI_Allreduce(MPI_IN_PLACE, buf + i, count, type_of<T>(), MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
  }
  if (buf != data) copy_bytes(data, where, buf, Memory::host, size_t(n) * sizeof(T));
}

}  // namespace

bool available() { return true; }

World world() {
  static World w = [] {
    World r;
    if (!launched_by_mpi()) return r;
    int provided = 0;
    check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    std::atexit(finalize);
    MPI_Comm_rank(MPI_COMM_WORLD, &r.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &r.size);
    return r;
  }();
  return w;
}

void barrier() {
  if (world().size > 1) check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
}

void broadcast(void* data, int64_t bytes, int root) {
  if (world().size == 1) return;
  char* p = static_cast<char*>(data);
  for (int64_t i = 0; i < bytes; i += INT_MAX / 2) {
    const int count = int(std::min<int64_t>(INT_MAX / 2, bytes - i));
    check(MPI_Bcast(p + i, count, MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Bcast");
  }
}

void agree(const Failure& mine) {
  const World w = world();
  if (w.size == 1) {
    if (mine) raise(mine);
    return;
  }
  int first = mine ? w.rank : INT_MAX;
  check(MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD), "MPI_Allreduce");
  if (first == INT_MAX) return;
  char msg[1024] = {};
  int kind = mine.kind;
  if (w.rank == first) std::strncpy(msg, mine.message.c_str(), sizeof msg - 1);
  broadcast(&kind, sizeof kind, first);
  broadcast(msg, sizeof msg, first);
  agreed = true;
  raise({kind, w.rank == first ? mine.message : "rank " + std::to_string(first) + ": " + msg});
}

int MpiReducer::parts() const { return world().size; }
int MpiReducer::part() const { return world().rank; }

void MpiReducer::exchange(const std::vector<Message>& sends, const std::vector<Message>& recvs, Memory where) {
  // Device buffers travel through host copies unless the MPI is CUDA-aware.
  const bool staged = where == Memory::device && !cuda_aware();
  std::vector<std::vector<char>> host_send(staged ? sends.size() : 0), host_recv(staged ? recvs.size() : 0);
  std::vector<MPI_Request> requests;
  auto post = [&](bool send, const Message& m, char* buf) {
    for (int64_t i = 0; i < m.bytes; i += INT_MAX / 2) {
      const int count = int(std::min<int64_t>(INT_MAX / 2, m.bytes - i));
      MPI_Request r;
      check(send ? MPI_Isend(buf + i, count, MPI_BYTE, m.peer, 7, MPI_COMM_WORLD, &r)
                 : MPI_Irecv(buf + i, count, MPI_BYTE, m.peer, 7, MPI_COMM_WORLD, &r),
            send ? "MPI_Isend" : "MPI_Irecv");
      requests.push_back(r);
    }
  };
  for (size_t i = 0; i < recvs.size(); ++i) {
    char* buf = static_cast<char*>(recvs[i].data);
    if (staged) host_recv[i].resize(size_t(recvs[i].bytes)), buf = host_recv[i].data();
    post(false, recvs[i], buf);
  }
  for (size_t i = 0; i < sends.size(); ++i) {
    char* buf = static_cast<char*>(sends[i].data);
    if (staged) {
      host_send[i].resize(size_t(sends[i].bytes));
      copy_bytes(host_send[i].data(), Memory::host, sends[i].data, where, size_t(sends[i].bytes));
      buf = host_send[i].data();
    }
    post(true, sends[i], buf);
  }
  check(MPI_Waitall(int(requests.size()), requests.data(), MPI_STATUSES_IGNORE), "MPI_Waitall");
  if (staged)
    for (size_t i = 0; i < recvs.size(); ++i)
      copy_bytes(recvs[i].data, where, host_recv[i].data(), Memory::host, size_t(recvs[i].bytes));
}

void MpiReducer::sum(float* data, int64_t n, Memory where) { allreduce(data, n, where, staging_); }
void MpiReducer::sum(double* data, int64_t n, Memory where) { allreduce(data, n, where, staging_); }
void MpiReducer::agree(const Failure& mine) { mpi::agree(mine); }

#else  // a build without MPI: one rank

bool available() { return false; }
World world() { return {}; }
void barrier() {}
void broadcast(void*, int64_t, int) {}
void agree(const Failure& mine) {
  if (mine) raise(mine);
}
int MpiReducer::parts() const { return 1; }
int MpiReducer::part() const { return 0; }
void MpiReducer::exchange(const std::vector<Message>&, const std::vector<Message>&, Memory) {}
void MpiReducer::sum(float*, int64_t, Memory) {}
void MpiReducer::sum(double*, int64_t, Memory) {}
void MpiReducer::agree(const Failure& mine) { mpi::agree(mine); }

#endif

}  // namespace phasis::mpi
