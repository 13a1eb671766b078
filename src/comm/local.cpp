// The one-part communicator (local.hpp).
#include "phasis/comm/local.hpp"

#include <string>

#include "phasis/core/error.hpp"

namespace phasis::comm {

// The total over one part is its own value.
void Local::sum(float*, int64_t, Memory) {}
void Local::sum(double*, int64_t, Memory) {}

void Local::broadcast(void*, int64_t, int root, Memory) { check_root(root, "broadcast"); }

void Local::all_gather(const void* mine, int64_t bytes, void* all, Memory where) {
  copy_bytes(all, where, mine, where, size_t(bytes));
}

void Local::exchange(const std::vector<Message>& sends, const std::vector<Message>& recvs, Memory where) {
  if (sends.size() != recvs.size())
    throw InternalError("exchange in one part: expected as many receives as sends; found " +
                        std::to_string(recvs.size()) + " receives for " + std::to_string(sends.size()) + " sends");
  for (size_t i = 0; i < sends.size(); ++i) {
    if (sends[i].peer != 0 || recvs[i].peer != 0)
      throw InternalError("exchange in one part: expected messages to and from part 0; found part " +
                          std::to_string(sends[i].peer != 0 ? sends[i].peer : recvs[i].peer));
    if (sends[i].bytes != recvs[i].bytes)
      throw InternalError("exchange in one part: expected a receive of the size of its send (" +
                          std::to_string(sends[i].bytes) + " bytes); found " + std::to_string(recvs[i].bytes));
    copy_bytes(recvs[i].data, where, sends[i].data, where, size_t(sends[i].bytes));
  }
}

void Local::agree(const Failure& mine) {
  if (mine) raise(mine);
}

}  // namespace phasis::comm
