// phasis ptycho compare OUT.h5 TRUTH.cxi: object error over the illuminated region.
#include <cmath>
#include <cstdio>

#include "commands.hpp"
#include "phasis/core/error.hpp"
#include "phasis/io/cxi.hpp"
#include "phasis/ptycho/compare.hpp"
#include "phasis/ptycho/output.hpp"
#include "phasis/ptycho/problem.hpp"

namespace phasis::cli {
namespace {

/// A reconstruction on another pixel grid, or one that diverged, has no meaningful error against
/// the truth: say which, instead of returning a number or blaming the illuminated region.
void check_comparable(const Reconstruction& rec, double truth_pixel_y_m, double truth_pixel_x_m) {
  auto differs = [](double a, double b) { return a > 0 && std::abs(a - b) > 1e-6 * b; };
  if (differs(rec.pixel_y_m, truth_pixel_y_m) || differs(rec.pixel_x_m, truth_pixel_x_m)) {
    char msg[256];
    std::snprintf(msg, sizeof msg,
                  "compare: expected the truth's object pixel size %.4g x %.4g m; found %.4g x %.4g m in the reconstruction",
                  truth_pixel_y_m, truth_pixel_x_m, rec.pixel_y_m, rec.pixel_x_m);
    throw InputError(msg);
  }
  int64_t bad = 0;
  for (int64_t i = 0; i < rec.object.size(); ++i)
    bad += !(std::isfinite(rec.object[i].re) && std::isfinite(rec.object[i].im));
  if (bad > 0)
    throw InputError("compare: expected a finite reconstruction; found " + std::to_string(bad) +
                     " NaN or infinite object pixels");
}

}  // namespace

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
    PtychoTruth truth = cxi.truth();
    const PtychoGeometry g = cxi.geometry();
    const int64_t m = cxi.frame_size();
    check_comparable(rec, g.object_pixel_y_m(m), g.object_pixel_x_m(m));
    Array<int64_t> pos = positions_in_pixels(cxi.translations(), g.object_pixel_y_m(m), g.object_pixel_x_m(m));
    for (int64_t j = 0; j < pos.shape()[0]; ++j) {
      pos[2 * j] -= int64_t(truth.origin_y);
      pos[2 * j + 1] -= int64_t(truth.origin_x);
    }
    const int64_t h = truth.object.shape()[0], w = truth.object.shape()[1];
    Array<uint8_t> region = illuminated_region(truth.probe, pos, h, w, *threshold);
    CompareResult c = compare_objects(rec.object, rec.origin_y, rec.origin_x, truth.object, truth.origin_y,
                                      truth.origin_x, region, *max_shift);
    std::printf("phase RMSE %.4f rad; complex error %.4f (%lld illuminated pixels; shift %.2f, %.2f px; ramp %.2e, %.2e rad/px)\n",
                c.phase_rmse, c.complex_error, (long long)c.pixels, c.shift_y + c.subpixel_y, c.shift_x + c.subpixel_x,
                c.ramp_y, c.ramp_x);
  });
}

}  // namespace phasis::cli
