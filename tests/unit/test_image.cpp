#include <gtest/gtest.h>
#include <png.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "phasis/core/error.hpp"
#include "phasis/io/image.hpp"
#include "testing.hpp"

using namespace phasis;
using phasis::testing::TempDir;
namespace fs = std::filesystem;

namespace {

struct Header {
  bool signature = false;
  uint32_t width = 0, height = 0;
  int bit_depth = 0, colour_type = 0;
};

uint32_t big_endian(const unsigned char* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

/// The PNG signature and the IHDR chunk, which must come first.
Header read_header(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::vector<unsigned char> b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  Header h;
  if (b.size() < 8 + 8 + 13) return h;
  const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  h.signature = std::memcmp(b.data(), sig, 8) == 0;
  EXPECT_EQ(big_endian(&b[8]), 13u) << "IHDR length";
  EXPECT_EQ(std::string(b.begin() + 12, b.begin() + 16), "IHDR");
  h.width = big_endian(&b[16]);
  h.height = big_endian(&b[20]);
  h.bit_depth = b[24];
  h.colour_type = b[25];
  return h;
}

/// Decoded pixels, through libpng (components per pixel: 1 grey, 3 RGB).
std::vector<uint8_t> decode(const std::string& path, png_uint_32 format) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) {
    ADD_FAILURE() << image.message;
    return {};
  }
  image.format = format;
  std::vector<uint8_t> px(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, px.data(), 0, nullptr)) ADD_FAILURE() << image.message;
  return px;
}

Complex<float> from_polar(float r, float phase) { return {r * std::cos(phase), r * std::sin(phase)}; }

std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST(Image, GreyHeaderAndValues) {
  TempDir tmp;
  const int64_t h = 5, w = 7;
  std::vector<float> v(h * w);
  for (int64_t i = 0; i < h * w; ++i) v[i] = float(i);
  v[3] = NAN;
  std::string path = tmp.file("grey.png");
  write_png_gray(path, v.data(), h, w);
  Header hd = read_header(path);
  EXPECT_TRUE(hd.signature);
  EXPECT_EQ(hd.width, 7u);
  EXPECT_EQ(hd.height, 5u);
  EXPECT_EQ(hd.bit_depth, 8);
  EXPECT_EQ(hd.colour_type, 0);  // grey
  auto px = decode(path, PNG_FORMAT_GRAY);
  ASSERT_EQ(px.size(), std::size_t(h * w));
  EXPECT_EQ(px[0], 0);       // data minimum
  EXPECT_EQ(px[34], 255);    // data maximum
  EXPECT_EQ(px[3], 0);       // NaN
  EXPECT_EQ(px[17], 128);    // 17 / 34 of the way
  EXPECT_EQ(listing(tmp.path()), std::vector<std::string>{"grey.png"});
}

TEST(Image, GreyExplicitRangeClamps) {
  TempDir tmp;
  float v[4] = {-1, 0, 5, 100};
  std::string path = tmp.file("g.png");
  write_png_gray(path, v, 2, 2, 0, 10);
  auto px = decode(path, PNG_FORMAT_GRAY);
  ASSERT_EQ(px.size(), 4u);
  EXPECT_EQ(px[0], 0);
  EXPECT_EQ(px[1], 0);
  EXPECT_EQ(px[2], 128);
  EXPECT_EQ(px[3], 255);
}

TEST(Image, RgbHeader) {
  TempDir tmp;
  const int64_t h = 3, w = 11;
  std::vector<uint8_t> rgb(h * w * 3);
  for (std::size_t i = 0; i < rgb.size(); ++i) rgb[i] = uint8_t(i);
  std::string path = tmp.file("rgb.png");
  write_png_rgb(path, rgb.data(), h, w);
  Header hd = read_header(path);
  EXPECT_TRUE(hd.signature);
  EXPECT_EQ(hd.width, 11u);
  EXPECT_EQ(hd.height, 3u);
  EXPECT_EQ(hd.colour_type, 2);  // truecolour
  EXPECT_EQ(decode(path, PNG_FORMAT_RGB), rgb);
  EXPECT_EQ(listing(tmp.path()), std::vector<std::string>{"rgb.png"});
}

TEST(Image, PhaseAndComplexAreNanSafe) {
  TempDir tmp;
  const int64_t h = 4, w = 6;
  std::vector<Complex<float>> c(h * w);
  for (int64_t i = 0; i < h * w; ++i) c[i] = from_polar(1.0f + float(i % 3), float(i) * 0.4f - 3.0f);
  c[5] = {NAN, 1};
  c[6] = {0, 0};
  c[7] = {INFINITY, 0};
  write_png_phase(tmp.file("phase.png"), c.data(), h, w);
  write_png_complex(tmp.file("complex.png"), c.data(), h, w);
  for (const char* name : {"phase.png", "complex.png"}) {
    Header hd = read_header(tmp.file(name));
    EXPECT_TRUE(hd.signature) << name;
    EXPECT_EQ(hd.width, 6u) << name;
    EXPECT_EQ(hd.height, 4u) << name;
    auto px = decode(tmp.file(name), PNG_FORMAT_RGB);
    ASSERT_EQ(px.size(), std::size_t(h * w * 3));
    for (int ch = 0; ch < 3; ++ch) {
      EXPECT_EQ(px[5 * 3 + ch], 0) << name << ": NaN pixel is black";
      EXPECT_EQ(px[6 * 3 + ch], 0) << name << ": zero amplitude is black";
      EXPECT_EQ(px[7 * 3 + ch], 0) << name << ": infinite pixel is black";
    }
    int lit = 0;
    for (auto p : px) lit += p > 0;
    EXPECT_GT(lit, 40) << name;
  }
  EXPECT_EQ(listing(tmp.path()), (std::vector<std::string>{"complex.png", "phase.png"}));
}

TEST(Image, PhaseColoursDifferAndWrapAround) {
  TempDir tmp;
  const float pi = 3.14159265f;
  // Phases -pi and +pi are the same colour; 0 and pi are clearly different ones.
  Complex<float> c[4] = {from_polar(1.0f, -pi + 1e-6f), from_polar(1.0f, pi - 1e-6f), from_polar(1.0f, 0.0f), from_polar(1.0f, pi / 2)};
  write_png_phase(tmp.file("p.png"), c, 1, 4);
  auto px = decode(tmp.file("p.png"), PNG_FORMAT_RGB);
  ASSERT_EQ(px.size(), 12u);
  for (int ch = 0; ch < 3; ++ch) EXPECT_NEAR(px[ch], px[3 + ch], 2);
  int diff = 0;
  for (int ch = 0; ch < 3; ++ch) diff += std::abs(int(px[ch]) - int(px[6 + ch]));
  EXPECT_GT(diff, 60);
}

TEST(Image, UnwritablePathThrowsAndLeavesNothing) {
  TempDir tmp;
  float v[1] = {1};
  EXPECT_THROW(write_png_gray(tmp.file("missing/x.png"), v, 1, 1), InputError);
  EXPECT_THROW(write_png_gray(tmp.file("x.png"), v, 0, 1), InputError);
  EXPECT_TRUE(fs::is_empty(tmp.path()));
}

// The live view and the report send the same pictures from memory: byte for byte the files' PNGs.
TEST(Image, InMemoryPngsEqualTheFiles) {
  TempDir dir;
  const int64_t h = 5, w = 7;
  std::vector<float> grey(size_t(h * w));
  std::vector<Complex<float>> c(size_t(h * w));
  for (int64_t i = 0; i < h * w; ++i) grey[size_t(i)] = float(i % 9), c[size_t(i)] = {std::cos(0.3f * i), std::sin(0.7f * i)};
  auto bytes = [](const std::string& p) {
    std::ifstream f(p, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
  };
  write_png_gray(dir.file("g.png"), grey.data(), h, w, 1, 6);
  write_png_phase(dir.file("p.png"), c.data(), h, w);
  write_png_complex(dir.file("c.png"), c.data(), h, w);
  EXPECT_EQ(encode_png_gray(grey.data(), h, w, 1, 6), bytes(dir.file("g.png")));
  EXPECT_EQ(encode_png_phase(c.data(), h, w), bytes(dir.file("p.png")));
  EXPECT_EQ(encode_png_complex(c.data(), h, w), bytes(dir.file("c.png")));
  EXPECT_THROW(encode_png_gray(grey.data(), 0, w), InputError);
}
