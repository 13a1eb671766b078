// Multislice, propagation, detection and STEM on the CPU backend (FFTW + OpenMP).
#include "backend/cpu.hpp"
#include "multislice/ms_entries_impl.hpp"

namespace phasis::ms {

template struct MsEntries<CpuBackend, float>;
template struct MsEntries<CpuBackend, double>;

}  // namespace phasis::ms
