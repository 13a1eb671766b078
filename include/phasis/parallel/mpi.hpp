// MPI for runs over several processes (hosts): `mpirun -np R phasis ...`. A build without MPI, or
// a process not started by an MPI launcher, is a world of one rank and never calls MPI.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "phasis/parallel/reducer.hpp"

namespace phasis::mpi {

struct World {
  int rank = 0, size = 1;
};

/// Whether this phasis was built with MPI.
bool available();
/// This process's rank and the number of ranks; initialises MPI on the first call when an MPI
/// launcher started the process (MPI is finalised at exit).
World world();
/// Blocks until every rank arrives.
void barrier();
/// Copies `bytes` at `data` from rank `root` to every rank.
void broadcast(void* data, int64_t bytes, int root);
/// Sums float or double arrays over the ranks in place. Device buffers go to MPI directly when the
/// MPI is CUDA-aware and through a host copy otherwise.
class MpiReducer : public Reducer {
 public:
  int parts() const override;
  int part() const override;
  void exchange(const std::vector<Message>& sends, const std::vector<Message>& recvs, Memory where) override;
  void sum(float* data, int64_t n, Memory where) override;
  void sum(double* data, int64_t n, Memory where) override;
  void agree(const Failure& mine) override;

 private:
  std::vector<char> staging_;  // host copy of device buffers (MPI that is not CUDA-aware)
};
/// Collective: throws on every rank the failure of the lowest failing rank, if any.
void agree(const Failure& mine);
/// Whether the last error this process raised came from agree(): every rank then holds the same
/// message, and only rank 0 needs to print it.
bool failure_agreed();

}  // namespace phasis::mpi
