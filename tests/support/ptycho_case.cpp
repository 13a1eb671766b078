#include "ptycho_case.hpp"

#include <cstdio>

#include "phasis/ptycho/problem.hpp"

namespace phasis::testing {

PtychoCase simulate_and_reconstruct(const SimulationOptions& so, const DmOptions& opt, const Device& device,
                                    Precision precision) {
  return simulate_and_reconstruct(so, "dm", opt, device, precision);
}

PtychoCase simulate_and_reconstruct(const SimulationOptions& so, const std::string& algorithm, const SolverOptions& opt,
                                    const Device& device, Precision precision) {
  PtychoData data;
  PtychoTruth truth;
  simulate(so, data, truth);
  const int64_t m = so.frame_size;
  // Scan positions in the truth object's pixels, for its illuminated region.
  Array<int64_t> pos = positions_in_pixels(data.translations, data.geometry.object_pixel_y_m(m),
                                           data.geometry.object_pixel_x_m(m));
  for (int64_t j = 0; j < pos.shape()[0]; ++j) {
    pos[2 * j] -= int64_t(truth.origin_y);
    pos[2 * j + 1] -= int64_t(truth.origin_x);
  }
  PtychoProblem pr = make_problem(std::move(data));
  PtychoCase c;
  c.result = reconstruct(pr, algorithm, opt, device, precision);
  Array<uint8_t> region = illuminated_region(truth.probe, pos, truth.object.shape()[0], truth.object.shape()[1]);
  c.cmp = compare_objects(c.result.object, pr.origin_y, pr.origin_x, truth.object, truth.origin_y, truth.origin_x, region);
  std::printf("%s, %d mode(s), %d iterations: phase RMSE %.4f rad, complex error %.4f, error %.3e -> %.3e; occupancy",
              algorithm.c_str(), opt.probe_modes, opt.iterations, c.cmp.phase_rmse, c.cmp.complex_error, c.result.fourier_error.front(),
              c.result.fourier_error.back());
  for (double o : c.result.occupancy) std::printf(" %.1f%%", 100 * o);
  std::printf("\n");
  return c;
}

}  // namespace phasis::testing
