// A temporary folder every MPI rank sees, for the mpi tests: rank 0 makes it and sends its name;
// it is removed once every rank is done.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "phasis/comm/mpi.hpp"
#include "testing.hpp"

namespace phasis::testing {

class SharedDir {
 public:
  SharedDir() {
    char name[4096] = {};
    if (comm::Mpi().rank() == 0) {
      owned_ = std::make_unique<TempDir>();
      std::snprintf(name, sizeof(name), "%s", owned_->path().c_str());
    }
    comm::Mpi().broadcast(name, sizeof(name), 0, Memory::host);
    path_ = name;
  }
  ~SharedDir() { comm::Mpi().barrier(); }  // before rank 0's TempDir removes the folder
  std::string file(const std::string& f) const { return path_ + "/" + f; }

 private:
  std::unique_ptr<TempDir> owned_;
  std::string path_;
};

}  // namespace phasis::testing
