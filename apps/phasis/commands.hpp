// Subcommands of the phasis binary, one file each. Each adds itself to its parent and sets a
// callback that CLI11 runs after parsing; the callback throws phasis errors, which main() turns
// into one line and an exit code.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>

#include "phasis/io/paths.hpp"  // for require_input_file, require_output_path

namespace phasis::cli {

void add_ptycho_simulate(CLI::App& ptycho);
void add_ptycho_reconstruct(CLI::App& ptycho);
void add_ptycho_compare(CLI::App& ptycho);
void add_ptycho_replay(CLI::App& ptycho);
void add_multislice_run(CLI::App& multislice);
void add_multislice_plan(CLI::App& multislice);
void add_spi_simulate(CLI::App& spi);
void add_spi_reconstruct(CLI::App& spi);
void add_spi_compare(CLI::App& spi);

/// Adds --config FILE: a TOML file whose keys are the command's long option names (with - or _);
/// options given on the command line win; an unknown key is an error. Returns the path's holder.
std::shared_ptr<std::string> add_config_option(CLI::App& app);
/// Applies the config file's values to the options of `app` not given on the command line.
/// Call at the start of the command's callback (after CLI11 has parsed the command line).
void apply_config(CLI::App& app, const std::string& file);


/// Thrown by a command that stopped early on request (Ctrl-C, SIGTERM) after saving what it had:
/// main() exits with `exit_code` (128 + the signal, as shells report it) and prints nothing more.
struct StoppedEarly {
  int exit_code = 130;
};

/// Runs `write` (the pictures of a run whose result file is already complete). Pictures are
/// secondary: when they cannot be written (a disk that filled up, a folder made read-only) the
/// result file stays, one warning line says why, and the command still succeeds.
void write_pictures_or_warn(const std::function<void()>& write);

}  // namespace phasis::cli
