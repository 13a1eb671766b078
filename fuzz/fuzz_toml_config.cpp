// Fuzzes the two TOML readers with the same input: the multislice config (multislice/config.hpp,
// with and without a structure of its own, then its JSON record) and the CLI's --config FILE
// (apps/phasis/config.cpp, compiled in here: it is the binary's, not the library's), applied to a
// command with the kinds of option phasis's commands have (integers and numbers with ranges,
// choices, a negatable flag, a vector, a file that must exist). InputError, and for --config the
// CLI11 parse errors that main() reports as usage errors, are clean rejections; anything else is
// a finding.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <vector>

#include "commands.hpp"
#include "fuzz_input.hpp"
#include "phasis/core/error.hpp"
#include "phasis/multislice/config.hpp"

namespace {

void apply_to_command(const std::string& path) {
  CLI::App app{"fuzz"};
  int iterations = 10;
  double alpha = 0.5, inertia = 0.1;
  std::string algorithm = "dm", probe;
  bool pictures = true, fused = true;
  std::vector<double> positions;
  app.add_option("--iterations", iterations)->check(CLI::Range(1, 1000000));
  app.add_option("--pie-alpha", alpha)->check(CLI::Range(0.0, 1.0));
  app.add_option("--object-inertia", inertia);
  app.add_option("--algorithm", algorithm)->check(CLI::IsMember({"dm", "raar", "epie", "rpie", "ml"}));
  app.add_option("--probe", probe)->check(CLI::ExistingFile);
  app.add_option("--positions", positions)->expected(0, 4);
  app.add_flag("!--no-pictures", pictures);
  app.add_flag("--fused-fourier,!--no-fused-fourier", fused);
  phasis::cli::add_config_option(app);
  phasis::cli::apply_config(app, path);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static phasis::fuzz::InputFile file(".toml");
  const std::string& path = file.write(data, size);
  for (bool need_structure : {true, false}) {
    try {
      (void)phasis::ms::read_ms_config(path, need_structure).to_json();
    } catch (const phasis::InputError&) {
    }
  }
  try {
    apply_to_command(path);
  } catch (const phasis::InputError&) {
  } catch (const CLI::ParseError&) {
  }
  return 0;
}
