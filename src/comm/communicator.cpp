// Checks every communicator shares (communicator.hpp).
#include "phasis/comm/communicator.hpp"

#include <string>

#include "phasis/core/error.hpp"

namespace phasis::comm {

void Communicator::check_root(int root, const char* call) const {
  if (root < 0 || root >= size())
    throw InternalError(std::string(call) + ": expected a root part in [0, " + std::to_string(size()) + "); found " +
                        std::to_string(root));
}

}  // namespace phasis::comm
