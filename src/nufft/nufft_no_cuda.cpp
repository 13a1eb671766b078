// A build without CUDA has no CUDA engine; asking for one is a usage error the user can fix.
#include "engines.hpp"
#include "phasis/core/error.hpp"

#if !PHASIS_HAVE_CUDA
namespace phasis::nufft {

template <class T>
std::unique_ptr<typename Plan<T>::Impl> make_cuda_engine(const Geometry&, const KernelShape&, int64_t,
                                                         const Options&) {
  throw DeviceError("nufft target cuda: this phasis was built without CUDA (configure with -DPHASIS_CUDA=ON)");
}

template std::unique_ptr<Plan<float>::Impl> make_cuda_engine<float>(const Geometry&, const KernelShape&, int64_t,
                                                                    const Options&);
template std::unique_ptr<Plan<double>::Impl> make_cuda_engine<double>(const Geometry&, const KernelShape&, int64_t,
                                                                      const Options&);

}  // namespace phasis::nufft
#endif
