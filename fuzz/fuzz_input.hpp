// Shared by the fuzz targets: the readers under test open files by name, so each input is written
// to a temporary file of this process (a fixed name per process and extension, overwritten by
// every input) and removed at exit.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace phasis::fuzz {

class InputFile {
 public:
  explicit InputFile(const std::string& extension) {
    const char* tmp = std::getenv("TMPDIR");
    path_ = std::string(tmp && *tmp ? tmp : "/tmp") + "/phasis-fuzz-" + std::to_string(getpid()) + extension;
  }
  ~InputFile() { std::remove(path_.c_str()); }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  /// Writes the input; the file holds exactly these bytes afterwards.
  const std::string& write(const uint8_t* data, size_t size) {
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    if (!f) throw std::runtime_error("fuzz: cannot write " + path_);
    const bool ok = (size == 0 || std::fwrite(data, 1, size, f) == size) && std::fclose(f) == 0;
    if (!ok) throw std::runtime_error("fuzz: cannot write " + path_);
    return path_;
  }

 private:
  std::string path_;
};

}  // namespace phasis::fuzz
