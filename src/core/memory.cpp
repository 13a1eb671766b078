// Host allocation and the host-only build of the device memory functions. With CUDA, the
// pinned and device branches are routed to memory_cuda.cu.
#include <cstdlib>
#include <cstring>
#include <string>

#include "phasis/core/array.hpp"

namespace phasis {

#if PHASIS_HAVE_CUDA
namespace cuda_memory {
void* allocate(std::size_t bytes, Memory m);
void free(void* p, Memory m) noexcept;
void copy(void* dst, const void* src, std::size_t bytes);
void zero(void* p, std::size_t bytes);
bool available();
int device_count();
void use_device(int device);
int64_t free_bytes();
}  // namespace cuda_memory
#endif

const char* to_string(Memory m) {
  switch (m) {
    case Memory::host: return "host";
    case Memory::pinned: return "pinned host";
    case Memory::device: return "device";
  }
  return "?";
}

void* allocate_bytes(std::size_t bytes, Memory m) {
  if (bytes == 0) return nullptr;
  if (m == Memory::host) {
    std::size_t rounded = (bytes + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, rounded);
    if (!p) throw InputError("out of host memory: could not allocate " + std::to_string(bytes) + " bytes");
    return p;
  }
#if PHASIS_HAVE_CUDA
  return cuda_memory::allocate(bytes, m);
#else
  throw DeviceError(std::string("cannot allocate ") + to_string(m) + " memory: phasis was built without CUDA");
#endif
}

void free_bytes(void* p, Memory m) noexcept {
  if (!p) return;
  if (m == Memory::host) {
    std::free(p);
    return;
  }
#if PHASIS_HAVE_CUDA
  cuda_memory::free(p, m);
#endif
}

void copy_bytes(void* dst, Memory dst_mem, const void* src, Memory src_mem, std::size_t bytes) {
  if (bytes == 0) return;
  if (dst_mem != Memory::device && src_mem != Memory::device) {
    std::memcpy(dst, src, bytes);
    return;
  }
#if PHASIS_HAVE_CUDA
  cuda_memory::copy(dst, src, bytes);
#else
  throw DeviceError("device copy requested but phasis was built without CUDA");
#endif
}

void zero_bytes(void* p, Memory m, std::size_t bytes) {
  if (bytes == 0) return;
  if (m != Memory::device) {
    std::memset(p, 0, bytes);
    return;
  }
#if PHASIS_HAVE_CUDA
  cuda_memory::zero(p, bytes);
#endif
}

bool cuda_available() {
#if PHASIS_HAVE_CUDA
  return cuda_memory::available();
#else
  return false;
#endif
}

int64_t device_free_bytes() {
#if PHASIS_HAVE_CUDA
  return cuda_memory::free_bytes();
#else
  return 0;
#endif
}

int cuda_device_count() {
#if PHASIS_HAVE_CUDA
  return cuda_memory::device_count();
#else
  return 0;
#endif
}

void cuda_use_device(int device) {
#if PHASIS_HAVE_CUDA
  cuda_memory::use_device(device);
#else
  throw DeviceError("device cuda: this phasis was built without CUDA; found a request for GPU " + std::to_string(device));
#endif
}

}  // namespace phasis
