// launch_box<float, 2> (launch_cuda.cuh): the CUDA spreading and interpolation kernels for float in 2D.
#include "launch_cuda.cuh"

namespace phasis::nufft::cuda_spread {
template void launch_box<float, 2>(bool, bool, const BoxArgs<float>&, const KernelEval<float>&, const float*,
                                     int64_t, int);
}  // namespace phasis::nufft::cuda_spread
