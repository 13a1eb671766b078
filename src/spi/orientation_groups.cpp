#include "orientation_groups.hpp"

#include <cstddef>
#include <map>

namespace phasis::spi::detail {

OrientationGroups group_orientations(const std::vector<Rotation>& orientations) {
  std::map<Rotation, int64_t> index;  // rotation -> group
  std::vector<int64_t> group_of(orientations.size());
  OrientationGroups g;
  for (std::size_t i = 0; i < orientations.size(); ++i) {
    auto [it, fresh] = index.try_emplace(orientations[i], g.count());
    if (fresh) g.rotation.push_back(orientations[i]);
    group_of[i] = it->second;
  }
  g.start.assign(std::size_t(g.count()) + 1, 0);
  for (int64_t k : group_of) ++g.start[std::size_t(k) + 1];
  for (int64_t k = 0; k < g.count(); ++k) g.start[std::size_t(k) + 1] += g.start[std::size_t(k)];
  g.members.resize(orientations.size());
  std::vector<int64_t> next(g.start.begin(), g.start.end() - 1);
  for (std::size_t i = 0; i < orientations.size(); ++i) g.members[std::size_t(next[std::size_t(group_of[i])]++)] = int64_t(i);
  return g;
}

}  // namespace phasis::spi::detail
