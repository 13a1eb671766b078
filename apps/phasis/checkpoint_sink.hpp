// --checkpoint-every N: every N iterations the object and probe of the run go to
// OUT.checkpoint.h5 (through a temporary name), so a run killed without warning (out of memory,
// a node lost, kill -9) can continue with --resume OUT.checkpoint.h5. The solver sends the arrays
// as snapshots (driver.hpp, part 0 only); this sink writes them on the solver's thread, between
// iterations. It asks for them only every N iterations of a stage (and at its last), so another
// sink that wants more (the live view) does not make it write more.
#pragma once

#include <filesystem>
#include <mutex>
#include <string>
#include <variant>

#include "phasis/exec/events.hpp"
#include "phasis/ptycho/output.hpp"

namespace phasis::cli {

class CheckpointSink final : public exec::EventSink {
 public:
  CheckpointSink(std::string path, int every) : path_(std::move(path)), every_(every) {}

  /// The object's place, known once the scan is laid out (before the first iteration).
  void set_geometry(double origin_y, double origin_x, double pixel_y_m, double pixel_x_m) {
    std::lock_guard lock(mutex_);
    c_.origin_y = origin_y, c_.origin_x = origin_x, c_.pixel_y_m = pixel_y_m, c_.pixel_x_m = pixel_x_m;
  }

  void progress(const exec::Progress& p) override {
    std::lock_guard lock(mutex_);
    for (const auto& [name, value] : p.values)
      if (name == "error") c_.errors.push_back(value), c_.stage = p.task;
    due_ = every_ > 0 && (p.done % every_ == 0 || p.done == p.total);
  }

  void snapshot(const exec::Snapshot& s) override {
    const auto* a = std::get_if<Array<Complex<float>>>(&s.data);
    if (!a) return;
    std::lock_guard lock(mutex_);
    if (!due_) return;
    if (s.name == "object") c_.object = a->to(Memory::host), object_step_ = s.step;
    if (s.name == "probe" && s.step == object_step_ && c_.object.size() > 0) {
      c_.probe = a->to(Memory::host);
      write_checkpoint(path_, c_);
      written_ = true;
    }
  }

  /// After the progress of a checkpoint's iteration (reporters send snapshots after progress).
  bool wants_snapshots() const override {
    std::lock_guard lock(mutex_);
    return due_;
  }

  /// The run ended with its result written: the checkpoint has served its purpose.
  void remove() {
    std::error_code ec;
    if (written_) std::filesystem::remove(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  mutable std::mutex mutex_;
  std::string path_;
  int every_ = 0;
  bool due_ = false;
  Checkpoint c_;
  int64_t object_step_ = -1;
  bool written_ = false;
};

}  // namespace phasis::cli
