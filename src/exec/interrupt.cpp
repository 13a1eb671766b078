// Signal handlers may only touch lock-free atomics; everything else happens in the run's loop.
#include "phasis/exec/interrupt.hpp"

#include "phasis/core/signal_cleanup.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

namespace phasis::exec {
namespace {

std::atomic<bool> requested{false};
std::atomic<int> by_signal{0};
std::atomic<bool> pause_requested{false};
struct sigaction previous_int, previous_term;

extern "C" void on_signal(int sig) {
  if (requested.exchange(true)) {  // the second request: end now, as the default action does
    signal_cleanup::unlink_all();     // no destructor runs: the outputs' temporaries go here
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  by_signal.store(sig);
}

}  // namespace

InterruptGuard::InterruptGuard() {
  signal_cleanup::install_handlers();  // first, so that they are what the destructor restores
  struct sigaction sa = {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;  // reads and writes in progress carry on
  sigaction(SIGINT, &sa, &previous_int);
  sigaction(SIGTERM, &sa, &previous_term);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &previous_int, nullptr);
  sigaction(SIGTERM, &previous_term, nullptr);
}

bool stop_requested() { return requested.load(std::memory_order_relaxed); }
void request_stop() { requested.store(true); }
void clear_stop() {
  requested.store(false);
  by_signal.store(0);
}
int stop_signal() { return by_signal.load(); }

void set_paused(bool p) { pause_requested.store(p); }
bool paused() { return pause_requested.load(); }
void wait_while_paused() {
  while (pause_requested.load() && !stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

}  // namespace phasis::exec
