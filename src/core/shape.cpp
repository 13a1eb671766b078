#include "phasis/core/shape.hpp"

#include "phasis/core/error.hpp"

namespace phasis {

Shape::Shape(std::initializer_list<int64_t> d) {
  if (d.size() > kMaxRank) throw InternalError("Shape: rank above 4");
  for (int64_t v : d) dims[rank++] = v;
}

int64_t Shape::size() const {
  int64_t n = 1;
  for (int i = 0; i < rank; ++i) n *= dims[i];
  return rank == 0 ? 0 : n;
}

std::array<int64_t, kMaxRank> Shape::strides() const {
  std::array<int64_t, kMaxRank> s{};
  int64_t acc = 1;
  for (int i = rank - 1; i >= 0; --i) {
    s[i] = acc;
    acc *= dims[i];
  }
  return s;
}

bool Shape::operator==(const Shape& o) const {
  if (rank != o.rank) return false;
  for (int i = 0; i < rank; ++i)
    if (dims[i] != o.dims[i]) return false;
  return true;
}

std::string Shape::str() const {
  std::string s = "(";
  for (int i = 0; i < rank; ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + ")";
}

}  // namespace phasis
