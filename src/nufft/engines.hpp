// Factories of the backend engines behind Plan<T>: the CPU one (nufft_cpu.cpp) and the CUDA one
// (nufft_cuda.cu, or nufft_no_cuda.cpp in a build without CUDA, where it throws DeviceError).
#pragma once

#include <memory>

#include "nufft/nufft_impl.hpp"

namespace phasis::nufft {

template <class T>
std::unique_ptr<typename Plan<T>::Impl> make_cpu_engine(const Geometry& g, const KernelShape& k,
                                                        int64_t transforms, const Options& opt);
template <class T>
std::unique_ptr<typename Plan<T>::Impl> make_cuda_engine(const Geometry& g, const KernelShape& k,
                                                         int64_t transforms, const Options& opt);

}  // namespace phasis::nufft
