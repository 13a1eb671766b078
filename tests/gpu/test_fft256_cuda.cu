// fft256_cuda.cuh's kernels against direct DFTs summed in double on the host (an independent
// reference, not cuFFT): rows(forward), columns(mid), rows(inverse) must give
//   - inside mid, the 2D DFT of each image at the (image, y, x) mid is told;
//   - after the inverse, the unnormalised IDFT of mid's values, here the spectrum times a filter.
// Float FFTs of 2^16 points have a relative rounding error of about eps * log2(N) ~ 1e-6 at worst
// (eps = 6e-8; Higham, Accuracy and Stability, 2nd ed., section 24.1), so 5e-6 of the largest
// magnitude bounds every element; a wrong twiddle, index or direction errs by O(1).
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <random>
#include <vector>

#include "direct_dft.hpp"
#include "errors.hpp"
#include "phasis/core/array.hpp"
#include "fft/fft256_cuda.cuh"

using namespace phasis;
using cd = std::complex<double>;
using phasis::testing::relative_max_norm;

namespace {

constexpr int N = fft256::kN;

void dft_axis(std::vector<cd>& a, bool columns, bool inverse) { phasis::testing::direct_dft_axis(a, N, columns, inverse); }

/// A smooth real filter of (y, x), the same on host and device.
__host__ __device__ float filter(int y, int x) { return 1.0f / (1.0f + 0.001f * float(y * y + 3 * x)); }

struct RecordAndFilter {
  Complex<float>* spectrum;
  struct Aux {
    int64_t i;
    float h;
  };
  __device__ Aux fetch(int64_t image, int y, int x) const { return {image * N * N + y * N + x, filter(y, x)}; }
  __device__ Complex<float> operator()(const Aux& a, Complex<float> v) const {
    spectrum[a.i] = v;
    return v * a.h;
  }
};

}  // namespace

TEST(Fft256Cuda, RowsColumnsRowsAgainstDirectDft) {
  const int images = 2;
  Array<Complex<float>> host(Shape{images, N, N});
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1, 1);
  for (int64_t i = 0; i < host.size(); ++i) host[i] = {u(rng), u(rng)};
  Array<Complex<float>> data = host.to(Memory::device), spectrum(Shape{images, N, N}, Memory::device);
  fft256::rows<false>(data.data(), images * N, fft256::LoadRows{data.data()});
  fft256::columns(data.data(), images, RecordAndFilter{spectrum.data()});
  fft256::rows<true>(data.data(), images * N, fft256::LoadRows{data.data()});
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  const Array<Complex<float>> got_spectrum = spectrum.to(Memory::host), got = data.to(Memory::host);
  for (int b = 0; b < images; ++b) {
    std::vector<cd> ref(size_t(N) * N);
    for (size_t i = 0; i < ref.size(); ++i) ref[i] = {host[b * N * N + i].re, host[b * N * N + i].im};
    dft_axis(ref, false, false);
    dft_axis(ref, true, false);
    double worst = relative_max_norm(got_spectrum.data() + b * N * N, ref);
    std::printf("image %d: spectrum max error %.2e of the largest value\n", b, worst);
    EXPECT_LT(worst, 5e-6);
    for (int y = 0; y < N; ++y)
      for (int x = 0; x < N; ++x) ref[size_t(y) * N + x] *= double(filter(y, x));
    dft_axis(ref, true, true);
    dft_axis(ref, false, true);
    worst = relative_max_norm(got.data() + b * N * N, ref);
    std::printf("image %d: filtered inverse max error %.2e of the largest value\n", b, worst);
    EXPECT_LT(worst, 5e-6);
  }
}
