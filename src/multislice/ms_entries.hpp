// Multislice's entries per (backend, real type), for the dispatch point (multislice.cpp, stem.cpp).
// Each makes a backend for the device and runs the template of multislice_impl.hpp or
// stem_impl.hpp. Declared here and defined in ms_entries_impl.hpp; one explicit instantiation of
// the class per (backend, type) lives in multislice_cpu.cpp and multislice_cuda.cu.
#pragma once

#include <vector>

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/core/device.hpp"
#include "phasis/multislice/atoms.hpp"
#include "phasis/multislice/detectors.hpp"
#include "phasis/multislice/grid.hpp"
#include "phasis/multislice/potential.hpp"
#include "phasis/multislice/stem.hpp"

namespace phasis::ms {

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
  static Array<double> ensemble(const Device& d, const Atoms& atoms, const Grid& grid, const PotentialOptions& popt,
                                const std::vector<Position>& positions, const StemOptions& o);
};

}  // namespace phasis::ms
