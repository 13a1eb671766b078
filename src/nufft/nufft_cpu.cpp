// The NUFFT on the CPU backend: FFTW, OpenMP loops, and the subproblem spreader.
#include "engines.hpp"
#include "backend/cpu.hpp"
#include "spread_cpu.hpp"

namespace phasis::nufft {

template <class T>
std::unique_ptr<typename Plan<T>::Impl> make_cpu_engine(const Geometry& g, const KernelShape& k,
                                                        int64_t transforms, const Options& opt) {
  return std::make_unique<Engine<CpuBackend, T, CpuSpreader<T>>>(g, k, transforms, opt);
}

template std::unique_ptr<Plan<float>::Impl> make_cpu_engine<float>(const Geometry&, const KernelShape&, int64_t,
                                                                   const Options&);
template std::unique_ptr<Plan<double>::Impl> make_cpu_engine<double>(const Geometry&, const KernelShape&, int64_t,
                                                                     const Options&);

}  // namespace phasis::nufft
