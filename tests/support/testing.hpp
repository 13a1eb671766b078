// Helpers shared by the tests: temporary folders, running the phasis binary, error norms.
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "phasis/core/complex.hpp"

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

/// ||a - b|| / ||b|| over n complex values, in double.
template <class T>
double relative_l2(const Complex<T>* a, const Complex<T>* b, int64_t n) {
  double num = 0, den = 0;
  for (int64_t i = 0; i < n; ++i) {
    double dr = double(a[i].re) - b[i].re, di = double(a[i].im) - b[i].im;
    num += dr * dr + di * di;
    den += double(b[i].re) * b[i].re + double(b[i].im) * b[i].im;
  }
  return std::sqrt(num / den);
}

/// Number of lines in s (a trailing newline does not start a new line).
int count_lines(const std::string& s);

}  // namespace phasis::testing
