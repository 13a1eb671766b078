// phasis multislice plan CONFIG.toml: what `multislice run` would do with this config, before
// anything runs: the ensemble's axes, its chunks and their bytes, every output's shape and size,
// and the memory it will hold against what is free now (plan.hpp). Reads the config and builds the
// simulation exactly as `run` does (the same checks and errors), writes nothing.
#include <cstdio>
#include <memory>
#include <string>

#include "commands.hpp"
#include "phasis/core/array.hpp"
#include "phasis/core/device.hpp"
#include "phasis/core/error.hpp"
#include "phasis/multislice/config.hpp"
#include "phasis/multislice/memory.hpp"
#include "phasis/multislice/plan.hpp"
#include "phasis/multislice/simulation.hpp"

namespace phasis::cli {

void add_multislice_plan(CLI::App& multislice) {
  auto* cmd = multislice.add_subcommand("plan", "Describe a multislice run (axes, chunks, outputs, memory) without running it");
  auto config = std::make_shared<std::string>();
  cmd->add_option("config", *config, "TOML config (docs/multislice.md lists the keys)")->required();
  cmd->callback([config] {
    const ms::MsConfig c = ms::read_ms_config(*config);
    const Device device = parse_device(c.device);
    const Precision precision = parse_precision(c.precision);
    const ms::Simulation s = ms::simulation_from_config(c);
    const ms::RunPlan p = ms::plan_run(s, ms::execution_from_config(c), precision, !c.cxi.empty());
    std::printf("plan of %s: %s, %lld atoms, grid %lld x %lld, %lld slices, on %s in %s\n%s", config->c_str(),
                s.wave == ms::WaveKind::probe ? "STEM" : "HRTEM", (long long)s.atoms.size(), (long long)s.grid.nx,
                (long long)s.grid.ny, (long long)p.slices, c.device.c_str(), c.precision.c_str(),
                ms::plan_text(p, ms::available_host_bytes(), device.is_cuda() && cuda_available() ? double(device_free_bytes()) : 0)
                    .c_str());
  });
}

}  // namespace phasis::cli
