// Checks of input and output paths before any work, shared by the CLI and the Python module, so a
// missing input or an unwritable output is one InputError naming it, not a failure after the run.
#pragma once

#include <string>

namespace phasis {

/// Checks that `path` names a readable regular file (InputError otherwise; `what` says what it is).
void require_input_file(const std::string& path, const std::string& what);
/// Checks that the folder of `path` exists and is writable, that `path` is not a folder or a
/// device, and that it is not the same file as `input`.
void require_output_path(const std::string& path, const std::string& input = "");

}  // namespace phasis
