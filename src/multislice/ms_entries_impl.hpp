// Definitions of MsEntries (ms_entries.hpp): a backend for the device, then the template.
#pragma once

#include "multislice/ms_entries.hpp"
#include "multislice/multislice_impl.hpp"
#include "multislice/stem_impl.hpp"

namespace phasis::ms {

template <class B, class T>
void MsEntries<B, T>::multislice(const Device& d, Array<Complex<T>>& waves, const Potential& pot, double energy_ev,
                                 int64_t first, int64_t last) {
  const B b(d);
  run_multislice<B, T>(b, waves, pot, energy_ev, first, last);
}

template <class B, class T>
void MsEntries<B, T>::propagate(const Device& d, Array<Complex<T>>& waves, const Grid& grid, double energy_ev,
                                double dz) {
  const B b(d);
  run_propagate<B, T>(b, waves, grid, energy_ev, dz);
}

template <class B, class T>
std::vector<double> MsEntries<B, T>::annular(const Device& d, const Array<Complex<T>>& waves, const Grid& grid,
                                             double energy_ev, const AnnularDetector& detector) {
  const B b(d);
  return run_annular<B, T>(b, waves, grid, energy_ev, detector);
}

template <class B, class T>
Array<double> MsEntries<B, T>::stem(const Device& d, const Potential& pot, const std::vector<Position>& positions,
                                    const StemOptions& o) {
  const B b(d);
  return run_stem<B, T>(b, pot, positions, o);
}

template <class B, class T>
void MsEntries<B, T>::stem_waves(const Device& d, const Potential& pot, const std::vector<Position>& positions,
                                 const StemOptions& o, const ExitWaveSink<T>& sink) {
  const B b(d);
  run_stem_waves<B, T>(b, pot, positions, o, sink);
}

template <class B, class T>
class StemChunkWorkerOn final : public StemChunkWorker {
 public:
  StemChunkWorkerOn(const Device& d, const Grid& grid, const std::vector<Position>& positions, const StemOptions& o,
                    const std::vector<SpectrumReader>& readers)
      : b_(d), runner_(b_, grid, positions, o, readers) {}
  exec::ChunkResult chunk(const Potential& pot, const SliceBins* bins, int64_t key, int64_t j0, int64_t nb) override {
    return runner_.chunk(pot, bins, key, j0, nb);
  }

 private:
  B b_;
  StemRunner<B, T> runner_;
};

template <class B, class T>
std::unique_ptr<StemChunkWorker> MsEntries<B, T>::chunk_worker(const Device& d, const Grid& grid,
                                                               const std::vector<Position>& positions,
                                                               const StemOptions& o,
                                                               const std::vector<SpectrumReader>& readers) {
  return std::make_unique<StemChunkWorkerOn<B, T>>(d, grid, positions, o, readers);
}

template <class B, class T>
Array<double> MsEntries<B, T>::ensemble(const Device& d, const Atoms& atoms, const Grid& grid,
                                        const PotentialOptions& popt, const std::vector<Position>& positions,
                                        const StemOptions& o) {
  const B b(d);
  return run_stem_ensemble<B, T>(b, atoms, grid, popt, positions, o);
}

}  // namespace phasis::ms
