// STEM's entries through the dispatch point: frozen phonon ensembles, one configuration, exit waves.
#include "phasis/multislice/stem.hpp"

#include <string>

#include "backend/dispatch.hpp"
#include "multislice/ms_entries.hpp"
#include "phasis/core/error.hpp"

namespace phasis::ms {

Array<double> stem_annular(const Device& device, Precision precision, const Atoms& atoms, const Grid& grid,
                           const PotentialOptions& potential, const std::vector<Position>& positions,
                           const StemOptions& o) {
  if (o.phonons < 1) throw InputError("stem phonons: expected at least 1 configuration; found " + std::to_string(o.phonons));
  return dispatch(device, precision, [&]<class B, class T>() {
    return MsEntries<B, T>::ensemble(device, atoms, grid, potential, positions, o);
  });
}

template <class T>
Array<double> stem_annular(const Device& device, const Potential& potential, const std::vector<Position>& positions,
                           const StemOptions& o) {
  return dispatch_backend(device, [&]<class B>() { return MsEntries<B, T>::stem(device, potential, positions, o); });
}

template <class T>
void stem_exit_waves(const Device& device, const Potential& potential, const std::vector<Position>& positions,
                     const StemOptions& o, const ExitWaveSink<T>& sink) {
  dispatch_backend(device, [&]<class B>() { MsEntries<B, T>::stem_waves(device, potential, positions, o, sink); });
}

template Array<double> stem_annular<float>(const Device&, const Potential&, const std::vector<Position>&,
                                           const StemOptions&);
template Array<double> stem_annular<double>(const Device&, const Potential&, const std::vector<Position>&,
                                            const StemOptions&);
template void stem_exit_waves<float>(const Device&, const Potential&, const std::vector<Position>&, const StemOptions&,
                                     const ExitWaveSink<float>&);
template void stem_exit_waves<double>(const Device&, const Potential&, const std::vector<Position>&,
                                      const StemOptions&, const ExitWaveSink<double>&);

}  // namespace phasis::ms
