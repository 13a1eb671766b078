// MPI for runs over several processes (hosts): `mpirun -np R phasis ...`. The program owns MPI: its
// main() holds an MpiSession, which initialises MPI when an MPI launcher started the process and
// finalises it at the end. Library code only asks: without a session that initialised MPI (or in
// a build without MPI) the world is one rank and no MPI function is called.
#pragma once

#include <cstdint>
#include <vector>

#include "phasis/comm/communicator.hpp"
#include "phasis/comm/local.hpp"

namespace phasis::comm {

/// Whether this phasis was built with MPI.
bool mpi_available();

/// MPI for the lifetime of a program; main() creates one before anything else. Initialises MPI
/// (threads: funnelled) when the build has MPI, an MPI launcher started the process and nothing
/// initialised MPI before; finalises it when destroyed, if it initialised it.
class MpiSession {
 public:
  MpiSession();
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  /// Whether this session initialised MPI (and will finalise it).
  bool initialised() const { return initialised_; }

 private:
  bool initialised_ = false;
};

/// The ranks of MPI_COMM_WORLD, or one rank (a Local) while MPI is not initialised. Device
/// buffers go to MPI directly when the MPI is CUDA-aware (PHASIS_MPI_CUDA_AWARE=1) and through
/// host copies otherwise.
class Mpi final : public Communicator {
 public:
  using Communicator::sum;
  /// Asks MPI for this process's rank and the number of ranks; cheap, no communication.
  Mpi();
  int size() const override { return size_; }
  int rank() const override { return rank_; }
  void sum(float* data, int64_t n, Memory where) override;
  void sum(double* data, int64_t n, Memory where) override;
  void broadcast(void* data, int64_t bytes, int root, Memory where) override;
  void all_gather(const void* mine, int64_t bytes, void* all, Memory where) override;
  void exchange(const std::vector<Message>& sends, const std::vector<Message>& recvs, Memory where) override;
  void barrier() override;
  /// The ranks other than the first failing one throw its message as "rank R: message".
  void agree(const Failure& mine) override;

 private:
  int size_ = 1, rank_ = 0;
  Local alone_;                // the one-rank world
  std::vector<char> staging_;  // host copy of device buffers (MPI that is not CUDA-aware), kept between calls
};

/// Whether the last error this process raised came from an agree() over several ranks: every rank
/// then holds the same message, and only rank 0 needs to print it.
bool failure_agreed();

}  // namespace phasis::comm
