// Any solver (reconstruct.hpp; the Difference Map first) over several parts: the scan's frames are partitioned over MPI ranks
// (`mpirun -np R phasis ...`) and, on CUDA, over the GPUs of each rank (a thread and the default
// stream per GPU). Each part reads only its own frames from the CXI file, iterates on them, and
// the object and probe numerators and denominators are summed over all parts twice per overlap
// alternation: NCCL between GPUs (of one or several hosts), MPI between CPU ranks (or GPU ranks
// when there is no NCCL, through host memory). Every part then holds the same object and probe.
#pragma once

#include "phasis/ptycho/simulate.hpp"

#include <functional>
#include <string>
#include <vector>

#include "phasis/core/device.hpp"
#include "phasis/ptycho/partition.hpp"
#include "phasis/ptycho/dm.hpp"
#include "phasis/ptycho/problem.hpp"
#include "phasis/ptycho/reconstruct.hpp"

namespace phasis {

struct DistributedOptions {
  std::string partition = "spatial";  // spatial | interleaved (ptycho/partition.hpp)
  std::vector<int> devices;           // cuda: this rank's GPUs, a part each; empty: one GPU, chosen by local rank
  // What the parts sum: "whole" all-reduces the object's numerator and denominator; "regions" sends
  // each neighbour only where their regions overlap; "auto" is regions for a spatial partition.
  std::string reduce = "auto";
  // A probe file (io/cxi.hpp read_probe_file) to start from instead of the data file's probe.
  std::string probe_file;
  // Or a model probe (simulate.hpp make_probe: its probe, aperture_fraction, probe_diameter_px,
  // gaussian_sigma_px and frame_size are read), when `probe_model` names one (aperture, gaussian).
  std::string probe_model;
  SimulationOptions probe_model_options;
};

struct DistributedRun {
  DmResult result;          // the same on every part
  ScanLayout layout;        // the whole scan's object frame and offsets
  int64_t frame_size = 0;   // M: frames are M x M
  Partition partition;
  int parts = 1;
  bool writer = true;       // this process writes the output (rank 0)
  bool probe_from_file = false;
  std::string probe_source;  // where the starting probe came from (PtychoProblem::probe_source)
  double probe_scale = 1;    // the factor that brought a file's probe to the mean frame power
  std::string reduction;    // "none", or "mpi" / "mpi via host" / "nccl", then ", whole object" or ", regions"
};

/// Runs solver `algorithm` (reconstruct.hpp) on the CXI file at `path`. `events` receives what run_dm reports (progress from part 0,
/// spans from every part; ranks other than 0 may pass their own sink or null); `on_start` by the writer once
/// the partition is known (layout, partition, parts and reduction are then set).
/// `device`: the CPU (with its thread count), or CUDA: then `dist.devices` lists this rank's GPUs
/// (empty: device.index, or one chosen by the rank's place on its host under mpirun).
DistributedRun reconstruct_distributed(const std::string& path, const std::string& algorithm,
                                       const SolverOptions& options, const Device& device,
                                  Precision precision, const DistributedOptions& dist,
                                  exec::EventSink* events = nullptr,
                                  const std::function<void(const DistributedRun&)>& on_start = {});

/// The same with a chain of solvers (reconstruct.hpp's SolverChain), every part running every stage.
DistributedRun reconstruct_distributed(const std::string& path, const SolverChain& chain, const Device& device,
                                       Precision precision, const DistributedOptions& dist,
                                       exec::EventSink* events = nullptr,
                                       const std::function<void(const DistributedRun&)>& on_start = {});

/// reconstruct_distributed with the Difference Map.
DistributedRun run_dm_distributed(const std::string& path, const DmOptions& options, const Device& device,
                                  Precision precision, const DistributedOptions& dist,
                                  exec::EventSink* events = nullptr,
                                  const std::function<void(const DistributedRun&)>& on_start = {});

}  // namespace phasis
