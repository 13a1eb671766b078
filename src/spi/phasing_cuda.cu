// Phasing's steps on a GPU (phasing_engine.hpp): cuFFT in double and one kernel per step; the two
// reductions (the error, the blurred maximum) through CUB.
#include <cub/device/device_reduce.cuh>

#include <algorithm>
#include <vector>

#include "cuda_buffer.cuh"
#include "phasing_engine.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/fft/fft.hpp"

namespace phasis::spi::detail {

namespace {
using C = Complex<double>;

__global__ void load_real(const double* rho, int64_t cells, C* f) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < cells) f[i] = {rho[i], 0.0};
}

// The Fourier modulus constraint where measured; e2: each coefficient's squared misfit.
__global__ void impose_amplitudes(C* f, const double* amp, const uint8_t* measured, int64_t cells, double* e2) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= cells) return;
  if (!measured[i]) {
    e2[i] = 0;
    return;
  }
  const double m = sqrt(norm2(f[i]));
  e2[i] = (m - amp[i]) * (m - amp[i]);
  f[i] = m > 0 ? f[i] * (amp[i] / m) : C{amp[i], 0.0};
}

__global__ void real_part(const C* f, int64_t cells, double scale, double* out) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < cells) out[i] = f[i].re * scale;
}

__global__ void hio_step(double* rho, const double* proj, const uint8_t* support, int64_t cells, double beta) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < cells) rho[i] = support[i] && proj[i] >= 0 ? proj[i] : rho[i] - beta * proj[i];
}

__global__ void er_step(double* rho, const double* proj, const uint8_t* support, int64_t cells) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < cells) rho[i] = support[i] ? fmax(proj[i], 0.0) : 0.0;
}

__global__ void filter(C* f, const double* blur, int64_t cells) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < cells) f[i] = f[i] * blur[i];
}

__global__ void threshold_support(const double* blurred, const double* top, double threshold, int64_t cells,
                                  uint8_t* support) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < cells && *top > 0) support[i] = blurred[i] > threshold * *top;
}

class CudaPhasing final : public PhasingEngine {
 public:
  CudaPhasing(int device, int64_t n) : device_(device), cells_(n * n * n), plan_(dims_on(device, n), 1) {
    f_.resize(cells_), amp_.resize(cells_), blur_.resize(cells_), rho_.resize(cells_), proj_.resize(cells_);
    work_.resize(cells_), measured_.resize(cells_), support_.resize(cells_), result_.resize(1);
    size_t bytes_sum = 0, bytes_max = 0;
    cub::DeviceReduce::Sum(nullptr, bytes_sum, work_.p, result_.p, cells_);
    cub::DeviceReduce::Max(nullptr, bytes_max, work_.p, result_.p, cells_);
    temp_bytes_ = std::max(bytes_sum, bytes_max);
    temp_.resize(temp_bytes_);
  }
  void load(const std::vector<double>& amp, const std::vector<uint8_t>& measured, const std::vector<double>& blur,
            const std::vector<double>& rho, const std::vector<uint8_t>& support) override {
    set(device_);
    amp_.upload(amp.data(), cells_), measured_.upload(measured.data(), cells_), blur_.upload(blur.data(), cells_);
    rho_.upload(rho.data(), cells_), support_.upload(support.data(), cells_);
  }
  double modulus(bool error) override {
    const unsigned g = blocks(cells_);
    load_real<<<g, 256>>>(rho_.p, cells_, f_.p);
    plan_.forward(f_.p);
    impose_amplitudes<<<g, 256>>>(f_.p, amp_.p, measured_.p, cells_, work_.p);
    plan_.inverse(f_.p);
    real_part<<<g, 256>>>(f_.p, cells_, 1.0 / double(cells_), proj_.p);
    cuda_check(cudaGetLastError(), "spi phasing: modulus");
    if (!error) return 0;
    size_t bytes = temp_bytes_;
    cuda_check(cub::DeviceReduce::Sum(temp_.p, bytes, work_.p, result_.p, cells_), "spi phasing: error sum");
    double e2 = 0;
    result_.download(&e2, 1);
    return e2;
  }
  void hio(double beta) override { hio_step<<<blocks(cells_), 256>>>(rho_.p, proj_.p, support_.p, cells_, beta); }
  void er() override { er_step<<<blocks(cells_), 256>>>(rho_.p, proj_.p, support_.p, cells_); }
  void shrinkwrap(double threshold) override {
    const unsigned g = blocks(cells_);
    load_real<<<g, 256>>>(rho_.p, cells_, f_.p);
    plan_.forward(f_.p);
    filter<<<g, 256>>>(f_.p, blur_.p, cells_);  // blur holds the 1/n^3
    plan_.inverse(f_.p);
    real_part<<<g, 256>>>(f_.p, cells_, 1.0, work_.p);
    size_t bytes = temp_bytes_;
    cuda_check(cub::DeviceReduce::Max(temp_.p, bytes, work_.p, result_.p, cells_), "spi phasing: blurred maximum");
    threshold_support<<<g, 256>>>(work_.p, result_.p, threshold, cells_, support_.p);
    cuda_check(cudaGetLastError(), "spi phasing: shrink-wrap");
  }
  void store(std::vector<double>& rho, std::vector<uint8_t>& support) override {
    rho.resize(cells_), support.resize(cells_);
    rho_.download(rho.data(), cells_), support_.download(support.data(), cells_);
  }

 private:
  static void set(int device) { cuda_check(cudaSetDevice(device), "spi phasing: cudaSetDevice"); }
  // The plan's dimensions, with `device` made current first (the plan is made on it).
  static std::vector<int> dims_on(int device, int64_t n) {
    set(device);
    return {int(n), int(n), int(n)};
  }
  int device_;
  int64_t cells_;
  CufftPlan<double> plan_;
  Buffer<C> f_;
  Buffer<double> amp_, blur_, rho_, proj_, work_, result_;
  Buffer<uint8_t> measured_, support_, temp_;
  size_t temp_bytes_ = 0;
};
}  // namespace

std::unique_ptr<PhasingEngine> make_cuda_phasing(int device, int64_t n) { return std::make_unique<CudaPhasing>(device, n); }

}  // namespace phasis::spi::detail
