// Partition, per-part loading and the run of each part (see distributed.hpp).
#include "phasis/ptycho/distributed.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include "phasis/core/error.hpp"
#include "phasis/io/cxi.hpp"
#include "phasis/comm/mpi.hpp"
#include "phasis/comm/nccl.hpp"

namespace phasis {

namespace {

/// The GPUs this rank drives: the ones asked for, else one chosen by the rank's place on its host.
std::vector<int> rank_devices(const Device& device, const DistributedOptions& dist) {
  if (!dist.devices.empty()) return dist.devices;
  const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_RANK");
  const int count = cuda_device_count();
  return {local && count > 0 ? std::atoi(local) % count : device.index};
}

/// One part: read its frames, agree that every part could, build its problem and run. `regions`:
/// every part's object region when the parts exchange overlaps, else empty.
SolverResult run_part(const CxiReader& reader, std::mutex& io, const std::vector<int64_t>& frames,
                      const std::vector<Region>& regions, const SolverChain& chain,
                      const Device& device, Precision precision, comm::Communicator& parts, exec::EventSink* events,
                      const DistributedOptions& dist, DistributedRun& run) {
  const std::string& probe_file = dist.probe_file;
  PtychoData data;
  comm::Failure failure;
  try {
    std::lock_guard<std::mutex> lock(io);  // HDF5 is not thread-safe
    data = reader.read_part(frames);
    if (!probe_file.empty()) {  // --probe FILE takes the place of the data file's probe
      ProbeFile p = read_probe_file(probe_file, reader.frame_size());
      data.probe = std::move(p.probe);
      data.probe_source = std::move(p.source);
    } else if (!dist.probe_model.empty()) {  // --probe-model: the simulator's model of the optics
      SimulationOptions o = dist.probe_model_options;
      o.probe = dist.probe_model;
      o.frame_size = reader.frame_size();
      data.probe = model_probe(o, data.probe_source);
    }
  } catch (...) {
    failure = comm::failure_of(std::current_exception());
  }
  parts.agree(failure);
  PtychoProblem pr;
  try {
    pr = make_part_problem(std::move(data), frames, &parts);
  } catch (...) {
    failure = comm::failure_of(std::current_exception());
  }
  parts.agree(failure);  // a bad probe stops every part, not just the one that checked it
  pr.regions = regions;
  if (parts.rank() == 0) {
    run.probe_from_file = pr.probe_from_file;
    run.probe_source = pr.probe_source;
    run.probe_scale = pr.probe_scale;
    const bool given = !chain.empty() && chain.front().options && chain.front().options->start &&
                       chain.front().options->start->probe.size() > 0;
    if (events && given) {
      events->note("probe: from the given start (a resumed run)");
    } else if (events) {
      char scale[64];
      std::snprintf(scale, sizeof scale, "%.4g", pr.probe_scale);
      events->note("probe: from " + pr.probe_source +
                   (pr.probe_from_file ? std::string(", scaled by ") + scale + " to the mean frame power" : ""));
    }
  }
  return reconstruct(pr, chain, device, precision, events, &parts);
}

}  // namespace

DistributedRun reconstruct_distributed(const std::string& path, const std::string& algorithm,
                                       const SolverOptions& opt, const Device& device,
                                       Precision precision, const DistributedOptions& dist,
                                       exec::EventSink* events,
                                       const std::function<void(const DistributedRun&)>& on_start) {
  // A chain of one stage; the options are the caller's (a shared_ptr that owns nothing).
  const SolverChain one{{algorithm, std::shared_ptr<const SolverOptions>(std::shared_ptr<void>(), &opt)}};
  return reconstruct_distributed(path, one, device, precision, dist, events, on_start);
}

DistributedRun reconstruct_distributed(const std::string& path, const SolverChain& chain, const Device& device,
                                       Precision precision, const DistributedOptions& dist, exec::EventSink* events,
                                       const std::function<void(const DistributedRun&)>& on_start) {
  comm::Mpi world;
  DistributedRun out;
  out.writer = world.rank() == 0;

  // Every rank reads the positions (N x 3, small) and computes the same partition.
  std::unique_ptr<CxiReader> reader;
  std::vector<int> devices;
  comm::Failure failure;
  try {
    if (dist.reduce != "auto" && dist.reduce != "whole" && dist.reduce != "regions")
      throw InputError("reduce: expected auto, whole or regions; found '" + dist.reduce + "'");
    reader = std::make_unique<CxiReader>(path);
    const int64_t m = reader->frame_size();
    out.frame_size = m;
    out.layout = scan_layout(reader->translations(), reader->geometry(), m);
    if (device.is_cuda()) {
      devices = rank_devices(device, dist);
      for (int d : devices) require_device(Device::cuda(d));
    } else {
      if (!dist.devices.empty()) throw InputError("--devices: expected only with --device cuda");
      devices = {-1};
    }
    out.parts = world.size() * int(devices.size());
    out.partition = partition_frames(out.layout.offsets, m, out.parts, dist.partition);
  } catch (...) {
    failure = comm::failure_of(std::current_exception());
  }
  world.agree(failure);

  std::mutex io;
  const int local = int(devices.size());
  const bool nccl = device.is_cuda() && out.parts > 1 && (local > 1 || comm::nccl_available());
  const bool regions = out.parts > 1 && (dist.reduce == "regions" || (dist.reduce == "auto" && dist.partition == "spatial"));
  const std::vector<Region> exchanged = regions ? out.partition.regions : std::vector<Region>{};
  out.reduction = out.parts == 1 ? "none" : nccl ? "nccl" : device.is_cuda() ? "mpi via host" : "mpi";
  if (out.parts > 1) out.reduction += regions ? ", regions" : ", whole object";
  if (out.writer && on_start) on_start(out);
  if (!nccl) {
    // One part per rank: the CPU, or one GPU reduced through MPI.
    const Device part_device = device.is_cuda() ? Device::cuda(devices[0]) : device;
    if (device.is_cuda()) cuda_use_device(devices[0]);
    // The world of one rank is a Local: the run's sums are then no-ops.
    out.result = run_part(*reader, io, out.partition.frames[world.rank()], exchanged, chain, part_device,
                          precision, world, events, dist, out);
    return out;
  }
  if (!comm::nccl_available()) throw DeviceError("several GPUs per process: expected a build with NCCL; found none");
  comm::NcclId id;
  if (world.rank() == 0) id = comm::nccl_unique_id();
  world.broadcast(&id, sizeof id, 0, Memory::host);
  std::vector<std::exception_ptr> errors(local);
  std::vector<SolverResult> results(local);
  std::vector<std::thread> threads;
  for (int g = 0; g < local; ++g)
    threads.emplace_back([&, g] {
      try {
        const int part = world.rank() * local + g;
        cuda_use_device(devices[g]);
        comm::Nccl gpus(id, out.parts, part);
        // Only part 0 writes the probe's source into `out`.
        results[g] = run_part(*reader, io, out.partition.frames[part], exchanged, chain,
                              Device::cuda(devices[g]), precision, gpus, events, dist, out);
      } catch (...) {
        errors[g] = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  out.result = std::move(results[0]);
  return out;
}

DistributedRun run_dm_distributed(const std::string& path, const DmOptions& options, const Device& device,
                                  Precision precision, const DistributedOptions& dist, exec::EventSink* events,
                                  const std::function<void(const DistributedRun&)>& on_start) {
  return reconstruct_distributed(path, "dm", options, device, precision, dist, events, on_start);
}

}  // namespace phasis
