// Multislice, propagation, detection and STEM on the CPU backend (FFTW + OpenMP).
#include "backend/cpu.hpp"
#include "phasis/multislice/multislice.hpp"
#include "multislice/multislice_impl.hpp"
#include "multislice/stem_impl.hpp"

namespace phasis::ms {

template <class T>
void multislice_cpu(Array<Complex<T>>& waves, const Potential& potential, double energy_ev, int64_t first, int64_t last) {
  run_multislice<CpuBackend, T>(waves, potential, energy_ev, first, last);
}

template <class T>
void propagate_cpu(Array<Complex<T>>& waves, const Grid& grid, double energy_ev, double dz) {
  run_propagate<CpuBackend, T>(waves, grid, energy_ev, dz);
}

template <class T>
std::vector<double> annular_detect_cpu(const Array<Complex<T>>& waves, const Grid& grid, double energy_ev,
                                       const AnnularDetector& detector) {
  return run_annular<CpuBackend, T>(waves, grid, energy_ev, detector);
}

template <class T>
Array<double> stem_annular_cpu(const Potential& potential, const std::vector<Position>& positions,
                               const StemOptions& options) {
  return run_stem<CpuBackend, T>(potential, positions, options);
}

template <class T>
void stem_exit_waves_cpu(const Potential& potential, const std::vector<Position>& positions,
                         const StemOptions& options, const ExitWaveSink<T>& sink) {
  run_stem_waves<CpuBackend, T>(potential, positions, options, sink);
}

template <class T>
Array<double> stem_ensemble_cpu(const Atoms& atoms, const Grid& grid, const PotentialOptions& potential,
                                const std::vector<Position>& positions, const StemOptions& options) {
  return run_stem_ensemble<CpuBackend, T>(atoms, grid, potential, positions, options);
}

#define PHASIS_MS_INSTANTIATE(T)                                                                                  \
  template void multislice_cpu<T>(Array<Complex<T>>&, const Potential&, double, int64_t, int64_t);                \
  template void propagate_cpu<T>(Array<Complex<T>>&, const Grid&, double, double);                                \
  template std::vector<double> annular_detect_cpu<T>(const Array<Complex<T>>&, const Grid&, double,               \
                                                     const AnnularDetector&);                                     \
  template Array<double> stem_annular_cpu<T>(const Potential&, const std::vector<Position>&, const StemOptions&);  \
  template void stem_exit_waves_cpu<T>(const Potential&, const std::vector<Position>&, const StemOptions&,         \
                                      const ExitWaveSink<T>&);                                                    \
  template Array<double> stem_ensemble_cpu<T>(const Atoms&, const Grid&, const PotentialOptions&,                \
                                             const std::vector<Position>&, const StemOptions&);
PHASIS_MS_INSTANTIATE(float)
PHASIS_MS_INSTANTIATE(double)
#undef PHASIS_MS_INSTANTIATE

}  // namespace phasis::ms
