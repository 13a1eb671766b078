// Reference orientations for M-TIP's matching: a deterministic, nearly uniform set of N rotations
// of which any element can be made on its own, so batches are generated on the fly and never
// stored (10^6 references would be 72 MB as matrices, and their rotated pixels terabytes).
//
// The set is Alexa's super-Fibonacci spiral (CVPR 2022): quaternion i of N is
//   s = i + 1/2, r = sqrt(s/N), R = sqrt(1 - s/N), a = 2 pi s / sqrt(2), b = 2 pi s / psi,
//   q = (r sin a, r cos a, R sin b, R cos b),  psi^4 = psi + 4 (psi = 1.5337...),
// whose points cover S^3 (so SO(3)) with low discrepancy for every N, unlike grids that exist only
// for some N (HEALPix-based) or random sets (clumps and holes).
#pragma once

#include <cstdint>
#include <vector>

#include "phasis/spi/geometry.hpp"

namespace phasis::spi {

/// Rotation `index` of the set of `count` (0 <= index < count).
Rotation reference_rotation(int64_t index, int64_t count);
/// Rotations [begin, end) of the set of `count`.
std::vector<Rotation> reference_rotations(int64_t begin, int64_t end, int64_t count);
/// The grid's spacing (radians): the radius of a ball of SO(3) whose volume is 1/count of the whole
/// ((theta - sin theta) / pi = 1 / count; about (6 pi / count)^(1/3)). An orientation found by
/// matching to the nearest reference is off by about this much at most, half of it on average.
double reference_spacing(int64_t count);

}  // namespace phasis::spi
