// bench_spi: one M-TIP generation on the GPU, step by step, against floors measured in the same run.
//   slicing:  reference points interpolated per second (an engine holding one image, so the GEMM
//             is negligible)
//   matching: the GEMM rate achieved inside slice_and_match (time with N images minus time with
//             one, both engines warm: the images already scaled on the GPU, as in every generation
//             after the first) against cuBLAS's sgemm on the same shape in a tight loop (its peak)
//   merging:  the type-1 sums of N images (float NUFFT, the default tolerance), and one CG
//             iteration (5 lambdas, Toeplitz operator on cuFFT) against cuFFT's time for the same
//             batched (2n)^3 forward + inverse transforms
//   phasing:  the default cycles on the GPU against cuFFT's time for their n^3 transforms
//   generation: a whole generation inside reconstruct() (generation 1 of 2, full q-range, started
//             from the true orientations so that its matching and merge see a converged run's)
//   bench_spi [images=10000] [references=10000] [pixels=16384] [grid=48] [steps|generation|all] [merge batch=1024]
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "phasis/fft/fft.hpp"
#include "phasis/nufft/nufft.hpp"
#include "phasis/spi/geometry.hpp"
#include "phasis/spi/merging.hpp"
#include "phasis/spi/mtip.hpp"
#include "phasis/spi/orientations.hpp"
#include "phasis/spi/phasing.hpp"
#include "spi/mtip_steps.hpp"
#include "spi/orientation_groups.hpp"

using namespace phasis;
using namespace phasis::spi;

namespace {
double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// Median-free, simple timing of `f` after one warm-up call: mean of `reps` calls.
template <class F>
double seconds(int reps, F&& f) {
  f();
  cudaDeviceSynchronize();
  const double t0 = now();
  for (int r = 0; r < reps; ++r) f();
  cudaDeviceSynchronize();
  return (now() - t0) / reps;
}

// The images as slices of `model` (the autocorrelation) at random orientations, floored at zero,
// computed by the CUDA type-2 NUFFT: matching then spreads them over the references as real data
// do (random images would all match a few references, and the merge would spread onto a few
// identical point sets, a worst case of atomic contention that real data never are).
void slice_images(const std::vector<double>& model, int64_t n, double h, SpiImages& im) {
  nufft::Options o;
  o.device = Device::cuda(0);
  nufft::Plan<float> plan(nufft::Type::type2, {n, n, n}, +1, 1e-4, 1, o);
  const double h3 = h * h * h, scale = 2 * 3.141592653589793 * h;
  std::vector<Complex<float>> f(model.size());
  for (size_t i = 0; i < f.size(); ++i) f[i] = {float(model[i] * h3), 0.0f};
  Complex<float>* df;
  cudaMalloc(&df, f.size() * sizeof(Complex<float>));
  cudaMemcpy(df, f.data(), f.size() * sizeof(Complex<float>), cudaMemcpyHostToDevice);
  plan.prepare_uniform(df);
  cudaDeviceSynchronize();
  cudaFree(df);
  const int64_t m = im.pixels, batch = 1024;
  const std::vector<Rotation> rot = random_rotations(im.count, 7);
  std::vector<float> x(batch * m), y(batch * m), z(batch * m);
  std::vector<Complex<float>> c(batch * m);
  float *dx, *dy, *dz;
  Complex<float>* dc;
  cudaMalloc(&dx, x.size() * 4), cudaMalloc(&dy, y.size() * 4), cudaMalloc(&dz, z.size() * 4);
  cudaMalloc(&dc, c.size() * sizeof(Complex<float>));
  for (int64_t i0 = 0; i0 < im.count; i0 += batch) {
    const int64_t k = std::min(batch, im.count - i0);
#pragma omp parallel for
    for (int64_t i = 0; i < k; ++i) {
      const Rotation& R = rot[i0 + i];
      for (int64_t j = 0; j < m; ++j) {  // R^T s, as rotate_points
        const double a = im.sx[j], b = im.sy[j], cc = im.sz[j];
        x[i * m + j] = float(scale * (R[0] * a + R[3] * b + R[6] * cc));
        y[i * m + j] = float(scale * (R[1] * a + R[4] * b + R[7] * cc));
        z[i * m + j] = float(scale * (R[2] * a + R[5] * b + R[8] * cc));
      }
    }
    cudaMemcpy(dx, x.data(), k * m * 4, cudaMemcpyHostToDevice), cudaMemcpy(dy, y.data(), k * m * 4, cudaMemcpyHostToDevice);
    cudaMemcpy(dz, z.data(), k * m * 4, cudaMemcpyHostToDevice);
    plan.set_points(k * m, dx, dy, dz);
    plan.interpolate(dc);
    cudaMemcpy(c.data(), dc, k * m * sizeof(Complex<float>), cudaMemcpyDeviceToHost);
#pragma omp parallel for
    for (int64_t i = 0; i < k * m; ++i) im.intensities[i0 * m + i] = std::max(c[i].re, 0.0f);
  }
  cudaFree(dx), cudaFree(dy), cudaFree(dz), cudaFree(dc);
}

// cuFFT's time for `batch` forward + inverse double transforms of dims^3.
double cufft_pair(int dims, int batch) {
  CufftPlan<double> plan({dims, dims, dims}, batch);
  Complex<double>* d;
  const size_t count = size_t(batch) * dims * dims * dims;
  cudaMalloc(&d, count * sizeof(Complex<double>));
  cudaMemset(d, 0, count * sizeof(Complex<double>));
  const double t = seconds(10, [&] { plan.forward(d), plan.inverse(d); });
  cudaFree(d);
  return t;
}

// Where the merge's sums spend their time: one merge batch of its points (the images' pixels at
// their orientations, crowding the origin where every Ewald sphere passes), the type-1 plan's
// set_points (the bin sort) and execute (spreading, FFT, deconvolution) timed apart, for each
// spreading method.
void merge_breakdown(const SpiImages& im, const std::vector<Rotation>& rot, int64_t n, double h, double tol,
                     int64_t k) {
  const int64_t m = im.pixels, pts = k * m, n2 = 2 * n;
  const double scale = 2 * std::numbers::pi * h;
  std::vector<float> hx(pts), hy(pts), hz(pts);
  for (int64_t r = 0; r < k; ++r)
    for (int64_t j = 0; j < m; ++j) {
      const auto& R = rot[size_t(r)];
      const double a = im.sx[j], b = im.sy[j], c = im.sz[j];
      hx[r * m + j] = float(scale * (R[0] * a + R[3] * b + R[6] * c));
      hy[r * m + j] = float(scale * (R[1] * a + R[4] * b + R[7] * c));
      hz[r * m + j] = float(scale * (R[2] * a + R[5] * b + R[8] * c));
    }
  float *dx, *dy, *dz;
  Complex<float>*dc, *df;
  cudaMalloc(&dx, pts * 4), cudaMalloc(&dy, pts * 4), cudaMalloc(&dz, pts * 4);
  cudaMalloc(&dc, pts * sizeof(Complex<float>)), cudaMalloc(&df, n2 * n2 * n2 * sizeof(Complex<float>));
  cudaMemcpy(dx, hx.data(), pts * 4, cudaMemcpyHostToDevice), cudaMemcpy(dy, hy.data(), pts * 4, cudaMemcpyHostToDevice);
  cudaMemcpy(dz, hz.data(), pts * 4, cudaMemcpyHostToDevice);
  std::vector<Complex<float>> ones(pts, Complex<float>{1.0f, 0.5f});
  cudaMemcpy(dc, ones.data(), pts * sizeof(Complex<float>), cudaMemcpyHostToDevice);
  for (nufft::Spread method : {nufft::Spread::automatic, nufft::Spread::shared, nufft::Spread::global}) {
    nufft::Options o;
    o.device = Device::cuda(0);
    o.fft_order = true;
    o.spread = method;
    nufft::Plan<float> plan(nufft::Type::type1, {n2, n2, n2}, -1, tol, 1, o);
    const double t_set = seconds(3, [&] { plan.set_points(pts, dx, dy, dz); });
    const double t_exec = seconds(3, [&] { plan.execute(dc, df); });
    std::printf("| merge batch of %lld images (%.3g points), spreading %s (w %d, fine %lld^3) | set_points %.4f s, "
                "execute %.4f s (%.3g points/s) | | |\n",
                (long long)k, double(pts), plan.spread_method(), plan.kernel_width(), (long long)plan.fine_grid()[0],
                t_set, t_exec, double(pts) / (t_set + t_exec));
  }
  cudaFree(dx), cudaFree(dy), cudaFree(dz), cudaFree(dc), cudaFree(df);
}
}  // namespace

int main(int argc, char** argv) {
  const int64_t images = argc > 1 ? std::atoll(argv[1]) : 10000, refs = argc > 2 ? std::atoll(argv[2]) : 10000;
  const int64_t pixels = argc > 3 ? std::atoll(argv[3]) : 16384, n = argc > 4 ? std::atoll(argv[4]) : 48;
  const std::string what = argc > 5 ? argv[5] : "all";
  const int64_t merge_batch = argc > 6 ? std::atoll(argv[6]) : 1024;  // images per merge transform in the generation
  const bool steps = what != "generation", generation = what != "steps";
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
  std::vector<double> blob(n * n * n);
  for (int64_t z = 0; z < n; ++z)
    for (int64_t y = 0; y < n; ++y)
      for (int64_t x = 0; x < n; ++x) {
        const double dx = x - n / 2.0, dy = (y - n / 2.0) * 1.3, dz = (z - n / 2.0) * 1.7;
        blob[(z * n + y) * n + x] = std::exp(-(dx * dx + dy * dy + dz * dz) / 30) +
                                    0.6 * std::exp(-((dx - 4) * (dx - 4) + (dy + 3) * (dy + 3) + dz * dz) / 6);
      }
  const auto model = autocorrelation_of(blob, n, h);
  im.intensities.resize(images * pixels);
  const double t_images = now();
  slice_images(model, n, h, im);
  std::printf("(images: %lld slices of the model at random orientations, made in %.1f s)\n", (long long)images,
              now() - t_images);
  const MtipSettings defaults;
  const int64_t batch = 1024;
  std::printf("bench_spi: %lld images x %lld references x %lld pixels, grid %lld^3\n", (long long)images,
              (long long)refs, (long long)pixels, (long long)n);
  std::printf("| step | measured | floor (same run) | ratio |\n|---|---|---|---|\n");

  if (steps) {
    // cuBLAS's peak on the matching shape.
    float *a, *b, *c;
    cudaMalloc(&a, sizeof(float) * batch * pixels), cudaMalloc(&b, sizeof(float) * images * pixels);
    cudaMalloc(&c, sizeof(float) * batch * images);
    cudaMemset(a, 0, sizeof(float) * batch * pixels), cudaMemset(b, 0, sizeof(float) * images * pixels);
    cublasHandle_t handle;
    cublasCreate(&handle);
    const float one = 1, zero = 0;
    const double t_gemm = seconds(10, [&] {
      cublasSgemm(handle, CUBLAS_OP_T, CUBLAS_OP_N, int(batch), int(images), int(pixels), &one, a, int(pixels), b,
                  int(pixels), &zero, c, int(batch));
    });
    const double peak = 2.0 * batch * images * pixels / t_gemm;
    cublasDestroy(handle);
    cudaFree(a), cudaFree(b), cudaFree(c);

    // Slicing alone (one image) and slicing + matching (all images), engines warm.
    SpiImages single = im;
    single.count = 1;
    single.intensities.resize(pixels);
    auto one_image = detail::make_cuda_engine(0, single);
    auto all_images = detail::make_cuda_engine(0, im);
    const double tol = defaults.slicing_tolerance;
    const double t_slice = seconds(2, [&] { one_image->slice_and_match(model, n, h, tol, {}, refs, batch, Score::euclidean); });
    const double t_match = seconds(2, [&] { all_images->slice_and_match(model, n, h, tol, {}, refs, batch, Score::euclidean); });
    const double gemm_rate = 2.0 * images * refs * pixels / std::max(t_match - t_slice, 1e-9);
    // The NUFFT's own rate on as many points per call (one reference batch's worth), uniform in
    // [-pi, pi)^3: set_points + interpolate, the floor that slicing's rotation and scaling add to.
    double t_nufft = 0;
    {
      nufft::Options o;
      o.device = Device::cuda(0);
      nufft::Plan<float> plan(nufft::Type::type2, {n, n, n}, +1, tol, 1, o);
      std::vector<Complex<float>> f(n * n * n, Complex<float>{1.0f, 0.0f});
      const int64_t pts = batch * pixels;
      std::vector<float> hx(pts), hy(pts), hz(pts);
      std::uniform_real_distribution<float> w(-3.14159f, 3.14159f);
      for (int64_t i = 0; i < pts; ++i) hx[i] = w(rng), hy[i] = w(rng), hz[i] = w(rng);
      float *dx, *dy, *dz;
      Complex<float>*df, *dc;
      cudaMalloc(&dx, pts * 4), cudaMalloc(&dy, pts * 4), cudaMalloc(&dz, pts * 4);
      cudaMalloc(&df, f.size() * sizeof(Complex<float>)), cudaMalloc(&dc, pts * sizeof(Complex<float>));
      cudaMemcpy(dx, hx.data(), pts * 4, cudaMemcpyHostToDevice), cudaMemcpy(dy, hy.data(), pts * 4, cudaMemcpyHostToDevice);
      cudaMemcpy(dz, hz.data(), pts * 4, cudaMemcpyHostToDevice);
      cudaMemcpy(df, f.data(), f.size() * sizeof(Complex<float>), cudaMemcpyHostToDevice);
      plan.prepare_uniform(df);
      t_nufft = seconds(5, [&] { plan.set_points(pts, dx, dy, dz), plan.interpolate(dc); });
      cudaFree(dx), cudaFree(dy), cudaFree(dz), cudaFree(df), cudaFree(dc);
    }
    const double nufft_rate = double(batch) * pixels / t_nufft, slice_rate = double(refs) * pixels / t_slice;
    std::printf("| slicing | %.3g points/s (%.3f s) | NUFFT set_points + interpolate %.3g points/s | %.2f |\n", slice_rate,
                t_slice, nufft_rate, slice_rate / nufft_rate);
    std::printf("| matching GEMM | %.3g TFLOP/s | cuBLAS sgemm %.3g TFLOP/s | %.2f |\n", gemm_rate / 1e12, peak / 1e12,
                gemm_rate / peak);
    std::printf("| slicing + matching | %.3f s | | |\n", t_match);

    // Merge sums, CG iterations and the Toeplitz operator.
    const std::vector<Rotation> rot = random_rotations(images, 7);  // the images' own
    MergeSums sums;
    const double t_sums = seconds(1, [&] {
      sums = all_images->merge_sums(n, h, defaults.merging_tolerance, {}, rot, defaults.image_batch * 4);
    });
    std::printf("| merge sums (float NUFFT, tolerance %.0e, batches of 1024 images) | %.3f s (%.3g points/s) | | |\n",
                defaults.merging_tolerance, t_sums, double(images) * pixels / t_sums);
    const double t_sums_large = seconds(1, [&] {
      sums = all_images->merge_sums(n, h, defaults.merging_tolerance, {}, rot, 4096);
    });
    std::printf("| merge sums, batches of 4096 images | %.3f s (%.3g points/s) | | |\n", t_sums_large,
                double(images) * pixels / t_sums_large);
    // As matching leaves them: each image at one of the references (drawn at random), so that
    // images sharing a reference are added before spreading (src/spi/orientation_groups.hpp).
    std::vector<Rotation> matched(images);
    {
      const std::vector<Rotation> grid = reference_rotations(0, refs, refs);
      std::uniform_int_distribution<int64_t> pick(0, refs - 1);
      for (auto& r : matched) r = grid[size_t(pick(rng))];
    }
    const double t_matched = seconds(1, [&] {
      sums = all_images->merge_sums(n, h, defaults.merging_tolerance, {}, matched, defaults.image_batch * 4);
    });
    std::printf("| merge sums, images at reference orientations (%lld distinct of %lld) | %.3f s (%.3g image points/s) | | |\n",
                (long long)detail::group_orientations(matched).count(), (long long)images, t_matched,
                double(images) * pixels / t_matched);
    merge_breakdown(im, rot, n, h, defaults.merging_tolerance, defaults.image_batch * 4);
    ToeplitzOperator op(sums, 5, Device::cuda(0));
    std::vector<double> x(5 * n * n * n, 1.0), y(x.size());
    const double t_apply = seconds(5, [&] { op.apply(x.data(), y.data()); });
    const double t_pair = cufft_pair(int(2 * n), 5);
    std::printf("| Toeplitz apply, 5 lambdas (GPU, host vectors) | %.4f s | cuFFT 5 x %lld^3 forward + inverse %.4f s | %.2f |\n",
                t_apply, (long long)(2 * n), t_pair, t_pair / t_apply);
    MergeSettings ms;
    ms.device = Device::cuda(0);
    MergeSolution sol;
    const double t_merge = seconds(1, [&] { sol = merge(sums, {}, ms); });
    int most = 0;
    for (int it : sol.iterations) most = std::max(most, it);
    std::printf("| merge: CG, 5 lambdas, %d iterations | %.3f s (%.4f s per iteration) | | |\n", most, t_merge,
                t_merge / std::max(most + 2, 1));
    PhasingSettings ps;
    ps.device = Device::cuda(0);
    const double t_phase = seconds(1, [&] { phase(sol.autocorrelation, n, h, ps); });
    const int iterations = ps.cycles * (ps.hio_iterations + ps.er_iterations);
    const double t_small = cufft_pair(int(n), 1);
    std::printf("| phasing, %d cycles (%d iterations, GPU) | %.3f s (%.3g ms per iteration) | cuFFT %lld^3 forward + inverse %.3g ms | %.2f |\n",
                ps.cycles, iterations, t_phase, 1e3 * t_phase / iterations, (long long)n, 1e3 * t_small,
                t_small * iterations / t_phase);
  }

  if (generation) {
    MtipSettings s;
    s.device = Device::cuda(0);
    s.generations = 2, s.references = refs, s.grid = n, s.voxel = h, s.resolution_start = 1;
    s.reference_batch = batch, s.image_batch = merge_batch;
    s.initial_orientations = random_rotations(images, 7);  // the true ones: generation 1 matches as in a converged run
    const double t0 = now();
    const MtipResult r = reconstruct(im, s);
    const double total = now() - t0;
    const GenerationMetrics& g = r.generations.back();
    const double whole = g.seconds_slicing_matching + g.seconds_merging + g.seconds_phasing;
    std::printf("| generation (%lld x %lld): slicing + matching | %.3f s | | |\n", (long long)images, (long long)refs,
                g.seconds_slicing_matching);
    std::printf("| generation: merge (sums + CG, %d iterations) | %.3f s | | |\n", g.cg_iterations, g.seconds_merging);
    std::printf("| generation: phasing (%d cycles) | %.3f s | | |\n", s.phasing.cycles, g.seconds_phasing);
    std::printf("| **one generation** | **%.3f s** | target 1 s | |\n", whole);
    std::printf("(reconstruct() of 2 generations took %.1f s, with the upload and generation 0)\n", total);
  }
  return 0;
}
