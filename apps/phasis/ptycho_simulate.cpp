// phasis ptycho simulate OUT.cxi: far-field ptychography data with its ground truth.
#include <cmath>
#include <cstdio>

#include "commands.hpp"
#include "phasis/io/cxi.hpp"
#include "phasis/ptycho/simulate.hpp"

namespace phasis::cli {

void add_ptycho_simulate(CLI::App& ptycho) {
  auto* cmd = ptycho.add_subcommand("simulate", "Simulate a CXI ptychography dataset with its ground truth");
  auto opt = std::make_shared<SimulationOptions>();
  auto out = std::make_shared<std::string>();
  auto noise = std::make_shared<std::string>("none");
  cmd->add_option("output", *out, "CXI file to write")->required();
  cmd->add_option("--frame-size", opt->frame_size, "Detector frame size M (frames are M x M)")->capture_default_str();
  cmd->add_option("--energy", opt->energy_kev, "Photon energy, keV")->capture_default_str();
  cmd->add_option("--distance", opt->distance_m, "Sample-detector distance, m")->capture_default_str();
  cmd->add_option("--pixel-size", opt->detector_pixel_m, "Detector pixel size, m")->capture_default_str();
  cmd->add_option("--probe", opt->probe, "Probe model: aperture (focused, defocused) or gaussian")
      ->check(CLI::IsMember({"aperture", "gaussian"}))->capture_default_str();
  cmd->add_option("--aperture-fraction", opt->aperture_fraction,
                  "Aperture probe: pupil radius over the detector half-width")->capture_default_str();
  cmd->add_option("--probe-diameter", opt->probe_diameter_px,
                  "Aperture probe: defocused diameter in object pixels (0: 0.3 M)")->capture_default_str();
  cmd->add_option("--gaussian-sigma", opt->gaussian_sigma_px, "Gaussian probe: sigma in object pixels (0: M/10)")
      ->capture_default_str();
  cmd->add_option("--probe-modes", opt->probe_modes, "Mutually incoherent, orthogonal probe modes in the data")
      ->capture_default_str();
  cmd->add_option("--mode-occupancy", opt->mode_occupancy,
                  "Relative powers of the probe modes, comma-separated (default 1, 1/2, 1/4, ...)")
      ->delimiter(',');
  cmd->add_option("--scan", opt->scan, "Scan pattern: spiral (Fermat) or raster")
      ->check(CLI::IsMember({"spiral", "raster"}))->capture_default_str();
  cmd->add_option("--positions", opt->positions, "Number of scan positions (raster: rounded up to a square)")
      ->capture_default_str();
  cmd->add_option("--step", opt->step_px, "Step between neighbours in object pixels (0: 0.3 x probe diameter)")
      ->capture_default_str();
  cmd->add_option("--jitter", opt->jitter_px, "Position jitter sigma in object pixels (rounded to the grid)")
      ->capture_default_str();
  cmd->add_option("--fly-blur", opt->fly_blur_px,
                  "Fly scan: distance in object pixels the probe sweeps along x during each exposure")
      ->capture_default_str();
  cmd->add_option("--photons", opt->photons, "Photons per frame (pattern sum for a transparent object)")
      ->capture_default_str();
  cmd->add_option("--noise", *noise, "Noise model: none or poisson")->check(CLI::IsMember({"none", "poisson"}))
      ->capture_default_str();
  cmd->add_option("--seed", opt->seed, "Random seed (scan jitter and noise)")->capture_default_str();
  cmd->add_option("--initial-probe", opt->initial_probe,
                  "Initial probe stored for the solvers: none (they use the mean pattern), model (nominal optics, "
                  "diameter off by --model-error) or truth")
      ->check(CLI::IsMember({"none", "model", "truth"}))->capture_default_str();
  cmd->add_option("--model-error", opt->model_error, "Relative error of the model probe's defocused diameter")
      ->capture_default_str();
  auto config = add_config_option(*cmd);

  cmd->callback([cmd, config, opt, out, noise] {
    apply_config(*cmd, *config);
    require_output_path(*out);
    if (*noise != "none" && *noise != "poisson") throw InputError("--noise: expected none or poisson; found '" + *noise + "'");
    opt->poisson = *noise == "poisson";
    PtychoData data;
    PtychoTruth truth;
    simulate(*opt, data, truth);
    write_cxi(*out, data, &truth);
    const int64_t n = data.intensities.shape()[0];
    std::printf("wrote %s: %lld frames of %lld x %lld, object %lld x %lld, %s noise, %.3g photons/frame\n",
                out->c_str(), (long long)n, (long long)opt->frame_size, (long long)opt->frame_size,
                (long long)truth.object.shape()[0], (long long)truth.object.shape()[1], noise->c_str(), opt->photons);
  });
}

}  // namespace phasis::cli
