// Streaming reconstruction on the CUDA backend (cuFFT + kernels): the loop's instantiations.
#include "backend/cuda.cuh"
#include "ptycho/streaming_loop.hpp"

namespace phasis {

using Layout = std::function<void(const ScanLayout&, int64_t)>;
template StreamRun stream_on<CudaBackend, float>(const Device&, FrameSource&, const StreamOptions&, const SolverStage&,
                                                exec::EventSink*, const Layout&);
template StreamRun stream_on<CudaBackend, double>(const Device&, FrameSource&, const StreamOptions&, const SolverStage&,
                                                 exec::EventSink*, const Layout&);

}  // namespace phasis
