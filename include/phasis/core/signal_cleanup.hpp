// Files to remove when a signal ends the process. A process killed by SIGINT, SIGTERM or SIGHUP
// runs no destructors, so an AtomicOutput's half-written temporary (io/atomic_output.hpp) would
// stay behind; every temporary is therefore registered here while it exists, and the signal
// paths unlink them before the process ends: the default action's place (no handler installed),
// and the second signal under an exec::InterruptGuard. Async-signal-safe: fixed slots of atomic
// pointers and unlink(2).
#pragma once

namespace phasis::signal_cleanup {

/// Registers `path` (which must outlive the registration); returns its slot, or -1 when all slots
/// are taken (that file is then not removed on a signal, nothing else changes).
int add(const char* path);
/// Forgets a slot that add() returned (ignores -1).
void remove(int slot);
/// Unlinks every registered file; safe inside a signal handler.
void unlink_all() noexcept;
/// Once per process: for each of SIGINT, SIGTERM and SIGHUP whose disposition is the default
/// (not ignored, no handler), a handler that unlinks the registered files, then ends the process
/// by the same signal as the default action would.
void install_handlers();

}  // namespace phasis::signal_cleanup
