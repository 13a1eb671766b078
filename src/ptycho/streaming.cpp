// Reconstruction from a frame stream (streaming.hpp): the checks, the source, and the dispatch to
// the loop of streaming_loop.hpp on the device's backend.
#include "phasis/ptycho/streaming.hpp"

#include "backend/dispatch.hpp"
#include "phasis/comm/mpi.hpp"
#include "phasis/core/error.hpp"
#include "phasis/exec/interrupt.hpp"
#include "ptycho/file_source.hpp"
#include "ptycho/stream_receiver.hpp"
#include "ptycho/streaming_entry.hpp"

namespace phasis {

StreamRun reconstruct_stream(const StreamOptions& o, const SolverChain& chain, const Device& device, Precision precision,
                             exec::EventSink* events, const std::function<void(const ScanLayout&, int64_t)>& on_layout) {
  if (chain.size() != 1 || !chain.front().options)
    throw InputError("streaming input: expected one solver (dm, raar or er); found a chain of " + std::to_string(chain.size()));
  const std::string& name = chain.front().algorithm;
  if (name != "dm" && name != "raar" && name != "er")
    throw InputError("streaming input: expected a solver that takes frames while it runs (dm, raar, er); found " + name);
  if (comm::Mpi().size() > 1)
    throw InputError("streaming input: expected one process (MPI runs do not take streamed frames yet); found " +
                     std::to_string(comm::Mpi().size()) + " ranks");
  if (chain.front().options->start)
    throw InputError("streaming input: expected a fresh start (the object box grows with the scan); found --resume");
  if (!(o.silence_s > 0) || !(o.header_wait_s > 0))
    throw InputError("stream timeouts: expected positive seconds; found " + std::to_string(o.silence_s) + " and " +
                     std::to_string(o.header_wait_s));
  // file:PATH.cxi follows a file being written (HDF5 SWMR); anything else is a ZeroMQ address,
  // bound now: a port in use ends the run here.
  const bool from_file = o.address.rfind("file:", 0) == 0;
  std::unique_ptr<FrameSource> source;
  if (from_file) {
    source = std::make_unique<FileFollowSource>(o.address.substr(5), events);
    if (events) events->note("stream: following " + o.address.substr(5));
  } else {
    source = std::make_unique<StreamReceiver>(o.address, events);
    if (events) events->note("stream: listening on " + o.address);
  }
  FrameSource& rx = *source;
  if (!rx.wait_header(o.header_wait_s)) {  // the file source throws its own reason when it cannot open
    if (exec::stop_requested()) throw InputError("stream " + o.address + ": stopped on request before a header arrived");
    const StreamStats s = rx.stats();
    throw InputError("stream " + o.address + ": expected a header within " + std::to_string(int(o.header_wait_s)) + " s; found " +
                     (s.malformed ? std::to_string(s.malformed) + " malformed messages" : std::string("nothing")));
  }
  return dispatch(device, precision, [&]<class B, class T>() {
    return stream_on<B, T>(device, rx, o, chain.front(), events, on_layout);
  });
}

}  // namespace phasis
