// Detectors read on the host from the diffraction patterns of a batch of exit waves, behind one
// interface: annular, segmented and pixelated detectors each sum their weighted readings over the
// positions and phonon configurations of a run (simulation.cpp), so the ensemble loop does not
// know which detectors it feeds.
#pragma once

#include <cstdint>
#include <memory>

#include "phasis/core/array.hpp"
#include "phasis/multislice/grid.hpp"
#include "phasis/multislice/simulation.hpp"

namespace phasis::ms {

class DetectorReader {
 public:
  virtual ~DetectorReader() = default;
  /// Adds weight x the readings of `patterns` (batch, ny, nx; diffraction_patterns) to the sums of
  /// positions [first, first + batch).
  virtual void add(int64_t first, const Array<double>& patterns, double weight) = 0;
  /// The sums so far: (n), (n, rings, segments) or (n, my, mx).
  Array<double>& sums() { return sums_; }

 protected:
  /// Sums of `shape`, zeroed.
  explicit DetectorReader(const Shape& shape);
  Array<double> sums_;
};

/// The reader of detector `d` for `positions` positions on `grid` at `energy_ev` [eV].
std::unique_ptr<DetectorReader> make_reader(const Detector& d, const Grid& grid, double energy_ev, int64_t positions);

}  // namespace phasis::ms
