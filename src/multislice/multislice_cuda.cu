// Multislice, propagation, detection and STEM on the CUDA backend (cuFFT + kernels): the same template as the CPU.
#include "backend/cuda.cuh"
#include "phasis/multislice/multislice.hpp"
#include "multislice/multislice_impl.hpp"
#include "multislice/stem_impl.hpp"

namespace phasis::ms {
namespace {

void require_gpu() {
  if (!cuda_available()) throw DeviceError("device cuda: expected a CUDA GPU; found none");
}

}  // namespace

template <class T>
void multislice_cuda(Array<Complex<T>>& waves, const Potential& potential, double energy_ev, int64_t first, int64_t last) {
  require_gpu();
  run_multislice<CudaBackend, T>(waves, potential, energy_ev, first, last);
}

template <class T>
void propagate_cuda(Array<Complex<T>>& waves, const Grid& grid, double energy_ev, double dz) {
  require_gpu();
  run_propagate<CudaBackend, T>(waves, grid, energy_ev, dz);
}

template <class T>
std::vector<double> annular_detect_cuda(const Array<Complex<T>>& waves, const Grid& grid, double energy_ev,
                                        const AnnularDetector& detector) {
  require_gpu();
  return run_annular<CudaBackend, T>(waves, grid, energy_ev, detector);
}

template <class T>
Array<double> stem_annular_cuda(const Potential& potential, const std::vector<Position>& positions,
                               const StemOptions& options) {
  require_gpu();
  return run_stem<CudaBackend, T>(potential, positions, options);
}

template <class T>
void stem_exit_waves_cuda(const Potential& potential, const std::vector<Position>& positions,
                         const StemOptions& options, const ExitWaveSink<T>& sink) {
  require_gpu();
  run_stem_waves<CudaBackend, T>(potential, positions, options, sink);
}

template <class T>
Array<double> stem_ensemble_cuda(const Atoms& atoms, const Grid& grid, const PotentialOptions& potential,
                                const std::vector<Position>& positions, const StemOptions& options) {
  require_gpu();
  return run_stem_ensemble<CudaBackend, T>(atoms, grid, potential, positions, options);
}

#define PHASIS_MS_INSTANTIATE(T)                                                                                   \
  template void multislice_cuda<T>(Array<Complex<T>>&, const Potential&, double, int64_t, int64_t);                \
  template void propagate_cuda<T>(Array<Complex<T>>&, const Grid&, double, double);                                \
  template std::vector<double> annular_detect_cuda<T>(const Array<Complex<T>>&, const Grid&, double,               \
                                                     const AnnularDetector&);                                      \
  template Array<double> stem_annular_cuda<T>(const Potential&, const std::vector<Position>&, const StemOptions&);  \
  template void stem_exit_waves_cuda<T>(const Potential&, const std::vector<Position>&, const StemOptions&,         \
                                      const ExitWaveSink<T>&);                                                    \
  template Array<double> stem_ensemble_cuda<T>(const Atoms&, const Grid&, const PotentialOptions&,                \
                                             const std::vector<Position>&, const StemOptions&);
PHASIS_MS_INSTANTIATE(float)
PHASIS_MS_INSTANTIATE(double)
#undef PHASIS_MS_INSTANTIATE

}  // namespace phasis::ms
