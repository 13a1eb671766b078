// Input and output path checks (paths.hpp).
#include "phasis/io/paths.hpp"

#include <filesystem>

#include <unistd.h>

#include "phasis/core/error.hpp"

namespace phasis {

void require_input_file(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw InputError("cannot open '" + path + "': no such file (" + what + ")");
  if (!std::filesystem::is_regular_file(path, ec))
    throw InputError("cannot open '" + path + "': expected a file (" + what + "); found a folder or device");
}

void require_output_path(const std::string& path, const std::string& input) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (path.empty()) throw InputError("output: expected a file name; found an empty one");
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::is_directory(parent, ec))
    throw InputError("output '" + path + "': expected an existing folder; found no folder '" + parent.string() + "'");
  // Checked before any work: an output is written beside itself and renamed over it, which would
  // replace a device (/dev/null) by a plain file or fail only after the whole run.
  const fs::file_status st = fs::status(path, ec);
  if (fs::is_directory(st)) throw InputError("output '" + path + "': expected a file; found a folder");
  if (fs::exists(st) && !fs::is_regular_file(st))
    throw InputError("output '" + path + "': expected a regular file; found a device, pipe or socket");
  const std::string folder = parent.empty() ? "." : parent.string();
  if (::access(folder.c_str(), W_OK) != 0)
    throw InputError("output '" + path + "': expected a folder this user can write; found '" + folder + "' read-only");
  if (!input.empty() && fs::exists(path, ec) && fs::equivalent(path, input, ec))
    throw InputError("output '" + path + "': expected a new file; found the input file itself");
}

}  // namespace phasis
