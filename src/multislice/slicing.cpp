// Cutting a cell into slices and assigning heights to them; see slicing.hpp.
#include "phasis/multislice/slicing.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "phasis/core/error.hpp"

namespace phasis::ms {

Slicing make_slicing(double cell_z, double requested, SliceMode mode) {
  if (!(requested > 0))
    throw InputError("slice thickness: expected a positive length in Angstrom; found " + std::to_string(requested));
  if (!(cell_z > 0)) throw InputError("cell z: expected a positive length in Angstrom; found " + std::to_string(cell_z));
  // The tolerance keeps a cell that is a multiple of the thickness (to float rounding) from
  // gaining an empty or sliver slice.
  const auto n = std::max<int64_t>(1, int64_t(std::ceil(cell_z / requested - kBoundaryTolerance)));
  Slicing s;
  const double equal = cell_z / double(n);
  s.tolerance = kBoundaryTolerance * (mode == SliceMode::equal ? equal : requested);
  for (int64_t k = 0; k < n; ++k) {
    // Each start is k times the thickness (not a running sum), so boundaries carry one rounding.
    const double z0 = double(k) * (mode == SliceMode::equal ? equal : requested);
    s.start.push_back(z0);
    s.thickness.push_back(mode == SliceMode::equal ? equal : std::min(requested, cell_z - z0));
  }
  return s;
}

int64_t Slicing::index(double z) const {
  // The last start at or below z + tolerance.
  const auto it = std::upper_bound(start.begin(), start.end(), z + tolerance);
  return std::clamp<int64_t>(int64_t(it - start.begin()) - 1, 0, count() - 1);
}

int64_t Slicing::index_exact(double z) const {
  const auto it = std::upper_bound(start.begin(), start.end(), z);
  return std::clamp<int64_t>(int64_t(it - start.begin()) - 1, 0, count() - 1);
}

const char* to_string(SliceMode m) { return m == SliceMode::equal ? "equal" : "fixed"; }

SliceMode parse_slice_mode(const std::string& s) {
  if (s == "equal") return SliceMode::equal;
  if (s == "fixed") return SliceMode::fixed;
  throw InputError("slicing: expected \"equal\" or \"fixed\"; found \"" + s + "\"");
}

std::vector<int32_t> atoms_per_slice(const Slicing& s, const std::vector<double>& z) {
  std::vector<int32_t> n(std::size_t(s.count()), 0);
  for (double h : z) ++n[std::size_t(s.index(h))];
  return n;
}

}  // namespace phasis::ms
