// The one dispatch point: a Device and a Precision (values, core/device.hpp) become the backend
// and real-type template arguments of an algorithm. Capabilities call
//   dispatch(device, precision, [&]<class B, class T>() { return entry<B, T>(device, ...); });
// where entry<B, T> is a template whose instantiations for CpuBackend live in a host-compiled
// .cpp and those for CudaBackend in a .cu (explicit instantiation, no macros). In a build without
// CUDA the CUDA branch is compiled out, so nothing names the CUDA instantiations.
#pragma once

#include "phasis/core/device.hpp"
#include "phasis/core/error.hpp"

namespace phasis {

class CpuBackend;
class CudaBackend;

/// f.template operator()<B>() for the device's backend B: for entries whose real type is already
/// fixed (by the arrays they take).
template <class F>
decltype(auto) dispatch_backend(const Device& device, F&& f) {
  require_device(device);
  if (device.is_cuda()) {
#if PHASIS_HAVE_CUDA
    return f.template operator()<CudaBackend>();
#else
    throw InternalError("dispatch: require_device let a CUDA device through a build without CUDA");
#endif
  }
  return f.template operator()<CpuBackend>();
}

/// f.template operator()<B, T>() for the device's backend B and the precision's real type T.
template <class F>
decltype(auto) dispatch(const Device& device, Precision precision, F&& f) {
  require_device(device);  // a one-line DeviceError for a device this build or machine lacks
  if (device.is_cuda()) {
#if PHASIS_HAVE_CUDA
    if (precision == Precision::single) return f.template operator()<CudaBackend, float>();
    return f.template operator()<CudaBackend, double>();
#else
    throw InternalError("dispatch: require_device let a CUDA device through a build without CUDA");
#endif
  }
  if (precision == Precision::single) return f.template operator()<CpuBackend, float>();
  return f.template operator()<CpuBackend, double>();
}

}  // namespace phasis
