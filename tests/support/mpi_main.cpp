// main() for mpi tests: the program owns MPI, as the phasis CLI does. The session initialises MPI
// in every rank mpiexec started, before any test, and finalises it after the last.
#include <gtest/gtest.h>

#include "phasis/comm/mpi.hpp"

int main(int argc, char** argv) {
  const phasis::comm::MpiSession mpi;
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
