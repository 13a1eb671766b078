// phasis: one binary, one file per subcommand. Errors are caught here once and become one line on
// stderr and an exit code: 2 for bad input or usage, 1 for anything else. Under an MPI launcher the
// program owns MPI: the session here initialises it first and finalises it last.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "commands.hpp"
#include "phasis/comm/mpi.hpp"
#include "phasis/core/error.hpp"

namespace phasis::cli {

void write_pictures_or_warn(const std::function<void()>& write) {
  try {
    write();
  } catch (const phasis::InputError& e) {
    std::fprintf(stderr, "phasis: warning: result written, pictures not: %s\n", e.what());
  }
}

}  // namespace phasis::cli

namespace {
/// Under mpirun an error that every rank agreed on is printed once, by rank 0.
bool prints_errors() { return !phasis::comm::failure_agreed() || phasis::comm::Mpi().rank() == 0; }

/// "A subcommand is required" says nothing useful to someone who typed `phasis ptycho recon`: name
/// the command's subcommands and the one the typed word abbreviates.
std::string missing_subcommand_hint(const CLI::App& app, int argc, char** argv) {
  const CLI::App* command = &app;
  for (auto chosen = command->get_subcommands(); !chosen.empty(); chosen = command->get_subcommands())
    command = chosen.front();
  std::string names, guess;
  for (const CLI::App* sub : command->get_subcommands({})) {
    names += (names.empty() ? "" : ", ") + sub->get_name();
    for (int i = 1; i < argc; ++i) {
      const std::string word = argv[i];
      if (!word.empty() && word[0] != '-' && word != sub->get_name() && sub->get_name().starts_with(word))
        guess = sub->get_name();
    }
  }
  std::string hint = "'" + command->get_display_name(true) + "' expects a command: " + names;
  if (!guess.empty()) hint += "; did you mean '" + guess + "'?";
  return hint;
}
}  // namespace

int main(int argc, char** argv) {
  const phasis::comm::MpiSession mpi;
  CLI::App app{"phasis: coherent diffractive imaging at scale (ptychography; multislice simulation; single-particle imaging)",
               "phasis"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "phasis 0.1.0");
  CLI::App* ptycho = app.add_subcommand("ptycho", "Ptychography: simulate data, reconstruct, compare with truth");
  ptycho->require_subcommand(1);
  phasis::cli::add_ptycho_simulate(*ptycho);
  phasis::cli::add_ptycho_reconstruct(*ptycho);
  phasis::cli::add_ptycho_compare(*ptycho);
  phasis::cli::add_ptycho_replay(*ptycho);
  CLI::App* multislice = app.add_subcommand("multislice", "Multislice electron scattering: STEM and HRTEM simulation");
  multislice->require_subcommand(1);
  phasis::cli::add_multislice_run(*multislice);
  phasis::cli::add_multislice_plan(*multislice);
  CLI::App* spi = app.add_subcommand("spi", "Single-particle imaging: simulate snapshots, reconstruct by M-TIP, compare");
  spi->require_subcommand(1);
  phasis::cli::add_spi_simulate(*spi);
  phasis::cli::add_spi_reconstruct(*spi);
  phasis::cli::add_spi_compare(*spi);

  try {
    app.parse(argc, argv);
  } catch (const phasis::cli::StoppedEarly& e) {
    return e.exit_code;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::RequiredError& e) {
    const std::string what = e.what();
    if (what.find("subcommand") != std::string::npos) {
      std::fprintf(stderr, "phasis: error: %s (see --help)\n", missing_subcommand_hint(app, argc, argv).c_str());
      return 2;
    }
    std::fprintf(stderr, "phasis: error: %s (see --help)\n", e.what());
    return 2;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "phasis: error: %s (see --help)\n", e.what());
    return 2;
  } catch (const phasis::InputError& e) {
    if (prints_errors()) std::fprintf(stderr, "phasis: error: %s\n", e.what());
    return 2;
  } catch (const phasis::DeviceError& e) {
    if (prints_errors()) std::fprintf(stderr, "phasis: device error: %s\n", e.what());
    return 2;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "phasis: error: out of host memory\n");
    return 2;
  } catch (const std::exception& e) {
    if (prints_errors()) std::fprintf(stderr, "phasis: internal error: %s\n", e.what());
    return 1;
  }
  return 0;
}
