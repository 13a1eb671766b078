// Helpers shared by the tests: temporary folders, running the phasis binary (relative errors: errors.hpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace phasis::testing {

/// A fresh folder under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

/// Runs `phasis ARGS` (ARGS is a shell-quoted string) and captures its output and exit code.
RunResult run_phasis(const std::string& args);
/// Runs any shell command the same way.
RunResult run_command(const std::string& command);

/// An HTML report read by tests/support/check_report.py (Python's HTML parser): its pictures,
/// curves and tables as JSON text, or the one line saying why it is not well formed (exit code 1).
RunResult read_report(const std::string& path);

/// Number of lines in s (a trailing newline does not start a new line).
int count_lines(const std::string& s);

}  // namespace phasis::testing
