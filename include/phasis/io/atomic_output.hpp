// Every output file is written under a temporary name and renamed onto its target once complete,
// so a failure never leaves a half-written file under the target's name and a reader never sees
// one. The temporary sits in the target's folder (a rename within one file system is atomic),
// hidden and unique per process and object, ".NAME.tmp-PID-N", so concurrent runs writing the same
// target never share it. While it exists the temporary is registered with core/signal_cleanup.hpp,
// so SIGINT, SIGTERM or SIGHUP ending the process (no destructor runs then) removes it as well.
#pragma once

#include <string>

namespace phasis {

class AtomicOutput {
 public:
  /// Picks the temporary name; throws InputError when the target's folder does not exist.
  explicit AtomicOutput(std::string path);
  /// Removes the temporary (if anything was written there) unless commit() succeeded.
  ~AtomicOutput();
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  const std::string& path() const { return path_; }
  /// Where the writer writes: a file closed before commit().
  const std::string& temp_path() const { return temp_; }
  /// Renames the temporary onto the target, replacing any file there; InputError when it cannot.
  void commit();

 private:
  std::string path_, temp_;  // temp_ is never changed: its c_str() is registered
  bool committed_ = false;
  int slot_ = -1;
};

}  // namespace phasis
