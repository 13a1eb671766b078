// The grey picture with its colour bar (monitor/colour_bar.hpp): the image's pixels are the
// values on the lo..hi scale, the bar runs from hi (white, top) to lo (black, bottom), and the
// labels are drawn beside it.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "monitor/canvas.hpp"
#include "monitor/colour_bar.hpp"

using namespace phasis::monitor;

TEST(ColourBar, TheImageIsOnTheBarsScaleAndTheBarRunsFromHiToLo) {
  const int64_t h = 60, w = 80;
  std::vector<float> v(size_t(h * w));
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) v[size_t(y * w + x)] = -1.0f + 2.0f * float(x) / float(w - 1);  // -1 .. 1 along x
  v[0] = 5.0f;  // beyond hi: clipped to white
  const Canvas c = gray_with_colour_bar(v.data(), h, w, -1.0f, 1.0f, "rad");
  EXPECT_GT(c.width(), w + 20);  // the bar and its labels
  EXPECT_GE(c.height(), h);
  EXPECT_EQ(c.at(0, 0), (Rgb{255, 255, 255}));
  EXPECT_EQ(c.at(1, 0), (Rgb{0, 0, 0}));  // -1 = lo
  EXPECT_EQ(c.at(1, w - 1), (Rgb{255, 255, 255}));
  const float mid = -1.0f + 2.0f * float(w / 2) / float(w - 1);
  EXPECT_EQ(c.at(1, w / 2).r, uint8_t(std::lround(255 * (mid + 1) / 2)));
  // The bar: find its column (the first grey column right of the image) and read top and bottom.
  int64_t bx = -1;
  for (int64_t x = w; x < c.width() && bx < 0; ++x)
    if (c.at(c.height() / 4, x) != Rgb{255, 255, 255} && c.at(c.height() / 4, x) != Rgb{40, 40, 40}) bx = x;
  ASSERT_GE(bx, 0) << "no bar right of the image";
  // The bar's rows: grey, inside its ink frame; white at the top (hi), black at the bottom (lo),
  // never lighter going down.
  int64_t top = -1, bottom = -1;
  for (int64_t y = 0; y < c.height(); ++y) {
    const Rgb p = c.at(y, bx + 2);
    if (p == Rgb{40, 40, 40} || (p == Rgb{255, 255, 255} && top >= 0)) continue;
    if (top < 0) top = y;
    bottom = y;
  }
  ASSERT_GE(top, 0);
  EXPECT_GE(bottom - top, h - 3);
  EXPECT_GT(c.at(top, bx + 2).r, 245);
  EXPECT_LT(c.at(bottom, bx + 2).r, 10);
  for (int64_t y = top + 1; y <= bottom; ++y) ASSERT_LE(c.at(y, bx + 2).r, c.at(y - 1, bx + 2).r) << y;
  // Labels: ink to the right of the bar, at the top (hi) and at the bottom (lo).
  auto ink_in_rows = [&](int64_t y0, int64_t y1) {
    int64_t n = 0;
    for (int64_t y = y0; y < y1; ++y)
      for (int64_t x = bx + 16; x < c.width(); ++x) n += c.at(y, x) == Rgb{40, 40, 40};
    return n;
  };
  EXPECT_GT(ink_in_rows(0, 8), 5);
  EXPECT_GT(ink_in_rows(bottom - 8, bottom + 1), 5);
}
