// Probe positions for STEM: (x, y) pairs in Angstrom, x fastest.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace phasis::ms {

using Position = std::pair<double, double>;  // (x, y) [Angstrom]

/// nx x ny positions spaced evenly from start towards end; with endpoint = false the end is left
/// out (the spacing is (end - start) / n), so that a scan over one periodic cell does not visit
/// the same site twice. Throws InputError for nx or ny < 1.
std::vector<Position> grid_scan(Position start, Position end, int64_t nx, int64_t ny, bool endpoint = false);
/// n positions on the segment from start to end, both included (n >= 2; n == 1 gives start).
std::vector<Position> line_scan(Position start, Position end, int64_t n);

}  // namespace phasis::ms
