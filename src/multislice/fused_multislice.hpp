// Multislice of a batch of 512 x 512 probes in phasis' fused FFT kernels
// (src/multislice/fused_multislice.cu, on fft512_cuda.cuh): the probes are made inside the first
// column pass, the transmission sits between a row pass's inverse and forward transforms, the
// propagator between a column pass's forward and inverse transforms, so each slice costs two
// reads and writes of the batch instead of six (transmission, two FFT passes, propagator, two
// inverse-FFT passes). CUDA float only; StemRunner names it only there (StemOptions::fused_fft).
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "phasis/core/complex.hpp"
#include "phasis/multislice/grid.hpp"
#include "multislice/multislice_kernels.hpp"

namespace phasis::ms {

/// Grids the fused kernels handle: 512 x 512.
inline bool fused_multislice_applies(const Grid& g) { return g.ny == 512 && g.nx == 512; }

/// The slices a fused run goes through (device memory): transmissions, ns slices of
/// exp(i sigma v) band-limited to the antialiasing aperture (MultisliceEngine::transmissions);
/// propagators[k], slice k's Fresnel propagator
/// (MultisliceEngine::propagator, with its 1/N); which groups of 16 columns of the probe spectrum
/// hold a non-zero value (bit g: columns [16 g, 16 g + 16); live_column_groups); and those where
/// the propagators do (aperture_column_groups): between passes the other columns are zero, and
/// the passes neither read nor write them.
struct FusedSlices {
  const Complex<float>* transmissions;
  int64_t count;
  std::vector<const Complex<float>*> propagators;
  uint32_t live_column_groups = ~0u;
  uint32_t aperture_column_groups = ~0u;
};

/// The live_column_groups of a 512 x 512 spectrum (host memory, row-major).
template <class T>
uint32_t live_column_groups(const Complex<T>* spectrum) {
  uint32_t bits = 0;
  for (int64_t y = 0; y < 512; ++y)
    for (int64_t x = 0; x < 512; ++x)
      if (spectrum[y * 512 + x].re != T(0) || spectrum[y * 512 + x].im != T(0)) bits |= 1u << (x / 16);
  return bits;
}

/// The column groups of a 512 x 512 grid that hold a frequency of |kx| below k_outer
/// [1/Angstrom] (with a margin far above rounding): where a spectrum that is zero at |k| >=
/// k_outer, such as a probe's (probe_outer_frequency), may hold a value.
inline uint32_t column_groups_within(const Grid& g, double k_outer) {
  uint32_t bits = 0;
  for (int64_t x = 0; x < 512; ++x)
    if (std::abs(fft_frequency(x, g.nx, g.dx)) < k_outer * (1 + 1e-12)) bits |= 1u << (x / 16);
  return bits;
}

/// The column groups of a 512 x 512 grid where FresnelPropagator is non-zero, whatever dz: its
/// test k^2 < k_max^2 of the antialiasing aperture, on row 0, whose ky = 0 makes k^2 smallest in
/// each column (the same double arithmetic as FresnelPropagator's; on the device a fused
/// multiply-add rounds kx^2 + ky^2 once, which is never below kx^2 rounded).
inline uint32_t aperture_column_groups(const Grid& g) {
  const double k_max = antialias_cutoff(g), k_max2 = k_max * k_max, ky = fft_frequency(0, g.ny, g.dy);
  uint32_t bits = 0;
  for (int64_t x = 0; x < 512; ++x) {
    const double kx = fft_frequency(x, g.nx, g.dx);
    if (kx * kx + ky * ky < k_max2) bits |= 1u << (x / 16);
  }
  return bits;
}

/// Makes probes.psi (nb x 512 x 512, on the device) the batch's probes (the inverse FFT of the
/// spectra ShiftedProbe gives, waves 0 to nb - 1 of its ramps) and runs them through every slice;
/// on return psi holds P_last F[t_last ... P_0 F[t_0 F^-1[spectra]]...]: what ShiftedProbe,
/// MultisliceEngine's inverse, run over slices [0, ns - 1), transmit and propagate_to_spectrum
/// leave, the same math with other FFT kernels.
void fused_propagate_to_spectrum(const ShiftedProbe<float>& probes, int64_t nb, const FusedSlices& slices);

/// fused_propagate_to_spectrum without storing the last spectra: the last column pass adds
/// scale |P_last F[...]|^2 over the pixels of each of `count` (<= 4) detectors, whose membership
/// is bit d of bits[p] (AnnularBits), into readings[d * stride + j] for wave j (device doubles,
/// added to, so zero them first). probes.psi is left holding an intermediate state.
void fused_propagate_to_readings(const ShiftedProbe<float>& probes, int64_t nb, const FusedSlices& slices,
                                 const uint8_t* bits, int count, float scale, double* readings, int64_t stride);

}  // namespace phasis::ms
