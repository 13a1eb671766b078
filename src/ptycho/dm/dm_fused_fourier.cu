// fused_fourier_projection (dm_fused_fourier.hpp): Reflect in the row FFTs' loads, the modulus
// projection between the column FFTs.
#include <string>

#include "phasis/core/error.hpp"
#include "fft/fft256_cuda.cuh"
#include "core/cuda_check.hpp"
#include "ptycho/dm/dm_fused_fourier.hpp"

namespace phasis::dm {
namespace {

using C = Complex<float>;

/// 2 P O_j - psi at pixel x of batch row `row` (frame row / 256 of the batch, image row row % 256):
/// reflect_wave's arithmetic, with the frame and row taken from `row` by shifts instead of
/// ExitIndex's division (16 times per thread otherwise).
struct ReflectLoad {
  const C* psi;  // of the batch's first frame
  const C* probe;
  const C* object;
  const int32_t* offsets;
  Geometry g;
  int64_t j0;
  __device__ C operator()(int64_t row, int x) const {
    const int64_t j = j0 + (row >> 8);
    const int y = int(row & (fft256::kN - 1));
    const C model = probe[y * fft256::kN + x] * object[object_index_yx(offsets, g, j, y, x)];
    return 2.0f * model - psi[row * fft256::kN + x];
  }
};

/// The modulus projection of the Fourier coefficient at (y, x) of frame `image` of the batch. The
/// column kernel fetches each coefficient's amplitude and mask (fetch) with the data, before the
/// forward FFT, so that their loads overlap the data's.
struct ModulusMid {
  const float* amp;  // of the batch's first frame
  const uint8_t* valid;
  float inv_m, inv_gain;
  struct Aux {
    float amp;
    bool valid;
  };
  __device__ Aux fetch(int64_t image, int y, int x) const {
    const int p = y * fft256::kN + x;
    return {amp[image * (fft256::kN * fft256::kN) + p], valid[p] != 0};
  }
  __device__ C operator()(const Aux& a, C v) const {
    return modulus_project_single(v, a.amp, a.valid, 0.0f, false, inv_m, inv_gain);
  }
};

void check(cudaError_t e, const char* what) { cuda_check(e, std::string("fused Fourier projection: ") + what); }

}  // namespace

void fused_fourier_projection(const Geometry& g, int64_t j0, int64_t nb, const C* psi, const float* amp, C* buf,
                              const C* probe, const C* object, const int32_t* offsets, const uint8_t* valid,
                              float inv_gain, void* stream_ptr) {
  const cudaStream_t stream = static_cast<cudaStream_t>(stream_ptr);
  if (!fused_fourier_applies(g))
    throw InternalError("fused Fourier projection: expected one mode of 256 x 256; found " + std::to_string(g.modes()) +
                        " modes of " + std::to_string(g.m) + " x " + std::to_string(g.m));
  if (nb <= 0) return;
  fft256::rows<false>(buf, nb * fft256::kN, ReflectLoad{psi, probe, object, offsets, g, j0}, stream);
  check(cudaGetLastError(), "row FFTs");
  fft256::columns(buf, nb, ModulusMid{amp, valid, 1.0f / float(g.m), inv_gain}, stream);
  check(cudaGetLastError(), "column FFTs and modulus");
  fft256::rows<true>(buf, nb * fft256::kN, fft256::LoadRows{buf}, stream);
  check(cudaGetLastError(), "inverse row FFTs");
}

}  // namespace phasis::dm
