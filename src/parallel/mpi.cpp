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

template <class T>
void allreduce(T* data, int64_t n, Memory where) {
  if (world().size == 1 || n == 0) return;
  std::vector<T> staged;
  T* buf = data;
  if (where == Memory::device && !cuda_aware()) {
    staged.resize(size_t(n));
    copy_bytes(staged.data(), Memory::host, data, where, size_t(n) * sizeof(T));
    buf = staged.data();
  }
  for (int64_t i = 0; i < n; i += INT_MAX / 2) {  // MPI counts are int
    const int count = int(std::min<int64_t>(INT_MAX / 2, n - i));
    check(MPI_Allreduce(MPI_IN_PLACE, buf + i, count, type_of<T>(), MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
  }
  if (buf != data) copy_bytes(data, where, staged.data(), Memory::host, size_t(n) * sizeof(T));
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
void MpiReducer::sum(float* data, int64_t n, Memory where) { allreduce(data, n, where); }
void MpiReducer::sum(double* data, int64_t n, Memory where) { allreduce(data, n, where); }
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
void MpiReducer::sum(float*, int64_t, Memory) {}
void MpiReducer::sum(double*, int64_t, Memory) {}
void MpiReducer::agree(const Failure& mine) { mpi::agree(mine); }

#endif

}  // namespace phasis::mpi
