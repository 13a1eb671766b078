// The Difference Map on the CPU backend (FFTW + OpenMP).
#include <omp.h>

#include "backend/cpu.hpp"
#include "ptycho/dm_impl.hpp"

namespace phasis {

template <class T>
DmResult run_dm_cpu(const PtychoProblem& problem, const DmOptions& options, const IterationCallback& cb,
                            Reducer* reducer) {
  if (options.threads > 0) omp_set_num_threads(options.threads);
  Reducer local;
  return dm::run<CpuBackend, T>(problem, options, cb, reducer ? *reducer : local);
}

template DmResult run_dm_cpu<float>(const PtychoProblem&, const DmOptions&, const IterationCallback&,
                                    Reducer*);
template DmResult run_dm_cpu<double>(const PtychoProblem&, const DmOptions&, const IterationCallback&,
                                    Reducer*);

}  // namespace phasis
