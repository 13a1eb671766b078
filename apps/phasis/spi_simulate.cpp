// phasis spi simulate STRUCTURE -o DATA.h5: diffraction snapshots of a molecule in random
// orientations, with the truth (orientations, density) for `phasis spi compare`.
#include <cstdio>

#include "commands.hpp"
#include "phasis/core/error.hpp"
#include "phasis/exec/events.hpp"
#include "phasis/spi/simulate.hpp"

namespace phasis::cli {

void add_spi_simulate(CLI::App& spi) {
  auto* cmd = spi.add_subcommand("simulate", "Simulate single-particle diffraction snapshots with their truth");
  auto s = std::make_shared<spi::SimulateSettings>();
  auto structure = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto noise = std::make_shared<std::string>("none");
  auto b_factor = std::make_shared<double>(10.0);
  auto quiet = std::make_shared<bool>(false);
  cmd->add_option("structure", *structure, "Molecule: PDB, mmCIF or XYZ file")->required();
  cmd->add_option("-o,--output", *out, "HDF5 file to write")->required();
  cmd->add_option("--images", s->images, "Number of snapshots")->capture_default_str();
  cmd->add_option("--pixels", s->pixels, "Detector pixels per side (square)")->capture_default_str();
  cmd->add_option("--pixel-size", s->pixel_size, "Detector pixel size, m")->capture_default_str();
  cmd->add_option("--distance", s->distance, "Sample-detector distance, m")->capture_default_str();
  cmd->add_option("--energy", s->photon_energy, "Photon energy, eV")->capture_default_str();
  cmd->add_option("--photons", s->photons, "Photons per pulse")->capture_default_str();
  cmd->add_option("--beam-diameter", s->beam_diameter, "Focus diameter (top hat), m")->capture_default_str();
  cmd->add_option("--noise", *noise, "none (expected counts) or poisson")->check(CLI::IsMember({"none", "poisson"}))
      ->capture_default_str();
  cmd->add_option("--beamstop", s->beamstop, "Radius of the masked centre, pixels")->capture_default_str();
  cmd->add_flag("!--no-polarisation", s->polarisation, "Unpolarised beam (default: polarised along x)");
  cmd->add_option("--b-factor", *b_factor, "Isotropic B added to every atom, A^2 (> 0)")->capture_default_str();
  cmd->add_option("--voxel", s->voxel, "Fine grid of the transform and of the truth density, A")->capture_default_str();
  cmd->add_flag("--direct", s->direct, "Direct sum over atoms instead of the NUFFT (small molecules)");
  cmd->add_option("--seed", s->seed, "Random seed (orientations, noise)")->capture_default_str();
  cmd->add_flag("-q,--quiet", *quiet, "No progress");
  auto config = add_config_option(*cmd);
  cmd->callback([cmd, config, s, structure, out, noise, b_factor, quiet] {
    apply_config(*cmd, *config);
    require_input_file(*structure, "structure");
    require_output_path(*out, *structure);
    if (!(*b_factor > 0)) throw InputError("--b-factor: expected a B > 0 A^2 (the density grid must resolve the atoms)");
    s->poisson = *noise == "poisson";
    const spi::Molecule molecule = spi::read_molecule(*structure, *b_factor);
    exec::ProgressBar bar(stdout, *quiet ? 1e300 : 0.5);
    const spi::SpiDataset data = spi::simulate(molecule, *s, &bar);
    spi::write_dataset(*out, data);
    double total = 0;
    for (float v : data.intensities) total += v;
    std::printf("wrote %s: %lld images of %lld x %lld pixels, %zu atoms, edge resolution %.3g A, %.3g photons per "
                "image, %s noise\n",
                out->c_str(), (long long)data.images, (long long)s->pixels, (long long)s->pixels, molecule.atoms.size(),
                spi::edge_resolution(data.detector), total / double(data.images), noise->c_str());
  });
}

}  // namespace phasis::cli
