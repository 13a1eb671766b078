#include <gtest/gtest.h>

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"

using namespace phasis;

TEST(Array, ShapeStridesAndSize) {
  Array<float> a(Shape{3, 4, 5});
  EXPECT_EQ(a.size(), 60);
  EXPECT_EQ(a.shape().strides()[0], 20);
  EXPECT_EQ(a.shape().strides()[1], 5);
  EXPECT_EQ(a.shape().str(), "(3, 4, 5)");
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a.data()) % 64, 0u);
}

TEST(Array, ViewAndSliceIndexTheSameMemory) {
  Array<int> a(Shape{4, 3});
  for (int i = 0; i < 12; ++i) a[i] = i;
  auto v = a.view();
  EXPECT_EQ(v(2, 1), 7);
  auto s = v.slice(1, 3);
  EXPECT_EQ(s.shape[0], 2);
  EXPECT_EQ(s(0, 0), 3);
  EXPECT_EQ(s(1, 2), 8);
}

TEST(Array, CopyBetweenHostArrays) {
  Array<Complex<double>> a(Shape{2, 2});
  for (int i = 0; i < 4; ++i) a[i] = {double(i), -double(i)};
  Array<Complex<double>> b = a.to(Memory::host);
  EXPECT_EQ(b[3].re, 3.0);
  EXPECT_EQ(b[3].im, -3.0);
  EXPECT_THROW(b.reshape(Shape{3}), InternalError);
}

TEST(Complex, Arithmetic) {
  Complex<float> a{1, 2}, b{3, -1};
  auto c = a * b;
  EXPECT_FLOAT_EQ(c.re, 5);
  EXPECT_FLOAT_EQ(c.im, 5);
  auto d = conj_mul(a, b);  // (1-2i)(3-i) = 1 - 7i
  EXPECT_FLOAT_EQ(d.re, 1);
  EXPECT_FLOAT_EQ(d.im, -7);
  EXPECT_FLOAT_EQ(norm2(a), 5);
}
