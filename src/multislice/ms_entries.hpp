// Multislice's entries per (backend, real type), for the dispatch point (multislice.cpp, stem.cpp).
// Each makes a backend for the device and runs the template of multislice_impl.hpp or
// stem_impl.hpp. Declared here and defined in ms_entries_impl.hpp; one explicit instantiation of
// the class per (backend, type) lives in multislice_cpu.cpp and multislice_cuda.cu.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/core/device.hpp"
#include "phasis/multislice/atoms.hpp"
#include "phasis/multislice/detectors.hpp"
#include "phasis/multislice/grid.hpp"
#include "phasis/multislice/potential.hpp"
#include "phasis/multislice/simulation.hpp"
#include "phasis/multislice/stem.hpp"
#include "phasis/exec/chunk_queue.hpp"

namespace phasis::ms {

/// How a chunk (StemRunner::chunk) reads one detector from the exit waves' spectra, and how many
/// values per position it gives: annular (one mask of StemOptions::detectors, 1 value), pixelated
/// (the centred crop, my x mx values, made on the backend) or segmented (rings x segments values,
/// from a host copy of the spectra).
struct SpectrumReader {
  DetectorType type = DetectorType::annular;
  int mask = -1;                        // annular: its index in StemOptions::detectors
  std::pair<int64_t, int64_t> crop{0, 0};  // pixelated
  SegmentedDetector ring;               // segmented
  int64_t values = 1;
};

/// One frozen phonon configuration's potential, made on the host: the displaced atoms' Potential
/// and its bins (pixel_average infinite projection), or with its slices kept (otherwise).
struct HostPotential {
  std::shared_ptr<const Potential> potential;
  SliceBins bins;
};

/// One worker's STEM engine for chunks (stem_queue.cpp): a backend and a StemRunner, made on the
/// thread that uses them.
class StemChunkWorker {
 public:
  virtual ~StemChunkWorker() = default;
  /// StemRunner::chunk.
  virtual exec::ChunkResult chunk(const Potential& pot, const SliceBins* bins, int64_t key, int64_t j0, int64_t nb) = 0;
};

template <class B, class T>
struct MsEntries {
  static void multislice(const Device& d, Array<Complex<T>>& waves, const Potential& pot, double energy_ev,
                         int64_t first, int64_t last);
  static void propagate(const Device& d, Array<Complex<T>>& waves, const Grid& grid, double energy_ev, double dz);
  static std::vector<double> annular(const Device& d, const Array<Complex<T>>& waves, const Grid& grid,
                                     double energy_ev, const AnnularDetector& detector);
  static Array<double> stem(const Device& d, const Potential& pot, const std::vector<Position>& positions,
                            const StemOptions& o);
  static void stem_waves(const Device& d, const Potential& pot, const std::vector<Position>& positions,
                         const StemOptions& o, const ExitWaveSink<T>& sink);
  static std::unique_ptr<StemChunkWorker> chunk_worker(const Device& d, const Grid& grid,
                                                       const std::vector<Position>& positions, const StemOptions& o,
                                                       const std::vector<SpectrumReader>& readers);
  static Array<double> ensemble(const Device& d, const Atoms& atoms, const Grid& grid, const PotentialOptions& popt,
                                const std::vector<Position>& positions, const StemOptions& o);
};

}  // namespace phasis::ms
