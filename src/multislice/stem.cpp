// STEM driver: frozen phonon configurations, device and precision dispatch, ensemble mean.
#include "phasis/multislice/stem.hpp"

#include <string>

#include "phasis/core/error.hpp"

namespace phasis::ms {

#if !PHASIS_HAVE_CUDA
template <class T>
Array<double> stem_annular_cuda(const Potential&, const std::vector<Position>&, const StemOptions&) {
  throw DeviceError("device cuda: this phasis was built without CUDA (configure with -DPHASIS_CUDA=ON)");
}
template Array<double> stem_annular_cuda<float>(const Potential&, const std::vector<Position>&, const StemOptions&);
template Array<double> stem_annular_cuda<double>(const Potential&, const std::vector<Position>&, const StemOptions&);
template <class T>
void stem_exit_waves_cuda(const Potential&, const std::vector<Position>&, const StemOptions&, const ExitWaveSink<T>&) {
  throw DeviceError("device cuda: this phasis was built without CUDA (configure with -DPHASIS_CUDA=ON)");
}
template void stem_exit_waves_cuda<float>(const Potential&, const std::vector<Position>&, const StemOptions&,
                                          const ExitWaveSink<float>&);
template void stem_exit_waves_cuda<double>(const Potential&, const std::vector<Position>&, const StemOptions&,
                                           const ExitWaveSink<double>&);
template <class T>
Array<double> stem_ensemble_cuda(const Atoms&, const Grid&, const PotentialOptions&, const std::vector<Position>&,
                                 const StemOptions&) {
  throw DeviceError("device cuda: this phasis was built without CUDA (configure with -DPHASIS_CUDA=ON)");
}
template Array<double> stem_ensemble_cuda<float>(const Atoms&, const Grid&, const PotentialOptions&,
                                                 const std::vector<Position>&, const StemOptions&);
template Array<double> stem_ensemble_cuda<double>(const Atoms&, const Grid&, const PotentialOptions&,
                                                  const std::vector<Position>&, const StemOptions&);
#endif

Array<double> stem_annular(const Atoms& atoms, const Grid& grid, const PotentialOptions& potential,
                           const std::vector<Position>& positions, const StemOptions& o) {
  if (o.precision != "float" && o.precision != "double")
    throw InputError("precision: expected float or double; found '" + o.precision + "'");
  if (o.device != "cpu" && o.device != "cuda") throw InputError("device: expected cpu or cuda; found '" + o.device + "'");
  if (o.phonons < 1) throw InputError("stem phonons: expected at least 1 configuration; found " + std::to_string(o.phonons));
  const bool f = o.precision == "float";
  if (o.device == "cpu")
    return f ? stem_ensemble_cpu<float>(atoms, grid, potential, positions, o)
             : stem_ensemble_cpu<double>(atoms, grid, potential, positions, o);
  return f ? stem_ensemble_cuda<float>(atoms, grid, potential, positions, o)
           : stem_ensemble_cuda<double>(atoms, grid, potential, positions, o);
}

}  // namespace phasis::ms
