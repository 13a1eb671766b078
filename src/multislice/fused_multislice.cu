// fused_propagate_to_spectrum (fused_multislice.hpp): per slice a column pass (forward, propagator,
// inverse) and a row pass (inverse, next transmission, forward).
#include <string>

#include "phasis/core/error.hpp"
#include "phasis/fft/fft512_cuda.cuh"
#include "phasis/multislice/fused_multislice.hpp"

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

}  // namespace

namespace {

/// Every pass but the last column pass: the probes, then slices [0, ns - 1) and the transmission
/// and forward row transform of slice ns - 1.
void all_but_last_pass(C* waves, int64_t nb, const C* transmissions, int64_t ns, const std::vector<const C*>& propagators) {
  if (ns < 1 || int64_t(propagators.size()) != ns)
    throw InternalError("fused multislice: expected one propagator per slice (" + std::to_string(ns) + "); found " +
                        std::to_string(propagators.size()));
  const int64_t rows = nb * N, pix = int64_t(N) * N;
  // The probes: the spectra's inverse down the columns, then along the rows with slice 0's
  // transmission and the forward row transform of its propagation.
  fft512::columns<true, false, false>(waves, nb, fft512::Keep{});
  check("probe columns");
  fft512::rows<true, true, false>(waves, rows, TransmitMid{transmissions});
  check("probe rows and slice 0");
  for (int64_t k = 0; k + 1 < ns; ++k) {
    fft512::columns<false, true, true>(waves, nb, PropagateMid{propagators[std::size_t(k)]});
    check("propagation");
    fft512::rows<true, true, false>(waves, rows, TransmitMid{transmissions + (k + 1) * pix});
    check("transmission");
  }
}

}  // namespace

void fused_propagate_to_spectrum(C* waves, int64_t nb, const C* transmissions, int64_t ns,
                                 const std::vector<const C*>& propagators) {
  if (nb <= 0) return;
  all_but_last_pass(waves, nb, transmissions, ns, propagators);
  fft512::columns<false, false, false>(waves, nb, PropagateMid{propagators[std::size_t(ns - 1)]});
  check("last propagation");
}

void fused_propagate_to_readings(C* waves, int64_t nb, const C* transmissions, int64_t ns,
                                 const std::vector<const C*>& propagators, const uint8_t* bits, int count, float scale,
                                 double* readings, int64_t stride) {
  if (count < 1 || count > fft512::kSums)
    throw InternalError("fused multislice: expected 1 to " + std::to_string(fft512::kSums) + " detectors; found " +
                        std::to_string(count));
  if (nb <= 0) return;
  all_but_last_pass(waves, nb, transmissions, ns, propagators);
  fft512::column_sums<false>(waves, nb, PropagateMid{propagators[std::size_t(ns - 1)]},
                             AnnularSums{bits, count, scale, readings, stride});
  check("last propagation and detectors");
}

}  // namespace phasis::ms
