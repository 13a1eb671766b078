// How a cell is cut into slices along the beam (z), and which slice holds a given height.
// Equal slicing (the default, as abTEM slices): count = ceil(cell_z / requested - kBoundaryTolerance),
// each slice cell_z / count thick, so a crystal cell is always divided into whole, equal slices
// (a requested thickness that divides the cell to within the tolerance gives exactly that
// thickness, never an extra sliver). Fixed slicing: slices of the requested thickness, the last one
// taking what remains of the cell.
// Boundaries: an atom whose centre lies within kBoundaryTolerance x (slice thickness) below a
// boundary belongs to the slice that starts there, so layers of a crystal that sit on boundaries
// (a period that is a multiple of the slice thickness, coordinates rounded by float arithmetic or a
// file's decimals) all go to the slice above them, one layer per slice. Centres below 0 go to the
// first slice, centres at or above the last slice's start to the last one (including a centre
// within the tolerance of the cell's top, where no slice starts).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace phasis::ms {

enum class SliceMode { equal, fixed };

/// Relative to the slice thickness: 1e-6 of 2 Angstrom is 2e-6 Angstrom, far above float noise in
/// coordinates (1e-15 relative) and six decimals in files, far below any real atomic spacing.
constexpr double kBoundaryTolerance = 1e-6;

struct Slicing {
  std::vector<double> start;      // z of each slice's entrance [Angstrom], start[0] = 0
  std::vector<double> thickness;  // [Angstrom]
  double tolerance = 0;           // kBoundaryTolerance x the (equal or requested) slice thickness

  int64_t count() const { return int64_t(thickness.size()); }
  /// The slice that holds a centre at height z, as described above.
  int64_t index(double z) const;
  /// The slice that holds z without the boundary tolerance (floor), clamped to the cell's slices:
  /// for the ranges of slices that an atom's finite extent reaches.
  int64_t index_exact(double z) const;
};

/// Throws InputError unless cell_z > 0 and requested > 0.
Slicing make_slicing(double cell_z, double requested, SliceMode mode);

/// "equal", "fixed" (configs and result files); parse_slice_mode throws InputError for anything else.
const char* to_string(SliceMode m);
SliceMode parse_slice_mode(const std::string& s);

/// Number of centres (heights z) that index() puts in each slice.
std::vector<int32_t> atoms_per_slice(const Slicing& s, const std::vector<double>& z);

}  // namespace phasis::ms
