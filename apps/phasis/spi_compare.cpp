// phasis spi compare MODEL.h5 DATA.h5: the model against the simulation's truth, the global
// rotation, hand and shift removed; orientation errors, FSC and resolution, and a PNG of the FSC.
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "commands.hpp"
#include "phasis/core/error.hpp"
#include "phasis/spi/compare.hpp"
#include "phasis/spi/dataset.hpp"
#include "phasis/spi/orientations.hpp"
#include "phasis/spi/output.hpp"

namespace phasis::cli {

void add_spi_compare(CLI::App& spi) {
  auto* cmd = spi.add_subcommand("compare", "Compare an SPI model with the truth: orientations, FSC, resolution");
  auto model = std::make_shared<std::string>();
  auto truth = std::make_shared<std::string>();
  auto pictures = std::make_shared<bool>(true);
  cmd->add_option("model", *model, "Model file from phasis spi reconstruct")->required();
  cmd->add_option("truth", *truth, "Data file with its truth (phasis spi simulate)")->required();
  cmd->add_flag("!--no-pictures", *pictures, "Do not write the FSC curve's PNG");
  cmd->callback([model, truth, pictures] {
    require_input_file(*model, "model");
    require_input_file(*truth, "truth");
    const spi::ModelFile m = spi::read_model(*model);
    const spi::SpiDataset d = spi::read_dataset(*truth, true);
    if (!m.orientations.empty() && int64_t(m.orientations.size()) != d.images)
      throw InputError("compare: expected a model of the truth's " + std::to_string(d.images) + " images; found " +
                       std::to_string(m.orientations.size()) + " orientations");
    const std::vector<double> rho(d.density.begin(), d.density.end());
    const spi::Comparison c = spi::compare(m.density, m.n, m.voxel, m.orientations, rho, d.density_n, d.density_voxel,
                                           m.orientations.empty() ? std::vector<spi::Rotation>{} : d.orientations);
    std::printf("orientations: median error %.3g deg (after the global rotation)\n", c.median_orientation_error * 180 / M_PI);
    std::printf("hand: %s; shift (%.2f, %.2f, %.2f) voxels\n", c.inverted ? "inverted" : "as the truth", c.shift[0],
                c.shift[1], c.shift[2]);
    auto res = [](double r, bool reached) {
      char b[64];
      std::snprintf(b, sizeof b, reached ? "%.3g A" : "better than %.3g A (the grid's limit)", r);
      return std::string(b);
    };
    std::printf("FSC 0.5: %s; FSC 0.143: %s; data edge resolution %.3g A\n", res(c.fsc.resolution_05, c.fsc.reached_05).c_str(),
                res(c.fsc.resolution_0143, c.fsc.reached_0143).c_str(), spi::edge_resolution(d.detector));
    if (*pictures) {
      const std::string stem = (std::filesystem::path(*model).parent_path() / std::filesystem::path(*model).stem()).string();
      write_pictures_or_warn([&] { spi::write_fsc_picture(stem + "_fsc.png", c.fsc); });
    }
  });
}

}  // namespace phasis::cli
