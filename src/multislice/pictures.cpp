// PNG pictures of a simulation's result (outputs.hpp): what a person looks at after a run.
#include <algorithm>
#include <cmath>

#include "phasis/io/image.hpp"
#include "phasis/multislice/outputs.hpp"

namespace phasis::ms {
namespace {

void write_gray(const std::string& path, const Array<double>& a, int64_t h, int64_t w) {
  std::vector<float> f(std::size_t(h * w));
  for (int64_t i = 0; i < h * w; ++i) f[std::size_t(i)] = float(a[i]);
  write_png_gray(path, f.data(), h, w);
}

}  // namespace

std::vector<std::string> write_pictures(const std::string& prefix, const Simulation& s, const SimulationResult& r) {
  std::vector<std::string> written;
  if (s.wave == WaveKind::plane) {
    write_gray(prefix + "_exit_intensity.png", r.exit_intensity, s.grid.ny, s.grid.nx);
    write_gray(prefix + "_hrtem.png", r.image, s.grid.ny, s.grid.nx);
    return {prefix + "_exit_intensity.png", prefix + "_hrtem.png"};
  }
  // Only a grid scan's readings form an image; a line or custom scan's do not.
  if (s.scan == ScanKind::grid)
    for (std::size_t d = 0; d < s.detectors.size(); ++d)
      if (s.detectors[d].type == DetectorType::annular) {
        const std::string path = prefix + "_" + s.detectors[d].name + ".png";
        write_gray(path, r.readings[d], s.scan_shape[0], s.scan_shape[1]);
        written.push_back(path);
      }
  if (!r.mean_pattern.empty()) {
    // Logarithmic: the bright field is orders of magnitude above the dark field.
    Array<double> lg(r.mean_pattern.shape());
    for (int64_t i = 0; i < lg.size(); ++i) lg[i] = std::log10(std::max(r.mean_pattern[i], 1e-12));
    write_gray(prefix + "_mean_diffraction.png", lg, lg.shape()[0], lg.shape()[1]);
    written.push_back(prefix + "_mean_diffraction.png");
  }
  return written;
}

}  // namespace phasis::ms
