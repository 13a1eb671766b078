// phasis ptycho compare OUT.h5 TRUTH.cxi: object error over the illuminated region.
#include <cstdio>

#include "commands.hpp"
#include "phasis/core/error.hpp"
#include "phasis/io/cxi.hpp"
#include "phasis/ptycho/compare.hpp"
#include "phasis/ptycho/output.hpp"
#include "phasis/ptycho/problem.hpp"

namespace phasis::cli {
void add_ptycho_compare(CLI::App& ptycho) {
  auto* cmd = ptycho.add_subcommand("compare", "Object error of a reconstruction against the simulator's truth");
  auto rec_path = std::make_shared<std::string>(), truth_path = std::make_shared<std::string>();
  auto threshold = std::make_shared<double>(0.1);
  auto max_shift = std::make_shared<int64_t>(8);
  cmd->add_option("reconstruction", *rec_path, "HDF5 file written by phasis ptycho reconstruct")->required();
  cmd->add_option("truth", *truth_path, "CXI file written by phasis ptycho simulate")->required();
  cmd->add_option("--threshold", *threshold, "Illuminated region: summed probe intensity above this fraction of its maximum")
      ->capture_default_str();
  cmd->add_option("--max-shift", *max_shift, "Largest object translation searched, pixels")->capture_default_str();
  cmd->callback([=] {
    require_input_file(*rec_path, "reconstruction");
    require_input_file(*truth_path, "truth CXI file");
    if (!(*threshold > 0 && *threshold < 1)) throw InputError("--threshold: expected in (0, 1); found " + std::to_string(*threshold));
    Reconstruction rec = read_reconstruction(*rec_path);
    CxiReader cxi(*truth_path);
    if (!cxi.has_truth()) throw InputError("'" + *truth_path + "': expected a simulated file with entry_1/phasis_truth; found none");
    const PtychoTruth truth = cxi.truth();
    const CompareResult c = compare_with_truth(rec.object, rec.origin_y, rec.origin_x, rec.pixel_y_m, rec.pixel_x_m, truth,
                                               cxi.geometry(), cxi.frame_size(), cxi.translations(), *threshold, *max_shift);
    std::printf("phase RMSE %.4f rad; complex error %.4f (%lld illuminated pixels; shift %.2f, %.2f px; ramp %.2e, %.2e rad/px)\n",
                c.phase_rmse, c.complex_error, (long long)c.pixels, c.shift_y + c.subpixel_y, c.shift_x + c.subpixel_x,
                c.ramp_y, c.ramp_x);
  });
}

}  // namespace phasis::cli
