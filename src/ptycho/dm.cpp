// Dispatch of the Difference Map by device and precision name.
#include "phasis/ptycho/dm.hpp"

#include "phasis/core/error.hpp"

namespace phasis {

#if !PHASIS_HAVE_CUDA
// A CPU-only build has no CUDA instantiation; asking for one is a usage error the user can fix.
template <class T>
DmResult run_dm_cuda(const PtychoProblem&, const DmOptions&, const IterationCallback&, Reducer*) {
  throw DeviceError("device cuda: this phasis was built without CUDA (configure with -DPHASIS_CUDA=ON)");
}
template DmResult run_dm_cuda<float>(const PtychoProblem&, const DmOptions&, const IterationCallback&, Reducer*);
template DmResult run_dm_cuda<double>(const PtychoProblem&, const DmOptions&, const IterationCallback&, Reducer*);
#endif

DmResult run_dm(const PtychoProblem& problem, const DmOptions& options, const std::string& device,
                const std::string& precision, const IterationCallback& cb, Reducer* reducer) {
  if (precision != "float" && precision != "double")
    throw InputError("precision: expected float or double; found '" + precision + "'");
  const bool f = precision == "float";
  if (device == "cpu")
    return f ? run_dm_cpu<float>(problem, options, cb, reducer) : run_dm_cpu<double>(problem, options, cb, reducer);
  if (device == "cuda")
    return f ? run_dm_cuda<float>(problem, options, cb, reducer) : run_dm_cuda<double>(problem, options, cb, reducer);
  throw InputError("device: expected cpu or cuda; found '" + device + "'");
}

}  // namespace phasis
