// launch_box<double, 2> (launch_cuda.cuh): the CUDA spreading and interpolation kernels for double in 2D.
#include "launch_cuda.cuh"

namespace phasis::nufft::cuda_spread {
template void launch_box<double, 2>(bool, bool, const BoxArgs<double>&, const KernelEval<double>&, const double*,
                                     int64_t, int);
}  // namespace phasis::nufft::cuda_spread
