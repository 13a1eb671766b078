// Images that share an orientation share their pixels' coordinates in the molecule frame, so the
// merge adds their values pixel by pixel and spreads each coordinate once, with the number of
// images as its weight: exact, because the type-1 sums are linear in the strengths (only float
// rounding changes). Orientations found by matching are reference-grid orientations, identical bit
// for bit for images matched to the same reference: 10^4 images over 10^4 references leave about
// 1 - 1/e of them distinct (37% fewer points), and an experiment's 10^6 images over 10^4
// references spread 1% of the points.
#pragma once

#include <cstdint>
#include <vector>

#include "phasis/spi/geometry.hpp"

namespace phasis::spi::detail {

struct OrientationGroups {
  std::vector<Rotation> rotation;  // one per group, in the order of each group's first image
  std::vector<int64_t> start;      // count() + 1 offsets into members
  std::vector<int64_t> members;    // image indices, group after group, increasing within a group
  int64_t count() const { return int64_t(rotation.size()); }
};

/// Groups of identical rotations (compared element by element).
OrientationGroups group_orientations(const std::vector<Rotation>& orientations);

}  // namespace phasis::spi::detail
