// Checks of a ptychography dataset made in memory (dataset.hpp), with the messages of the CXI
// reader's checks: what was expected, what was found and where.
#include <cmath>
#include <cstdio>
#include <string>

#include "phasis/core/error.hpp"
#include "phasis/ptycho/dataset.hpp"

namespace phasis {

namespace {
std::string number(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}
}  // namespace

void check_data(const PtychoData& d) {
  const Shape& s = d.intensities.shape();
  if (s.rank != 3 || s[0] < 1 || s[1] != s[2] || s[1] < 2)
    throw InputError("frames: expected N x M x M intensities with N >= 1, M >= 2; found " + s.str());
  const int64_t n = s[0], m = s[1], frame = m * m;
  if (d.translations.shape().rank != 2 || d.translations.shape()[0] != n || d.translations.shape()[1] != 3)
    throw InputError("translations: expected " + std::to_string(n) + " x 3 (x, y, z in metres, one per frame); found " +
                     d.translations.shape().str());
  for (int64_t i = 0; i < 3 * n; ++i)
    if (!std::isfinite(d.translations[i]))
      throw InputError("translations: expected finite values; found " + number(d.translations[i]) + " at frame " +
                       std::to_string(i / 3) + ", column " + std::to_string(i % 3));
  const std::pair<const char*, double> geometry[] = {{"energy", d.geometry.energy_J},
                                                     {"distance", d.geometry.distance_m},
                                                     {"pixel size x", d.geometry.pixel_x_m},
                                                     {"pixel size y", d.geometry.pixel_y_m}};
  for (const auto& [name, v] : geometry)
    if (!(std::isfinite(v) && v > 0)) throw InputError(std::string(name) + ": expected a positive, finite value; found " + number(v));
  for (int64_t i = 0; i < n * frame; ++i) {
    const float v = d.intensities[i];
    if (std::isfinite(v) && v >= 0) continue;
    throw InputError("frames: expected finite, non-negative intensities; found " + number(v) + " at frame " +
                     std::to_string(i / frame) + ", pixel (" + std::to_string((i % frame) / m) + ", " +
                     std::to_string(i % m) + ")");
  }
  if (!d.valid.empty() && d.valid.shape() != Shape{m, m})
    throw InputError("mask: expected " + std::to_string(m) + " x " + std::to_string(m) + " (the frames'); found " +
                     d.valid.shape().str());
  if (!d.probe.empty() && d.probe.shape() != Shape{m, m})
    throw InputError("probe: expected " + std::to_string(m) + " x " + std::to_string(m) + " (the frames'); found " +
                     d.probe.shape().str());
}

}  // namespace phasis
