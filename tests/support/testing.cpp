#include "testing.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

namespace phasis::testing {

TempDir::TempDir() {
  std::random_device rd;
  auto base = std::filesystem::temp_directory_path();
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto p = base / ("phasis-test-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
    if (std::filesystem::create_directory(p)) {
      path_ = p;
      return;
    }
  }
  throw std::runtime_error("TempDir: could not create a folder");
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

static std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

RunResult run_command(const std::string& command) {
  TempDir tmp;
  std::string full = command + " >" + tmp.file("out") + " 2>" + tmp.file("err") + " </dev/null";
  int status = std::system(full.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(tmp.file("out"));
  r.err = slurp(tmp.file("err"));
  return r;
}

RunResult run_phasis(const std::string& args) { return run_command(std::string(PHASIS_EXE) + " " + args); }

RunResult read_report(const std::string& path) {
  return run_command(std::string(PHASIS_PYTHON) + " '" + PHASIS_TEST_SUPPORT + "/check_report.py' '" + path + "'");
}

int count_lines(const std::string& s) {
  int n = 0;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i] == '\n' || i + 1 == s.size()) ++n;
  return n;
}

}  // namespace phasis::testing
