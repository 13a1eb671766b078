#include "phasis/io/atomic_output.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <system_error>
#include <utility>

#include "phasis/core/error.hpp"
#include "phasis/core/signal_cleanup.hpp"

namespace phasis {

namespace fs = std::filesystem;

namespace {

/// Numbers the temporaries of this process: two outputs of one target in one process differ too.
std::atomic<uint64_t> next_temporary{0};

}  // namespace

AtomicOutput::AtomicOutput(std::string path) : path_(std::move(path)) {
  const fs::path target(path_);
  const fs::path folder = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::error_code ec;
  if (!fs::is_directory(folder, ec))
    throw InputError("cannot write '" + path_ + "': expected an existing folder; found no folder '" + folder.string() +
                     "'");
  if (target.filename().empty()) throw InputError("cannot write '" + path_ + "': expected a file name; found a folder");
  // Appended piece by piece: `"." + name` trips GCC 12's false -Wrestrict (GCC bug 105329).
  std::string name = ".";
  name += target.filename().string();
  name += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(next_temporary++);
  temp_ = (folder / name).string();
  // A signal that ends the process removes the temporary too (core/signal_cleanup.hpp).
  signal_cleanup::install_handlers();
  slot_ = signal_cleanup::add(temp_.c_str());
}

AtomicOutput::~AtomicOutput() {
  signal_cleanup::remove(slot_);
  if (committed_) return;
  std::error_code ec;
  fs::remove(temp_, ec);  // nothing to do when the writer never created it
}

void AtomicOutput::commit() {
  std::error_code ec;
  fs::rename(temp_, path_, ec);
  if (ec)
    throw InputError("cannot write '" + path_ + "': expected to rename the finished temporary onto it; found " +
                     ec.message());
  committed_ = true;
  signal_cleanup::remove(slot_);
  slot_ = -1;
}

}  // namespace phasis
