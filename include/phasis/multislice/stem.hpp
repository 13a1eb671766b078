// Scanning TEM with annular detectors: probes at each scan position through the specimen, the
// intensity each detector collects, averaged over frozen phonon configurations.
// Per configuration the potential is computed once, on the host, and held on the backend for all
// probe batches (num_slices x ny x nx floats); probes run in batches of `batch` positions, made on
// the backend from one probe spectrum (waves.hpp: probe_spectrum). FFT plans, propagators, detector
// masks and the spectrum are made once per run and serve every configuration.
#pragma once

#include <array>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "phasis/core/array.hpp"
#include "phasis/core/device.hpp"
#include "phasis/exec/events.hpp"
#include "phasis/multislice/atoms.hpp"
#include "phasis/multislice/detectors.hpp"
#include "phasis/multislice/grid.hpp"
#include "phasis/multislice/potential.hpp"
#include "phasis/multislice/scan.hpp"
#include "phasis/multislice/waves.hpp"

namespace phasis::ms {

/// Seconds per stage, summed over configurations and batches. With timings asked for, the backend
/// is synchronised at the end of each stage (a few times per batch), so device time is counted in
/// the stage that spends it.
struct StemTimings {
  double setup = 0;        // FFT plans, propagators, detector masks, probe spectrum (and the device's start)
  double potential = 0;    // each configuration's slices: atoms displaced, projected, on the backend
  double probes = 0;       // incident probes at each batch's positions
  double propagation = 0;  // transmission and Fresnel propagation through every slice
  double detection = 0;    // detector readings, or exit waves to the host sink
  // The propagation's strategy, chosen once per run: "fused 512" (phasis' fused FFT kernels, CUDA,
  // float, 512 x 512, StemOptions::fused_fft) or "separate" (FFT plans and separate passes).
  std::string path;
  double total() const { return setup + potential + probes + propagation + detection; }
};

struct StemOptions {
  ProbeOptions probe;
  std::vector<AnnularDetector> detectors;
  int64_t batch = 16;         // probe positions per multislice run
  int64_t phonons = 1;        // frozen phonon configurations; > 1 needs atoms.sigma
  /// Chunks (stem_queue.cpp): how many configurations' prepared slices a worker keeps on its
  /// backend, so that chunks of configurations it ran before need no new transmissions.
  int64_t keep_configurations = 1;
  uint64_t seed = 0;          // of the phonon ensemble
  StemTimings* timings = nullptr;   // if set, stage times are added to it
  /// CUDA, float, 512 x 512 grids: annular STEM through phasis' fused FFT kernels, two passes over
  /// the waves per slice instead of six (fused_multislice.hpp); false: cuFFT and separate passes.
  bool fused_fft = true;
  /// Receives (may be null) one Progress per frozen phonon configuration (task "phonons", unit
  /// "configurations"; values: the configuration's positions per second) and one span per batch of
  /// positions and configuration (category "chunk", chunk = configuration x batches + batch; the
  /// backend's work is included only when `timings` synchronise it).
  exec::EventSink* events = nullptr;
  /// (rows, columns) when the positions are a raster of that shape: then, after a batch and when
  /// `events` wants snapshots, the first detector's readings so far go to it as the snapshot
  /// "stem_image" (rows x columns, NaN where no reading has come yet), the image filling in.
  std::array<int64_t, 2> scan_shape{0, 0};
};

/// Readings (detectors, positions): the ensemble mean of each detector's share of the beam, on
/// `device` in `precision`. Throws InputError for bad options (no detectors or positions, batch or
/// phonons < 1, a detector beyond the antialiased cutoff, bad probe) and whatever the potential
/// rejects; DeviceError for a device this build or machine lacks.
Array<double> stem_annular(const Device& device, Precision precision, const Atoms& atoms, const Grid& grid,
                           const PotentialOptions& potential, const std::vector<Position>& positions,
                           const StemOptions& options);

/// One configuration: the potential given, no phonon averaging (options.phonons is not read); the
/// precision is T.
template <class T>
Array<double> stem_annular(const Device& device, const Potential& potential, const std::vector<Position>& positions,
                           const StemOptions& options);

/// Receives the exit waves (batch, ny, nx) of positions [first, first + batch), in host memory.
template <class T>
using ExitWaveSink = std::function<void(int64_t first, const Array<Complex<T>>& waves)>;

/// Exit waves of probes at every position through one potential, batch by batch (options.batch),
/// for detectors read on the host; the slices are computed once and held on the backend for all
/// batches. options.detectors is not used. Throws InputError for no positions, batch < 1 or a bad
/// probe.
template <class T>
void stem_exit_waves(const Device& device, const Potential& potential, const std::vector<Position>& positions,
                     const StemOptions& options, const ExitWaveSink<T>& sink);

}  // namespace phasis::ms
