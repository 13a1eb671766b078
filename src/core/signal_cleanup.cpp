#include "phasis/core/signal_cleanup.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <mutex>

namespace phasis::signal_cleanup {
namespace {

constexpr int kSlots = 64;  // far more outputs than one process has open at once
std::atomic<const char*> slots[kSlots];

extern "C" void on_fatal_signal(int sig) {
  unlink_all();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

}  // namespace

int add(const char* path) {
  for (int i = 0; i < kSlots; ++i) {
    const char* empty = nullptr;
    if (slots[i].compare_exchange_strong(empty, path)) return i;
  }
  return -1;
}

void remove(int slot) {
  if (slot >= 0 && slot < kSlots) slots[slot].store(nullptr);
}

void unlink_all() noexcept {
  for (auto& s : slots)
    if (const char* p = s.load()) ::unlink(p);
}

void install_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction current = {};
      if (sigaction(sig, nullptr, &current) != 0 || current.sa_handler != SIG_DFL) continue;
      struct sigaction sa = {};
      sa.sa_handler = on_fatal_signal;
      sigemptyset(&sa.sa_mask);
      sa.sa_flags = SA_RESTART;
      sigaction(sig, &sa, nullptr);
    }
  });
}

}  // namespace phasis::signal_cleanup
