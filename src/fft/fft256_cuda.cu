// fft256::twiddles(): the forward twiddle table of fft256_cuda.cuh, one per device.
#include <cmath>
#include <mutex>
#include <numbers>
#include <string>
#include <vector>

#include "phasis/core/error.hpp"
#include "phasis/fft/fft256_cuda.cuh"

namespace phasis::fft256 {

const C* twiddles() {
  constexpr int kDevices = 64;
  static C* table[kDevices] = {};
  static std::mutex mutex;
  int device = 0;
  if (cudaGetDevice(&device) != cudaSuccess || device < 0 || device >= kDevices)
    throw DeviceError("fft256: expected a current CUDA device below " + std::to_string(kDevices));
  std::lock_guard<std::mutex> lock(mutex);
  if (!table[device]) {
    std::vector<C> host(kN);
    for (int m = 0; m < kN; ++m) {
      const double a = -2.0 * std::numbers::pi * m / kN;
      host[m] = C(float(std::cos(a)), float(std::sin(a)));
    }
    C* dev = nullptr;
    cudaError_t e = cudaMalloc(&dev, kN * sizeof(C));
    if (e == cudaSuccess) e = cudaMemcpy(dev, host.data(), kN * sizeof(C), cudaMemcpyHostToDevice);
    if (e != cudaSuccess) throw DeviceError(std::string("fft256: twiddle table: ") + cudaGetErrorString(e));
    table[device] = dev;  // kept for the process: 2 KiB per device
  }
  return table[device];
}

}  // namespace phasis::fft256
