// The streaming loop per (backend, real type), declared for the dispatch point (streaming.cpp) and
// defined in streaming_loop.hpp; its instantiations live in streaming_cpu.cpp and streaming_cuda.cu.
#pragma once

#include <functional>

#include "phasis/core/device.hpp"
#include "phasis/ptycho/streaming.hpp"
#include "ptycho/frame_source.hpp"

namespace phasis {

template <class B, class T>
StreamRun stream_on(const Device& device, FrameSource& source, const StreamOptions& options, const SolverStage& stage,
                    exec::EventSink* events, const std::function<void(const ScanLayout&, int64_t)>& on_layout);

}  // namespace phasis
