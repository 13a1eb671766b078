// fft_radix::device_twiddles (fft_radix_cuda.cuh): one forward twiddle table per device and size.
#include <cmath>
#include <map>
#include <mutex>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include "phasis/core/error.hpp"
#include "fft/fft_radix_cuda.cuh"

namespace phasis::fft_radix {

const C* device_twiddles(int n) {
  static std::map<std::pair<int, int>, C*> tables;  // (device, n) -> table; kept for the process
  static std::mutex mutex;
  int device = 0;
  if (cudaGetDevice(&device) != cudaSuccess) throw DeviceError("fft twiddles: no current CUDA device");
  std::lock_guard<std::mutex> lock(mutex);
  C*& table = tables[{device, n}];
  if (!table) {
    std::vector<C> host(n);
    for (int m = 0; m < n; ++m) {
      const double a = -2.0 * std::numbers::pi * m / n;
      host[m] = C(float(std::cos(a)), float(std::sin(a)));
    }
    C* dev = nullptr;
    cudaError_t e = cudaMalloc(&dev, n * sizeof(C));
    if (e == cudaSuccess) e = cudaMemcpy(dev, host.data(), n * sizeof(C), cudaMemcpyHostToDevice);
    if (e != cudaSuccess) {
      if (dev) cudaFree(dev);
      throw DeviceError(std::string("fft twiddles: ") + cudaGetErrorString(e));
    }
    table = dev;
  }
  return table;
}

}  // namespace phasis::fft_radix
