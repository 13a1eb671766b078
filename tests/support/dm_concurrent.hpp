// One test body for every backend: DM runs on two devices driven from two threads at once, and
// the same runs one after another, so a test can compare them (tests/accuracy/test_dm_concurrent
// with two CPU backends, tests/gpu/test_dm_concurrent_cuda with two GPUs or two backends on one).
#pragma once

#include <thread>

#include "phasis/ptycho/dm.hpp"

namespace phasis::testing {

struct ConcurrentRuns {
  DmResult alone_a, alone_b;        // each device alone
  DmResult together_a, together_b;  // both at once, from two threads
};

inline DmResult dm_run(const PtychoProblem& pr, const Device& d, int iterations) {
  DmOptions o;
  o.iterations = iterations;
  o.probe_start = 1;
  return run_dm(pr, o, d, Precision::single);
}

inline ConcurrentRuns concurrent_runs(const PtychoProblem& pr, const Device& a, const Device& b, int iterations) {
  ConcurrentRuns r;
  r.alone_a = dm_run(pr, a, iterations);
  r.alone_b = dm_run(pr, b, iterations);
  std::thread ta([&] { r.together_a = dm_run(pr, a, iterations); });
  std::thread tb([&] { r.together_b = dm_run(pr, b, iterations); });
  ta.join();
  tb.join();
  return r;
}

}  // namespace phasis::testing
