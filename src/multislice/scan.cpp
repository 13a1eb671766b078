// Grid and line scans; see scan.hpp.
#include "phasis/multislice/scan.hpp"

#include <string>

#include "phasis/core/error.hpp"

namespace phasis::ms {
namespace {

double step(double a, double b, int64_t n, bool endpoint) {
  const int64_t div = endpoint ? n - 1 : n;
  return div > 0 ? (b - a) / double(div) : 0.0;
}

}  // namespace

std::vector<Position> grid_scan(Position start, Position end, int64_t nx, int64_t ny, bool endpoint) {
  if (nx < 1 || ny < 1)
    throw InputError("grid scan: expected at least 1 x 1 positions; found " + std::to_string(nx) + " x " + std::to_string(ny));
  const double sx = step(start.first, end.first, nx, endpoint), sy = step(start.second, end.second, ny, endpoint);
  std::vector<Position> out;
  out.reserve(std::size_t(nx * ny));
  for (int64_t j = 0; j < ny; ++j)
    for (int64_t i = 0; i < nx; ++i) out.emplace_back(start.first + double(i) * sx, start.second + double(j) * sy);
  return out;
}

std::vector<Position> line_scan(Position start, Position end, int64_t n) {
  if (n < 1) throw InputError("line scan: expected at least 1 position; found " + std::to_string(n));
  const double sx = step(start.first, end.first, n, true), sy = step(start.second, end.second, n, true);
  std::vector<Position> out;
  for (int64_t i = 0; i < n; ++i) out.emplace_back(start.first + double(i) * sx, start.second + double(i) * sy);
  return out;
}

}  // namespace phasis::ms
