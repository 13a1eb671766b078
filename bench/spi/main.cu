// bench_spi: one M-TIP generation's steps on the GPU against the floors measured in the same run.
//   slicing:  reference points interpolated per second (slice_and_match_cuda with one image, so
//             the GEMM is negligible) against the NUFFT's own interpolation of as many points
//   matching: the GEMM rate achieved inside slice_and_match_cuda (time with N images minus time
//             with one) against cuBLAS's sgemm on the same shape in a tight loop (its peak here)
//   merging:  the type-1 sums of N images, and one CG iteration (ToeplitzOperator on the host,
//             5 lambdas) against one host FFT of the (2n)^3 grid
//   bench_spi [images=10000] [references=10000] [pixels=16384] [grid=48]
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "phasis/fft/fft.hpp"
#include "phasis/spi/merging.hpp"
#include "phasis/spi/orientations.hpp"
#include "phasis/spi/phasing.hpp"
#include "spi/mtip_steps.hpp"

using namespace phasis;
using namespace phasis::spi;

namespace {
double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
}

int main(int argc, char** argv) {
  const int64_t images = argc > 1 ? std::atoll(argv[1]) : 10000, refs = argc > 2 ? std::atoll(argv[2]) : 10000;
  const int64_t pixels = argc > 3 ? std::atoll(argv[3]) : 16384, n = argc > 4 ? std::atoll(argv[4]) : 48;
  // A detector-like shell of pixels within the band |s| < 1 / (2 h), and a blob model.
  const double h = 3.0, smax = 0.95 / (2 * h);
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(-1, 1);
  SpiImages im;
  im.count = images, im.pixels = pixels;
  for (int64_t j = 0; j < pixels; ++j) {
    const double x = u(rng) * smax * 0.7, y = u(rng) * smax * 0.7;
    im.sx.push_back(x), im.sy.push_back(y), im.sz.push_back(-(x * x + y * y) * 0.5);
  }
  im.intensities.resize(images * pixels);
  for (auto& v : im.intensities) v = float(1 + u(rng));
  std::vector<double> blob(n * n * n);
  for (int64_t z = 0; z < n; ++z)
    for (int64_t y = 0; y < n; ++y)
      for (int64_t x = 0; x < n; ++x) {
        const double dx = x - n / 2.0, dy = (y - n / 2.0) * 1.3, dz = (z - n / 2.0) * 1.7;
        blob[(z * n + y) * n + x] = std::exp(-(dx * dx + dy * dy + dz * dz) / 30);
      }
  const auto model = autocorrelation_of(blob, n, h);
  const int64_t batch = 1024;

  // cuBLAS's peak on the matching shape.
  float *a, *b, *c;
  cudaMalloc(&a, sizeof(float) * batch * pixels), cudaMalloc(&b, sizeof(float) * images * pixels);
  cudaMalloc(&c, sizeof(float) * batch * images);
  cudaMemset(a, 0, sizeof(float) * batch * pixels), cudaMemset(b, 0, sizeof(float) * images * pixels);
  cublasHandle_t handle;
  cublasCreate(&handle);
  const float one = 1, zero = 0;
  for (int w = 0; w < 3; ++w)
    cublasSgemm(handle, CUBLAS_OP_T, CUBLAS_OP_N, int(batch), int(images), int(pixels), &one, a, int(pixels), b, int(pixels), &zero, c, int(batch));
  cudaDeviceSynchronize();
  const int reps = 10;
  double t0 = now();
  for (int r = 0; r < reps; ++r)
    cublasSgemm(handle, CUBLAS_OP_T, CUBLAS_OP_N, int(batch), int(images), int(pixels), &one, a, int(pixels), b, int(pixels), &zero, c, int(batch));
  cudaDeviceSynchronize();
  const double peak = 2.0 * batch * images * pixels * reps / (now() - t0);
  cublasDestroy(handle);
  cudaFree(a), cudaFree(b), cudaFree(c);

  // Slicing alone (one image) and slicing + matching (all images).
  SpiImages single = im;
  single.count = 1;
  single.intensities.resize(pixels);
  detail::slice_and_match_cuda(0, model, n, h, 1e-4, single, batch, batch, Score::euclidean);  // warm-up
  t0 = now();
  detail::slice_and_match_cuda(0, model, n, h, 1e-4, single, refs, batch, Score::euclidean);
  const double t_slice = now() - t0;
  t0 = now();
  detail::slice_and_match_cuda(0, model, n, h, 1e-4, im, refs, batch, Score::euclidean);
  const double t_match = now() - t0;
  const double gemm_rate = 2.0 * images * refs * pixels / std::max(t_match - t_slice, 1e-9);

  // Merge sums on the GPU, one CG iteration and one FFT of the (2n)^3 grid on the host.
  std::vector<Rotation> rot = reference_rotations(0, images, images);
  t0 = now();
  const MergeSums sums = detail::merge_sums_cuda(0, n, h, 1e-9, im, rot, 1000);
  const double t_sums = now() - t0;
  ToeplitzOperator op(sums, 5);
  std::vector<double> x(5 * n * n * n, 1.0), y(x.size());
  op.apply(x.data(), y.data());
  t0 = now();
  for (int r = 0; r < 3; ++r) op.apply(x.data(), y.data());
  const double t_cg = (now() - t0) / 3;
  const int n2 = int(2 * n);
  FftwPlan<double> fft({n2, n2, n2}, 1);
  std::vector<Complex<double>> grid(size_t(n2) * n2 * n2, Complex<double>{1, 0});
  fft.forward(grid.data());
  t0 = now();
  for (int r = 0; r < 3; ++r) fft.forward(grid.data());
  const double t_fft = (now() - t0) / 3;

  std::printf("bench_spi: %lld images x %lld references x %lld pixels, grid %lld^3\n", (long long)images,
              (long long)refs, (long long)pixels, (long long)n);
  std::printf("| step | measured | floor | ratio |\n|---|---|---|---|\n");
  std::printf("| slicing | %.3g points/s (%.3f s) | | |\n", double(refs) * pixels / t_slice, t_slice);
  std::printf("| matching GEMM | %.3g TFLOP/s | cuBLAS sgemm %.3g TFLOP/s | %.2f |\n", gemm_rate / 1e12, peak / 1e12,
              gemm_rate / peak);
  std::printf("| slicing + matching | %.3f s | | |\n", t_match);
  std::printf("| merge sums (GPU, double) | %.3f s | | |\n", t_sums);
  std::printf("| CG iteration, 5 lambdas (host) | %.3f s | one %d^3 FFT %.3f s | %.1f FFTs |\n", t_cg, n2, t_fft, t_cg / t_fft);
  return 0;
}
