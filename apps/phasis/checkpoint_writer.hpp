// --checkpoint-every N and stop requests: the solver's driver hands the run's state (SolverStart:
// object, probe, for dm/raar/er the exit waves, stage, iteration, errors) to this writer every N
// iterations and when Ctrl-C or SIGTERM stops the run; it goes to OUT.checkpoint.h5 through a
// temporary name, so a run killed without warning (out of memory, a node lost, kill -9) can
// continue with --resume OUT.checkpoint.h5 and end as the uninterrupted run would have.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "phasis/ptycho/output.hpp"
#include "phasis/ptycho/reconstruct.hpp"

namespace phasis::cli {

class CheckpointWriter {
 public:
  CheckpointWriter(std::string path, CheckpointInfo info) : path_(std::move(path)), info_(std::move(info)) {}

  /// The object's place, known once the scan is laid out (before the first iteration).
  void set_geometry(double origin_y, double origin_x, double pixel_y_m, double pixel_x_m) {
    std::lock_guard lock(mutex_);
    info_.origin_y = origin_y, info_.origin_x = origin_x, info_.pixel_y_m = pixel_y_m, info_.pixel_x_m = pixel_x_m;
  }

  /// The policy the chain's stages share: every `every` iterations (0: only on a stop request).
  std::shared_ptr<const CheckpointPolicy> policy(int every) {
    auto p = std::make_shared<CheckpointPolicy>();
    p->every = every;
    p->write = [this](const SolverStart& s) {
      std::lock_guard lock(mutex_);
      write_checkpoint(path_, s, info_);
      written_ = true;
    };
    return p;
  }

  bool written() const {
    std::lock_guard lock(mutex_);
    return written_;
  }
  /// The run ended with its result written: the checkpoint has served its purpose.
  void remove() {
    std::error_code ec;
    if (written()) std::filesystem::remove(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  mutable std::mutex mutex_;
  std::string path_;
  CheckpointInfo info_;
  bool written_ = false;
};

}  // namespace phasis::cli
