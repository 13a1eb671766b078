// Streaming reconstruction on the CPU backend (FFTW + OpenMP): the loop's instantiations.
#include "backend/cpu.hpp"
#include "ptycho/streaming_loop.hpp"

namespace phasis {

using Layout = std::function<void(const ScanLayout&, int64_t)>;
template StreamRun stream_on<CpuBackend, float>(const Device&, FrameSource&, const StreamOptions&, const SolverStage&,
                                                exec::EventSink*, const Layout&);
template StreamRun stream_on<CpuBackend, double>(const Device&, FrameSource&, const StreamOptions&, const SolverStage&,
                                                 exec::EventSink*, const Layout&);

}  // namespace phasis
