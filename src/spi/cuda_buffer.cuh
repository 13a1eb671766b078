// What SPI's CUDA files share: a device buffer freed on scope exit and a grid-size helper.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/cuda_check.hpp"

namespace phasis::spi::detail {

// Device buffer of T that only grows; freed on scope exit.
template <class T>
struct Buffer {
  T* p = nullptr;
  size_t n = 0;
  Buffer() = default;
  explicit Buffer(size_t count) { resize(count); }
  ~Buffer() { cudaFree(p); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  void resize(size_t count) {
    if (count <= n) return;
    cudaFree(p);
    p = nullptr;
    n = 0;
    cuda_check(cudaMalloc(&p, count * sizeof(T)), "spi: cudaMalloc of " + std::to_string(count * sizeof(T)) + " bytes");
    n = count;
  }
  void upload(const T* src, size_t count) {
    resize(count);
    cuda_check(cudaMemcpy(p, src, count * sizeof(T), cudaMemcpyHostToDevice), "spi: upload");
  }
  void download(T* dst, size_t count) const {
    cuda_check(cudaMemcpy(dst, p, count * sizeof(T), cudaMemcpyDeviceToHost), "spi: download");
  }
};

inline unsigned blocks(int64_t n, int threads = 256) { return unsigned((n + threads - 1) / threads); }

}  // namespace phasis::spi::detail
