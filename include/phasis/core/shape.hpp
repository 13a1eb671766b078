// Shape and strides of arrays up to rank 4, row-major (last index fastest), in elements.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>

namespace phasis {

constexpr int kMaxRank = 4;

struct Shape {
  std::array<int64_t, kMaxRank> dims{};
  int rank = 0;

  Shape() = default;
  Shape(std::initializer_list<int64_t> d);

  int64_t operator[](int i) const { return dims[i]; }
  int64_t size() const;
  /// Row-major strides in elements.
  std::array<int64_t, kMaxRank> strides() const;
  bool operator==(const Shape& o) const;
  bool operator!=(const Shape& o) const { return !(*this == o); }
  /// "(N, M, M)", for error messages.
  std::string str() const;
};

}  // namespace phasis
