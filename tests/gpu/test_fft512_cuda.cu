// fft512_cuda.cuh's kernels against direct DFTs summed in double on the host (an independent
// reference): a forward 2D transform (rows, then columns up to mid), the inverse of the filtered
// spectrum (the columns' second transform, then rows), and a row pass with two transforms and a
// filter between them (inverse, filter, forward: the multislice's transmission step).
// Float FFTs of 2^18 points err by about eps * log2(N) ~ 1e-6 of the largest value at worst (eps =
// 6e-8; Higham, Accuracy and Stability, 2nd ed., section 24.1), so 5e-6 bounds every element; a
// wrong twiddle, index or direction errs by O(1).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <random>
#include <vector>

#include "direct_dft.hpp"
#include "errors.hpp"
#include "phasis/core/array.hpp"
#include "fft/fft512_cuda.cuh"

using namespace phasis;
using cd = std::complex<double>;
using phasis::testing::relative_max_norm;

namespace {

constexpr int N = fft512::kN;

void dft_axis(std::vector<cd>& a, bool columns, bool inverse) { phasis::testing::direct_dft_axis(a, N, columns, inverse); }

__host__ __device__ float filter(int y, int x) { return 1.0f / (1.0f + 0.0003f * float(y * y + 5 * x)); }

struct RecordAndFilter {
  Complex<float>* spectrum;
  __device__ Complex<float> operator()(int64_t image, int y, int x, Complex<float> v) const {
    spectrum[image * N * N + y * N + x] = v;
    return v * filter(y, x);
  }
};

struct RowFilter {
  __device__ Complex<float> operator()(int64_t row, int x, Complex<float> v) const { return v * filter(int(row % N), x); }
};

std::vector<cd> image_of(const Array<Complex<float>>& a, int b) {
  std::vector<cd> out(size_t(N) * N);
  for (size_t i = 0; i < out.size(); ++i) out[i] = {a[b * N * N + int64_t(i)].re, a[b * N * N + int64_t(i)].im};
  return out;
}

Array<Complex<float>> random_images(int images, unsigned seed) {
  Array<Complex<float>> host(Shape{images, N, N});
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  for (int64_t i = 0; i < host.size(); ++i) host[i] = {u(rng), u(rng)};
  return host;
}

}  // namespace

TEST(Fft512Cuda, ForwardFilterInverseAgainstDirectDft) {
  const int images = 2;
  const Array<Complex<float>> host = random_images(images, 9);
  Array<Complex<float>> data = host.to(Memory::device), spectrum(Shape{images, N, N}, Memory::device);
  fft512::rows<false, false, false>(data.data(), images * N, fft512::Keep{});
  fft512::columns<false, true, true>(data.data(), images, RecordAndFilter{spectrum.data()});
  fft512::rows<true, false, false>(data.data(), images * N, fft512::Keep{});
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  const Array<Complex<float>> got_spectrum = spectrum.to(Memory::host), got = data.to(Memory::host);
  for (int b = 0; b < images; ++b) {
    std::vector<cd> ref = image_of(host, b);
    dft_axis(ref, false, false);
    dft_axis(ref, true, false);
    const double e1 = relative_max_norm(image_of(got_spectrum, b), ref);
    for (int y = 0; y < N; ++y)
      for (int x = 0; x < N; ++x) ref[size_t(y) * N + x] *= double(filter(y, x));
    dft_axis(ref, true, true);
    dft_axis(ref, false, true);
    const double e2 = relative_max_norm(image_of(got, b), ref);
    std::printf("image %d: spectrum %.2e, filtered inverse %.2e (relative to the largest value)\n", b, e1, e2);
    EXPECT_LT(e1, 5e-6);
    EXPECT_LT(e2, 5e-6);
  }
}

TEST(Fft512Cuda, RowPassInverseFilterForwardAgainstDirectDft) {
  const int images = 1;
  const Array<Complex<float>> host = random_images(images, 13);
  Array<Complex<float>> data = host.to(Memory::device);
  fft512::rows<true, true, false>(data.data(), images * N, RowFilter{});
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  const Array<Complex<float>> got = data.to(Memory::host);
  std::vector<cd> ref = image_of(host, 0);
  dft_axis(ref, false, true);
  for (int y = 0; y < N; ++y)
    for (int x = 0; x < N; ++x) ref[size_t(y) * N + x] *= double(filter(y, x));
  dft_axis(ref, false, false);
  const double e = relative_max_norm(image_of(got, 0), ref);
  std::printf("row pass: %.2e (relative to the largest value)\n", e);
  EXPECT_LT(e, 5e-6);
}

// Column groups (fft512::RowGroups, the columns' `groups`): the passes read only the columns of
// the groups they are given (the others count as zero), write only those, and leave the rest
// bit for bit as they were.
namespace {

constexpr uint32_t kReadGroups = 0xF00FF0F3u, kWriteGroups = 0x0FF0FF3Cu;

bool in(uint32_t groups, int x) { return groups >> (x / fft512::kGroup) & 1u; }

}  // namespace

TEST(Fft512Cuda, RowPassReadsAndWritesOnlyItsColumnGroups) {
  const Array<Complex<float>> host = random_images(1, 17);
  Array<Complex<float>> data = host.to(Memory::device);
  fft512::rows<true, true, false>(data.data(), N, RowFilter{}, fft512::RowGroups{kReadGroups, kWriteGroups});
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  const Array<Complex<float>> got = data.to(Memory::host);
  std::vector<cd> ref = image_of(host, 0);
  for (int y = 0; y < N; ++y)
    for (int x = 0; x < N; ++x)
      if (!in(kReadGroups, x)) ref[size_t(y) * N + x] = 0;
  dft_axis(ref, false, true);
  for (int y = 0; y < N; ++y)
    for (int x = 0; x < N; ++x) ref[size_t(y) * N + x] *= double(filter(y, x));
  dft_axis(ref, false, false);
  std::vector<cd> written(ref.size()), expected(ref.size());
  int64_t untouched = 0, outside = 0;
  const std::vector<cd> g = image_of(got, 0);
  for (int y = 0; y < N; ++y)
    for (int x = 0; x < N; ++x) {
      const size_t i = size_t(y) * N + x;
      if (in(kWriteGroups, x)) {
        written[i] = g[i], expected[i] = ref[i];
      } else {
        ++outside;
        untouched += got[int64_t(i)].re == host[int64_t(i)].re && got[int64_t(i)].im == host[int64_t(i)].im;
      }
    }
  const double e = relative_max_norm(written, expected);
  std::printf("row pass on column groups: %.2e (relative to the largest value); %lld of %lld others untouched\n", e,
              (long long)untouched, (long long)outside);
  EXPECT_LT(e, 5e-6);
  EXPECT_EQ(untouched, outside);
}

TEST(Fft512Cuda, ColumnPassWorksOnlyOnItsColumnGroups) {
  const int images = 2;
  const Array<Complex<float>> host = random_images(images, 19);
  Array<Complex<float>> data = host.to(Memory::device), spectrum(Shape{images, N, N}, Memory::device);
  spectrum.zero();
  fft512::columns<false, true, true>(data.data(), images, RecordAndFilter{spectrum.data()}, fft512::Stored{}, kReadGroups);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  const Array<Complex<float>> got = data.to(Memory::host);
  for (int b = 0; b < images; ++b) {
    std::vector<cd> ref = image_of(host, b);
    dft_axis(ref, true, false);
    for (int y = 0; y < N; ++y)
      for (int x = 0; x < N; ++x) ref[size_t(y) * N + x] *= double(filter(y, x));
    dft_axis(ref, true, true);
    std::vector<cd> worked(ref.size()), expected(ref.size());
    int64_t untouched = 0, outside = 0;
    const std::vector<cd> g = image_of(got, b);
    for (int y = 0; y < N; ++y)
      for (int x = 0; x < N; ++x) {
        const size_t i = size_t(y) * N + x;
        const int64_t at = int64_t(b) * N * N + int64_t(i);
        if (in(kReadGroups, x)) {
          worked[i] = g[i], expected[i] = ref[i];
        } else {
          ++outside;
          untouched += got[at].re == host[at].re && got[at].im == host[at].im;
        }
      }
    const double e = relative_max_norm(worked, expected);
    std::printf("image %d, column pass on column groups: %.2e; %lld of %lld others untouched\n", b, e,
                (long long)untouched, (long long)outside);
    EXPECT_LT(e, 5e-6);
    EXPECT_EQ(untouched, outside);
  }
}
