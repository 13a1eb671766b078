// fused_propagate_to_spectrum and fused_propagate_to_readings (fused_multislice.hpp): the probes
// made and transformed in a column pass, then per slice a row pass (inverse, transmission,
// forward) and a column pass (forward, propagator, inverse).
#include <string>

#include "phasis/core/error.hpp"
#include "fft/fft512_cuda.cuh"
#include "multislice/fused_multislice.hpp"

namespace phasis::ms {
namespace {

using C = Complex<float>;
constexpr int N = fft512::kN;

/// psi * t at (row % 512, x): one slice's transmission, shared by every wave of the batch.
struct TransmitMid {
  const C* t;
  __device__ C operator()(int64_t row, int x, C v) const { return v * t[(row & (N - 1)) * N + x]; }
};

/// Psi * P at (y, x): one slice's propagator, shared by every wave of the batch.
struct PropagateMid {
  const C* p;
  __device__ C operator()(int64_t, int y, int x, C v) const { return v * p[y * N + x]; }
};

/// scale |Psi|^2 on each detector's pixels (bit d of bits), added per wave.
struct AnnularSums {
  const uint8_t* bits;
  int count;
  float scale;
  double* out;  // out[d * stride + wave]
  int64_t stride;
  __device__ void term(int y, int x, C v, float (&acc)[fft512::kSums]) const {
    const unsigned b = bits[y * N + x];
    const float e = norm2(v) * scale;
#pragma unroll
    for (int d = 0; d < fft512::kSums; ++d)
      if (b >> d & 1u) acc[d] += e;
  }
  __device__ void commit(int64_t wave, int d, double total) const { atomicAdd(out + d * stride + wave, total); }
};

void check(const char* what) {
  const cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) throw DeviceError(std::string("fused multislice: ") + what + ": " + cudaGetErrorString(e));
}

/// The first column pass's input: the probes' spectra, made where they are read (in the column
/// groups where the spectrum holds a value, FusedSlices::live_column_groups).
struct ProbeLoad {
  ShiftedProbe<float> probes;
  __device__ C operator()(const C*, int64_t wave, int y, int x) const { return probes.at(wave, y, x); }
};
static_assert(fft512::kGroup == 16, "FusedSlices' column groups (fused_multislice.hpp) are 16 columns wide");

/// Every pass but the last column pass: the probes, then slices [0, ns - 1) and the transmission
/// and forward row transform of slice ns - 1, whose row pass writes the column groups
/// `last_write`. Between passes only the column groups where the data may hold a value are read
/// and written: the probe spectrum's after the probes' pass, the propagators' after each
/// propagation; every row pass writes the groups the next propagation reads.
void all_but_last_pass(const ShiftedProbe<float>& probes, int64_t nb, const FusedSlices& s, uint32_t last_write) {
  const int64_t ns = s.count;
  if (ns < 1 || int64_t(s.propagators.size()) != ns)
    throw InternalError("fused multislice: expected one propagator per slice (" + std::to_string(ns) + "); found " +
                        std::to_string(s.propagators.size()));
  C* waves = probes.psi;
  const int64_t rows = nb * N, pix = int64_t(N) * N;
  const uint32_t aperture = s.aperture_column_groups;
  const auto writes = [&](int64_t k) { return k + 1 == ns ? last_write : aperture; };  // slice k's row pass
  // The probes: their spectra made and inverse transformed down the columns, then along the rows
  // with slice 0's transmission and the forward row transform of its propagation.
  fft512::columns<true, false, false>(waves, nb, fft512::Keep{}, ProbeLoad{probes}, s.live_column_groups);
  check("probe columns");
  fft512::rows<true, true, false>(waves, rows, TransmitMid{s.transmissions}, {s.live_column_groups, writes(0)});
  check("probe rows and slice 0");
  for (int64_t k = 0; k + 1 < ns; ++k) {
    fft512::columns<false, true, true>(waves, nb, PropagateMid{s.propagators[std::size_t(k)]}, fft512::Stored{},
                                       aperture);
    check("propagation");
    fft512::rows<true, true, false>(waves, rows, TransmitMid{s.transmissions + (k + 1) * pix}, {aperture, writes(k + 1)});
    check("transmission");
  }
}

}  // namespace

void fused_propagate_to_spectrum(const ShiftedProbe<float>& probes, int64_t nb, const FusedSlices& s) {
  if (nb <= 0) return;
  // The caller reads every column: the last passes write them all (zeros outside the aperture).
  all_but_last_pass(probes, nb, s, fft512::kAllGroups);
  fft512::columns<false, false, false>(probes.psi, nb, PropagateMid{s.propagators[std::size_t(s.count - 1)]});
  check("last propagation");
}

void fused_propagate_to_readings(const ShiftedProbe<float>& probes, int64_t nb, const FusedSlices& s,
                                 const uint8_t* bits, int count, float scale, double* readings, int64_t stride) {
  if (count < 1 || count > fft512::kSums)
    throw InternalError("fused multislice: expected 1 to " + std::to_string(fft512::kSums) + " detectors; found " +
                        std::to_string(count));
  if (nb <= 0) return;
  all_but_last_pass(probes, nb, s, s.aperture_column_groups);
  const PropagateMid last{s.propagators[std::size_t(s.count - 1)]};
  const AnnularSums sums{bits, count, scale, readings, stride};
  // Columns outside the aperture hold zero after the propagator: they add nothing.
  fft512::column_sums<false>(probes.psi, nb, last, sums, s.aperture_column_groups);
  check("last propagation and detectors");
}

}  // namespace phasis::ms
