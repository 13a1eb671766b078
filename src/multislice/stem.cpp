// STEM driver: frozen phonon configurations, device and precision dispatch, ensemble mean.
#include "phasis/multislice/stem.hpp"

#include <string>
#include <utility>

#include "phasis/core/error.hpp"
#include "phasis/multislice/phonons.hpp"

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
#endif

namespace {

Array<double> one_configuration(const Potential& pot, const std::vector<Position>& positions, const StemOptions& o) {
  const bool f = o.precision == "float";
  if (o.device == "cpu") return f ? stem_annular_cpu<float>(pot, positions, o) : stem_annular_cpu<double>(pot, positions, o);
  return f ? stem_annular_cuda<float>(pot, positions, o) : stem_annular_cuda<double>(pot, positions, o);
}

}  // namespace

Array<double> stem_annular(const Atoms& atoms, const Grid& grid, const PotentialOptions& potential,
                           const std::vector<Position>& positions, const StemOptions& o) {
  if (o.precision != "float" && o.precision != "double")
    throw InputError("precision: expected float or double; found '" + o.precision + "'");
  if (o.device != "cpu" && o.device != "cuda") throw InputError("device: expected cpu or cuda; found '" + o.device + "'");
  if (o.phonons < 1) throw InputError("stem phonons: expected at least 1 configuration; found " + std::to_string(o.phonons));
  Array<double> mean;
  for (int64_t c = 0; c < o.phonons; ++c) {
    const Potential pot(o.phonons > 1 ? frozen_phonon(atoms, o.seed, c) : atoms, grid, potential);
    Array<double> r = one_configuration(pot, positions, o);
    if (c == 0) {
      mean = std::move(r);
    } else {
      for (int64_t i = 0; i < mean.size(); ++i) mean[i] += r[i];
    }
  }
  for (int64_t i = 0; i < mean.size(); ++i) mean[i] /= double(o.phonons);
  return mean;
}

}  // namespace phasis::ms
