// Stop-and-save: a long run asked to stop (Ctrl-C, SIGTERM from a batch system, the live view's
// stop button) finishes the iteration it is in, then returns what it has, so the caller can write
// a complete result instead of losing every iteration. A second Ctrl-C stops at once.
#pragma once

namespace phasis::exec {

/// While alive, SIGINT and SIGTERM request a stop instead of ending the process (also for a
/// background job, whose shell set SIGINT to be ignored); the second signal ends it as the default
/// action would. The previous handlers come back on destruction. One guard at a time.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
};

/// True once a stop was requested (by a signal under a guard, or request_stop()).
bool stop_requested();
/// Asks the running work to stop after its current step; safe from any thread.
void request_stop();
/// Forgets a request (a new run starts).
void clear_stop();
/// The signal that requested the stop (SIGINT, SIGTERM), 0 for request_stop() or none.
int stop_signal();

/// Pause (the live view's button): a run that calls wait_while_paused() between its steps holds
/// there until resumed or asked to stop. Safe from any thread.
void set_paused(bool paused);
bool paused();
/// Returns at once unless paused; otherwise when resumed or when a stop is requested (a signal
/// stops a paused run too). Polls every 20 ms: a paused run costs no CPU worth naming.
void wait_while_paused();

}  // namespace phasis::exec
