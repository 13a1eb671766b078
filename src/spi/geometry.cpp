#include "phasis/spi/geometry.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <string>

#include "phasis/core/error.hpp"

namespace phasis::spi {

Rotation rotation_from_quaternion(double w, double x, double y, double z) {
  return {1 - 2 * (y * y + z * z), 2 * (x * y - w * z),     2 * (x * z + w * y),
          2 * (x * y + w * z),     1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
          2 * (x * z - w * y),     2 * (y * z + w * x),     1 - 2 * (x * x + y * y)};
}

std::vector<Rotation> random_rotations(int64_t count, uint64_t seed) {
  if (count < 0) throw InputError("spi rotations: expected a count >= 0; found " + std::to_string(count));
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const double two_pi = 2 * std::numbers::pi;
  std::vector<Rotation> out;
  out.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    // Shoemake (1992): three uniform numbers give a unit quaternion uniform on S^3.
    const double u1 = u(rng), u2 = u(rng), u3 = u(rng);
    const double a = std::sqrt(1 - u1), b = std::sqrt(u1);
    out.push_back(rotation_from_quaternion(b * std::cos(two_pi * u3), a * std::sin(two_pi * u2),
                                           a * std::cos(two_pi * u2), b * std::sin(two_pi * u3)));
  }
  return out;
}

double rotation_angle(const Rotation& a, const Rotation& b) {
  double trace = 0;  // trace(a^T b)
  for (int i = 0; i < 9; ++i) trace += a[i] * b[i];
  return std::acos(std::clamp((trace - 1) / 2, -1.0, 1.0));
}

std::array<std::vector<double>, 3> pixel_coordinates(const Detector& d) {
  if (d.pixels < 1) throw InputError("spi detector: expected at least 1 pixel; found " + std::to_string(d.pixels));
  if (!(d.pixel_size > 0) || !(d.distance > 0) || !(d.wavelength > 0))
    throw InputError("spi detector: expected positive pixel size, distance and wavelength");
  const int64_t n = d.pixels, m = n * n;
  std::array<std::vector<double>, 3> s;
  for (auto& v : s) v.resize(static_cast<size_t>(m));
  const double centre = (n - 1) / 2.0;
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < n; ++c) {
      const double x = (c - centre) * d.pixel_size, y = (r - centre) * d.pixel_size, z = d.distance;
      const double len = std::sqrt(x * x + y * y + z * z);
      const int64_t j = r * n + c;
      s[0][j] = x / len / d.wavelength;
      s[1][j] = y / len / d.wavelength;
      s[2][j] = (z / len - 1) / d.wavelength;
    }
  return s;
}

void rotate_points(const Rotation& r, int64_t m, const double* sx, const double* sy, const double* sz,
                   double* ox, double* oy, double* oz) {
  for (int64_t j = 0; j < m; ++j) {  // R^T s: column i of R dotted with s
    ox[j] = r[0] * sx[j] + r[3] * sy[j] + r[6] * sz[j];
    oy[j] = r[1] * sx[j] + r[4] * sy[j] + r[7] * sz[j];
    oz[j] = r[2] * sx[j] + r[5] * sy[j] + r[8] * sz[j];
  }
}

}  // namespace phasis::spi
