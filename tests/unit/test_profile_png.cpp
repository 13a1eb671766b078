// The profile picture read back through libpng: its size, each span's bar in its colour, the
// background between rows and between back-to-back bars, and the resource curves' peaks.
#include <gtest/gtest.h>
#include <png.h>

#include <array>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "phasis/core/error.hpp"
#include "phasis/monitor/profile_png.hpp"
#include "testing.hpp"

using namespace phasis;
using namespace phasis::exec;
using namespace phasis::monitor;

namespace {

struct Picture {
  int64_t width = 0, height = 0;
  std::vector<uint8_t> rgb;
  std::array<uint8_t, 3> at(int64_t y, int64_t x) const {
    const uint8_t* p = &rgb[size_t((y * width + x) * 3)];
    return {p[0], p[1], p[2]};
  }
};

Picture decode(const std::string& path) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  Picture p;
  if (!png_image_begin_read_from_file(&image, path.c_str())) {
    ADD_FAILURE() << image.message;
    return p;
  }
  image.format = PNG_FORMAT_RGB;
  p.width = image.width, p.height = image.height;
  p.rgb.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, p.rgb.data(), 0, nullptr)) ADD_FAILURE() << image.message;
  return p;
}

Span span(std::string name, int worker, double start, double end) {
  return {std::move(name), "chunk", worker, -1, start, end};
}

constexpr std::array<uint8_t, 3> kWhite{255, 255, 255};

}  // namespace

TEST(ProfilePng, BarsInTheirColoursOnTheirRows) {
  // On now_seconds()'s clock the run starts at 10 s: the picture's axis starts there, not at 0.
  const std::vector<Span> spans = {span("phonon", 0, 10.0, 11.0), span("phonon", 0, 11.0, 12.0),
                                   span("fft", 1, 10.5, 11.5), span("write", 2, 11.8, 12.4)};
  const std::map<int, std::string> names = {{0, "cuda:0"}, {1, "cuda:1"}};  // worker 2 unnamed
  std::vector<ResourceSample> samples;
  for (int k = 1; k <= 24; ++k) {
    ResourceSample s;
    s.seconds = 0.1 * k, s.clock = 10.0 + s.seconds;
    s.cpu_percent = k == 8 ? 1600 : 100;  // one peak, at 10.8 s
    s.rss_bytes = int64_t(k) << 20, s.peak_rss_bytes = s.rss_bytes;
    s.gpus = {{int64_t(k) << 25, k == 20 ? 90.0 : 10.0}};  // memory rising to its maximum at the end
    samples.push_back(s);
  }
  phasis::testing::TempDir dir;
  const std::string path = dir.file("profile.png");
  write_profile_png(path, spans, names, samples);
  const ProfileLayout l = profile_layout(spans, names, samples);
  const Picture p = decode(path);
  ASSERT_EQ(p.width, l.width);
  ASSERT_EQ(p.height, l.height);
  EXPECT_GE(p.width, 600);
  EXPECT_EQ(l.workers, (std::vector<int>{0, 1, 2}));
  EXPECT_NEAR(l.t0, 10.0, 1e-9);
  EXPECT_NEAR(l.t1, 12.4, 1e-9);

  // Every bar's middle has its name's colour; different names differ.
  for (const Span& s : spans) {
    const int64_t y = l.row_top(s.worker) + l.row_height / 2, x = l.x((s.start + s.end) / 2);
    EXPECT_EQ(p.at(y, x), span_colour(spans, s.name)) << s.name << " on worker " << s.worker;
  }
  EXPECT_NE(span_colour(spans, "phonon"), span_colour(spans, "fft"));
  EXPECT_NE(span_colour(spans, "fft"), span_colour(spans, "write"));
  EXPECT_NE(span_colour(spans, "phonon"), kWhite);

  // Between rows: background across the whole time axis.
  for (int w : {0, 1}) {
    const int64_t gap = l.row_top(w) + l.row_height + l.row_gap / 2;
    ASSERT_LT(gap, l.row_top(w + 1));
    for (int64_t x = l.plot_left; x < l.plot_left + l.plot_width; ++x) ASSERT_EQ(p.at(gap, x), kWhite) << x;
  }
  // The two phonon chunks meet at 11 s: the column before the second one is not the bar's colour.
  const int64_t y0 = l.row_top(0) + l.row_height / 2;
  EXPECT_NE(p.at(y0, l.x(11.0) - 1), span_colour(spans, "phonon"));
  EXPECT_EQ(p.at(y0, l.x(11.0) + 1), span_colour(spans, "phonon"));
  // Worker 2's row is empty before its span starts.
  EXPECT_NE(p.at(l.row_top(2) + l.row_height / 2, l.x(11.0)), span_colour(spans, "write"));

  // Each curve is scaled to its own maximum: the CPU peak (10.8 s) and the GPU utilisation peak
  // (12.0 s) reach the top of the bottom panel; at 11.4 s no curve does (the memories rise to the end).
  auto coloured_near_top = [&](double t) {
    int n = 0;
    for (int64_t y = l.resources_top; y < l.resources_top + 6; ++y)
      if (p.at(y, l.x(t)) != kWhite && p.at(y, l.x(t)) != std::array<uint8_t, 3>{225, 225, 225}) ++n;
    return n;
  };
  EXPECT_GT(coloured_near_top(10.8), 0);
  EXPECT_GT(coloured_near_top(12.0), 0);
  EXPECT_EQ(coloured_near_top(11.4), 0);
  EXPECT_GT(coloured_near_top(12.4), 0);
  const auto cpu_peak = p.at(l.resources_top + 3, l.x(10.8));
  const auto gpu_peak = p.at(l.resources_top + 3, l.x(12.0));
  EXPECT_NE(cpu_peak, gpu_peak);  // two curves, two colours
}

TEST(ProfilePng, EmptyAndBadInput) {
  phasis::testing::TempDir dir;
  // Nothing recorded: still a picture (axes only), not an error.
  write_profile_png(dir.file("empty.png"), {}, {}, {});
  const Picture p = decode(dir.file("empty.png"));
  EXPECT_GT(p.width, 0);
  EXPECT_GT(p.height, 0);
  // A folder that does not exist: InputError and nothing written.
  EXPECT_THROW(write_profile_png(dir.file("missing/profile.png"), {span("a", 0, 0, 1)}, {}, {}), InputError);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}
