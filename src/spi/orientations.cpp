#include "phasis/spi/orientations.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "phasis/core/error.hpp"

namespace phasis::spi {

namespace {
constexpr double kPsi = 1.533751168755204288118041;  // the real root of psi^4 = psi + 4
}

Rotation reference_rotation(int64_t index, int64_t count) {
  if (count < 1 || index < 0 || index >= count)
    throw InputError("spi reference orientations: expected 0 <= index < count; found index " +
                     std::to_string(index) + " of " + std::to_string(count));
  const double s = index + 0.5, t = s / static_cast<double>(count);
  const double r = std::sqrt(t), big_r = std::sqrt(1 - t);
  const double a = 2 * std::numbers::pi * s / std::numbers::sqrt2, b = 2 * std::numbers::pi * s / kPsi;
  // fmod keeps the angle small, so the sine of a large s loses no digits to the argument reduction.
  const double am = std::fmod(a, 2 * std::numbers::pi), bm = std::fmod(b, 2 * std::numbers::pi);
  return rotation_from_quaternion(r * std::sin(am), r * std::cos(am), big_r * std::sin(bm), big_r * std::cos(bm));
}

std::vector<Rotation> reference_rotations(int64_t begin, int64_t end, int64_t count) {
  if (begin < 0 || end < begin || end > count)
    throw InputError("spi reference orientations: expected 0 <= begin <= end <= count; found [" +
                     std::to_string(begin) + ", " + std::to_string(end) + ") of " + std::to_string(count));
  std::vector<Rotation> out;
  out.reserve(static_cast<size_t>(end - begin));
  for (int64_t i = begin; i < end; ++i) out.push_back(reference_rotation(i, count));
  return out;
}

double reference_spacing(int64_t count) {
  if (count < 1) throw InputError("spi reference orientations: expected at least one; found " + std::to_string(count));
  // Newton on f(theta) = theta - sin theta - pi / count, from the small-angle solution.
  const double target = std::numbers::pi / static_cast<double>(count);
  double theta = std::cbrt(6 * target);
  if (theta > std::numbers::pi) return std::numbers::pi;
  for (int i = 0; i < 30; ++i) {
    const double f = theta - std::sin(theta) - target, df = 1 - std::cos(theta);
    if (df <= 0) break;
    theta = std::min(std::numbers::pi, std::max(1e-12, theta - f / df));
  }
  return theta;
}

}  // namespace phasis::spi
