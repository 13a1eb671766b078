// PNG pictures of a simulation's result (outputs.hpp): what a person looks at after a run.
#include <algorithm>
#include <cmath>

#include "phasis/io/image.hpp"
#include "phasis/multislice/diffraction.hpp"
#include "phasis/multislice/outputs.hpp"

namespace phasis::ms {
namespace {

void write_gray(const std::string& path, const Array<double>& a, int64_t h, int64_t w) {
  std::vector<float> f(std::size_t(h * w));
  for (int64_t i = 0; i < h * w; ++i) f[std::size_t(i)] = float(a[i]);
  write_png_gray(path, f.data(), h, w);
}

/// Panels (n, h, w) side by side with a 2-pixel gap, each scaled to its own range (a series'
/// contrast changes from panel to panel), as one PNG.
void write_strip(const std::string& path, const Array<double>& panels) {
  const int64_t n = panels.shape()[0], h = panels.shape()[1], w = panels.shape()[2], gap = 2, width = n * w + (n - 1) * gap;
  std::vector<float> f(std::size_t(h * width), 1.0f);
  for (int64_t k = 0; k < n; ++k) {
    double lo = 1e300, hi = -1e300;
    for (int64_t i = 0; i < h * w; ++i) lo = std::min(lo, panels[k * h * w + i]), hi = std::max(hi, panels[k * h * w + i]);
    const double scale = hi > lo ? 1.0 / (hi - lo) : 0.0;
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x)
        f[std::size_t(y * width + k * (w + gap) + x)] = float((panels[(k * h + y) * w + x] - lo) * scale);
  }
  write_png_gray(path, f.data(), h, width);
}

}  // namespace

std::vector<std::string> write_pictures(const std::string& prefix, const Simulation& s, const SimulationResult& r) {
  std::vector<std::string> written;
  if (s.wave == WaveKind::plane) {
    write_gray(prefix + "_exit_intensity.png", r.exit_intensity, s.grid.ny, s.grid.nx);
    write_gray(prefix + "_hrtem.png", r.image, s.grid.ny, s.grid.nx);
    written = {prefix + "_exit_intensity.png", prefix + "_hrtem.png"};
    if (!r.diffraction.empty()) {  // as written: cropped, the beam stop's pixels at the floor; log scale
      Array<double> one(Shape{1, s.grid.ny, s.grid.nx});
      for (int64_t i = 0; i < s.grid.pixels(); ++i) one[i] = r.diffraction[i];
      const Array<double> crop = cropped_patterns(one, s.grid, s.energy, s.diffraction_max_angle, s.beam_stop);
      Array<double> lg(Shape{crop.shape()[1], crop.shape()[2]});
      for (int64_t i = 0; i < lg.size(); ++i) lg[i] = std::log10(std::max(crop[i], 1e-8));
      write_gray(prefix + "_diffraction.png", lg, lg.shape()[0], lg.shape()[1]);
      written.push_back(prefix + "_diffraction.png");
    }
    if (!r.defocus_images.empty()) {
      write_strip(prefix + "_defocus_series.png", r.defocus_images);
      written.push_back(prefix + "_defocus_series.png");
    }
    if (!r.thickness_intensity.empty()) {
      write_strip(prefix + "_thickness_series.png", r.thickness_intensity);
      written.push_back(prefix + "_thickness_series.png");
    }
    return written;
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
