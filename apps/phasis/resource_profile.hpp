// --profile PREFIX of the run commands: the chunk timeline (a Chrome trace, one row per worker and
// rank) and the process's resources sampled during the run (CPU, resident memory, GPU memory and
// use), as PREFIX_trace.json, PREFIX_resources.csv and one picture of both, PREFIX_profile.png:
// the two views of Dask's profiler, without Bokeh.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "phasis/exec/events.hpp"
#include "phasis/exec/resources.hpp"
#include "phasis/monitor/profile_png.hpp"

namespace phasis::cli {

class ResourceProfile {
 public:
  /// Starts sampling when `prefix` is not empty.
  explicit ResourceProfile(std::string prefix) : prefix_(std::move(prefix)) {
    if (!prefix_.empty()) sampler_ = std::make_unique<exec::ResourceSampler>(0.1);
  }
  /// Stops sampling (the run has ended).
  void finish() const {
    if (sampler_) sampler_->stop();
  }
  /// The three files, when profiling; returns their paths.
  std::vector<std::string> write(const exec::ChromeTrace& trace) const {
    if (!sampler_) return {};
    const std::string json = prefix_ + "_trace.json", csv = prefix_ + "_resources.csv", png = prefix_ + "_profile.png";
    trace.write(json);
    sampler_->write_csv(csv);
    monitor::write_profile_png(png, trace.spans(), trace.worker_names(), sampler_->samples());
    return {json, csv, png};
  }

 private:
  std::string prefix_;
  std::unique_ptr<exec::ResourceSampler> sampler_;
};

}  // namespace phasis::cli
