// Owning arrays on host, pinned host and device memory, and non-owning strided views.
// Naming: a buffer's memory kind is part of its type's value (Array::memory()), so the same solver
// template holds device buffers under the CUDA backend and host buffers under the CPU backend.
#pragma once

#include <cstddef>
#include <memory>

#include "phasis/core/error.hpp"  // for InternalError
#include "phasis/core/shape.hpp"  // for Shape

namespace phasis {

enum class Memory { host, pinned, device };
const char* to_string(Memory m);

/// Raw allocation in any memory kind; host memory is 64-byte aligned (FFTW's SIMD needs 16).
void* allocate_bytes(std::size_t bytes, Memory m);
void free_bytes(void* p, Memory m) noexcept;
/// memcpy between any two memory kinds (cudaMemcpy when either side is on the device).
void copy_bytes(void* dst, Memory dst_mem, const void* src, Memory src_mem, std::size_t bytes);
/// Sets bytes to zero in any memory kind.
void zero_bytes(void* p, Memory m, std::size_t bytes);
/// True when this build has CUDA and at least one device is visible.
bool cuda_available();
/// Free memory of the current CUDA device in bytes (0 without CUDA).
int64_t device_free_bytes();
/// Visible CUDA devices (0 without CUDA).
int cuda_device_count();
/// Makes `device` current for this thread; DeviceError when it does not exist.
void cuda_use_device(int device);

/// Non-owning strided view (strides in elements).
template <class T>
struct View {
  T* ptr = nullptr;
  Shape shape;
  std::array<int64_t, kMaxRank> strides{};

  T& operator()(int64_t i) const { return ptr[i * strides[0]]; }
  T& operator()(int64_t i, int64_t j) const { return ptr[i * strides[0] + j * strides[1]]; }
  T& operator()(int64_t i, int64_t j, int64_t k) const {
    return ptr[i * strides[0] + j * strides[1] + k * strides[2]];
  }
  /// Rows [begin, end) of the first axis.
  View slice(int64_t begin, int64_t end) const {
    View v = *this;
    v.ptr = ptr + begin * strides[0];
    v.shape.dims[0] = end - begin;
    return v;
  }
};

template <class T>
class Array {
 public:
  Array() = default;
  explicit Array(Shape shape, Memory memory = Memory::host)
      : shape_(shape), memory_(memory),
        data_(static_cast<T*>(allocate_bytes(bytes_of(shape), memory)), Deleter{memory}) {}

  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  const Shape& shape() const { return shape_; }
  int64_t size() const { return shape_.size(); }
  std::size_t bytes() const { return bytes_of(shape_); }
  Memory memory() const { return memory_; }
  bool empty() const { return size() == 0; }

  /// Host-side element access; only valid for host or pinned memory.
  T& operator[](int64_t i) { return data_.get()[i]; }
  const T& operator[](int64_t i) const { return data_.get()[i]; }

  View<T> view() { return {data(), shape_, shape_.strides()}; }
  View<const T> view() const { return {data(), shape_, shape_.strides()}; }

  void zero() { zero_bytes(data(), memory_, bytes()); }
  /// A copy of this array in another memory kind.
  Array to(Memory m) const {
    Array out(shape_, m);
    copy_bytes(out.data(), m, data(), memory_, bytes());
    return out;
  }
  /// Copies from an array of the same shape in any memory kind.
  void assign(const Array& src) {
    if (src.shape() != shape_)
      throw InternalError("Array::assign: shape " + src.shape().str() + " into " + shape_.str());
    copy_bytes(data(), memory_, src.data(), src.memory(), bytes());
  }
  /// Same data, new shape of equal size.
  void reshape(Shape s) {
    if (s.size() != shape_.size())
      throw InternalError("Array::reshape: " + shape_.str() + " to " + s.str());
    shape_ = s;
  }

 private:
  struct Deleter {
    Memory memory;
    void operator()(T* p) const noexcept { free_bytes(p, memory); }
  };
  static std::size_t bytes_of(const Shape& s) { return static_cast<std::size_t>(s.size()) * sizeof(T); }

  Shape shape_;
  Memory memory_ = Memory::host;
  std::unique_ptr<T, Deleter> data_{nullptr, Deleter{Memory::host}};
};

}  // namespace phasis
