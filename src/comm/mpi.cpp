// The MPI session and communicator (mpi.hpp). The MPI calls sit in one block of transfers over
// MPI_COMM_WORLD; a build without MPI compiles that block to throws that no call reaches (its
// world is always one rank, served by Local).
#include "phasis/comm/mpi.hpp"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "phasis/core/error.hpp"

#if PHASIS_HAVE_MPI
#include <mpi.h>
#endif

namespace phasis::comm {

namespace {

bool agreed = false;

bool cuda_aware() {
  // Open MPI says so through its extension; others are treated as not CUDA-aware.
  const char* v = std::getenv("PHASIS_MPI_CUDA_AWARE");
  return v && std::string(v) == "1";
}

/// Whether device buffers must go through host copies.
bool staged(Memory where) { return where == Memory::device && !cuda_aware(); }

/// MPI counts are int: every transfer goes in pieces of at most this many bytes or values.
constexpr int64_t kPiece = INT_MAX / 2;

#if PHASIS_HAVE_MPI

/// An MPI launcher sets one of these in every process it starts.
bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"})
    if (std::getenv(v)) return true;
  return false;
}

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw InternalError(std::string(what) + " failed with MPI error " + std::to_string(rc));
}

bool running() {
  int init = 0, done = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&done);
  return init && !done;
}

bool start() {
  int init = 0;
  MPI_Initialized(&init);
  if (init || !launched_by_mpi()) return false;
  int provided = 0;
  check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  return true;
}

void stop() {
  int done = 0;
  MPI_Finalized(&done);
  if (!done) MPI_Finalize();
}

void world_place(int& rank, int& size) {
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
}

template <class T>
void allreduce(T* buf, int64_t n) {
  const MPI_Datatype type = sizeof(T) == 4 ? MPI_FLOAT : MPI_DOUBLE;
  for (int64_t i = 0; i < n; i += kPiece) {
    const int count = int(std::min(kPiece, n - i));
    check(MPI_Allreduce(MPI_IN_PLACE, buf + i, count, type, MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
  }
}

void bcast(char* p, int64_t bytes, int root) {
  for (int64_t i = 0; i < bytes; i += kPiece) {
    const int count = int(std::min(kPiece, bytes - i));
    check(MPI_Bcast(p + i, count, MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Bcast");
  }
}

void allgather(const char* mine, int64_t bytes, char* all) {
  for (int64_t i = 0; i < bytes; i += kPiece) {
    const int count = int(std::min(kPiece, bytes - i));
    // Each rank's piece lands at all + rank * bytes + i: a type of `count` bytes whose extent is
    // one rank's whole share, so the pieces of consecutive ranks sit `bytes` apart.
    MPI_Datatype piece, share;
    check(MPI_Type_contiguous(count, MPI_BYTE, &piece), "MPI_Type_contiguous");
    check(MPI_Type_create_resized(piece, 0, MPI_Aint(bytes), &share), "MPI_Type_create_resized");
    check(MPI_Type_commit(&share), "MPI_Type_commit");
    const int rc = MPI_Allgather(mine + i, count, MPI_BYTE, all + i, 1, share, MPI_COMM_WORLD);
    MPI_Type_free(&share);
    MPI_Type_free(&piece);
    check(rc, "MPI_Allgather");
  }
}

/// Posts every receive, then every send, and waits for all: buffers are host memory, or device
/// memory the MPI reads itself.
void exchange_bytes(const std::vector<Communicator::Message>& sends, const std::vector<char*>& send_bufs,
                    const std::vector<Communicator::Message>& recvs, const std::vector<char*>& recv_bufs) {
  std::vector<MPI_Request> requests;
  auto post = [&](bool send, const Communicator::Message& m, char* buf) {
    for (int64_t i = 0; i < m.bytes; i += kPiece) {
      const int count = int(std::min(kPiece, m.bytes - i));
      MPI_Request r;
      check(send ? MPI_Isend(buf + i, count, MPI_BYTE, m.peer, 7, MPI_COMM_WORLD, &r)
                 : MPI_Irecv(buf + i, count, MPI_BYTE, m.peer, 7, MPI_COMM_WORLD, &r),
            send ? "MPI_Isend" : "MPI_Irecv");
      requests.push_back(r);
    }
  };
  for (size_t i = 0; i < recvs.size(); ++i) post(false, recvs[i], recv_bufs[i]);
  for (size_t i = 0; i < sends.size(); ++i) post(true, sends[i], send_bufs[i]);
  check(MPI_Waitall(int(requests.size()), requests.data(), MPI_STATUSES_IGNORE), "MPI_Waitall");
}

void wait_for_all() { check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }

int lowest(int value) {
  check(MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD), "MPI_Allreduce");
  return value;
}

#else  // no MPI: never initialised, so every Mpi is one rank and none of these is reached

[[noreturn]] void no_mpi() { throw InternalError("MPI transfer: expected a build with MPI; found none"); }
bool running() { return false; }
bool start() { return false; }
void stop() {}
void world_place(int&, int&) { no_mpi(); }
template <class T>
void allreduce(T*, int64_t) { no_mpi(); }
void bcast(char*, int64_t, int) { no_mpi(); }
void allgather(const char*, int64_t, char*) { no_mpi(); }
void exchange_bytes(const std::vector<Communicator::Message>&, const std::vector<char*>&,
                    const std::vector<Communicator::Message>&, const std::vector<char*>&) { no_mpi(); }
void wait_for_all() { no_mpi(); }
int lowest(int) { no_mpi(); }

#endif

}  // namespace

bool mpi_available() { return PHASIS_HAVE_MPI; }

MpiSession::MpiSession() : initialised_(start()) {}
MpiSession::~MpiSession() {
  if (initialised_) stop();
}

Mpi::Mpi() {
  if (running()) world_place(rank_, size_);
}

template <class T>
static void sum_over_ranks(T* data, int64_t n, Memory where, std::vector<char>& staging) {
  if (n == 0) return;
  const size_t bytes = size_t(n) * sizeof(T);
  T* buf = data;
  if (staged(where)) {
    if (staging.size() < bytes) staging.resize(bytes);
    buf = reinterpret_cast<T*>(staging.data());
    copy_bytes(buf, Memory::host, data, where, bytes);
  }
  allreduce(buf, n);
  if (buf != data) copy_bytes(data, where, buf, Memory::host, bytes);
}

void Mpi::sum(float* data, int64_t n, Memory where) {
  if (size_ == 1) return alone_.sum(data, n, where);
  sum_over_ranks(data, n, where, staging_);
}

void Mpi::sum(double* data, int64_t n, Memory where) {
  if (size_ == 1) return alone_.sum(data, n, where);
  sum_over_ranks(data, n, where, staging_);
}

void Mpi::broadcast(void* data, int64_t bytes, int root, Memory where) {
  check_root(root, "broadcast");
  if (size_ == 1) return alone_.broadcast(data, bytes, root, where);
  char* buf = static_cast<char*>(data);
  if (staged(where)) {
    if (staging_.size() < size_t(bytes)) staging_.resize(size_t(bytes));
    buf = staging_.data();
    if (rank_ == root) copy_bytes(buf, Memory::host, data, where, size_t(bytes));
  }
  bcast(buf, bytes, root);
  if (buf != data && rank_ != root) copy_bytes(data, where, buf, Memory::host, size_t(bytes));
}

void Mpi::all_gather(const void* mine, int64_t bytes, void* all, Memory where) {
  if (size_ == 1) return alone_.all_gather(mine, bytes, all, where);
  const char* send = static_cast<const char*>(mine);
  char* recv = static_cast<char*>(all);
  const size_t total = size_t(size_) * size_t(bytes);
  if (staged(where)) {
    // One host buffer: every rank's shares, then this rank's own.
    if (staging_.size() < total + size_t(bytes)) staging_.resize(total + size_t(bytes));
    recv = staging_.data();
    copy_bytes(recv + total, Memory::host, mine, where, size_t(bytes));
    send = recv + total;
  }
  allgather(send, bytes, recv);
  if (recv != all) copy_bytes(all, where, recv, Memory::host, total);
}

void Mpi::exchange(const std::vector<Message>& sends, const std::vector<Message>& recvs, Memory where) {
  if (size_ == 1) return alone_.exchange(sends, recvs, where);
  // Device buffers travel through host copies unless the MPI is CUDA-aware.
  const bool host_copies = staged(where);
  std::vector<std::vector<char>> host_send(host_copies ? sends.size() : 0), host_recv(host_copies ? recvs.size() : 0);
  std::vector<char*> send_bufs(sends.size()), recv_bufs(recvs.size());
  for (size_t i = 0; i < recvs.size(); ++i) {
    recv_bufs[i] = static_cast<char*>(recvs[i].data);
    if (host_copies) host_recv[i].resize(size_t(recvs[i].bytes)), recv_bufs[i] = host_recv[i].data();
  }
  for (size_t i = 0; i < sends.size(); ++i) {
    send_bufs[i] = static_cast<char*>(sends[i].data);
    if (host_copies) {
      host_send[i].resize(size_t(sends[i].bytes));
      copy_bytes(host_send[i].data(), Memory::host, sends[i].data, where, size_t(sends[i].bytes));
      send_bufs[i] = host_send[i].data();
    }
  }
  exchange_bytes(sends, send_bufs, recvs, recv_bufs);
  if (host_copies)
    for (size_t i = 0; i < recvs.size(); ++i)
      copy_bytes(recvs[i].data, where, host_recv[i].data(), Memory::host, size_t(recvs[i].bytes));
}

void Mpi::barrier() {
  if (size_ > 1) wait_for_all();
}

void Mpi::agree(const Failure& mine) {
  if (size_ == 1) return alone_.agree(mine);
  const int first = lowest(mine ? rank_ : INT_MAX);
  if (first == INT_MAX) return;
  char msg[1024] = {};
  int kind = mine.kind;
  if (rank_ == first) std::strncpy(msg, mine.message.c_str(), sizeof msg - 1);
  broadcast(&kind, sizeof kind, first, Memory::host);
  broadcast(msg, sizeof msg, first, Memory::host);
  agreed = true;
  raise({kind, rank_ == first ? mine.message : "rank " + std::to_string(first) + ": " + msg});
}

bool failure_agreed() { return agreed; }

}  // namespace phasis::comm
