// PNG writers through libpng's simplified API (png_image), which does its own setjmp error
// handling, so no longjmp ever crosses C++ frames here.
#include "phasis/io/image.hpp"

#include <png.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <vector>

#include "phasis/core/error.hpp"
#include "phasis/io/atomic_output.hpp"

namespace phasis {

namespace {

constexpr double kPi = 3.14159265358979323846;

void check_size(const std::string& path, int64_t h, int64_t w) {
  // png_image takes 32-bit sizes and row strides of up to 3 * w components.
  if (h <= 0 || w <= 0 || h > 0x7fffffff || w > 0x7fffffff / 3)
    throw InputError("cannot write '" + path + "': expected a positive image size; found " + std::to_string(h) +
                     " x " + std::to_string(w));
}

png_image describe(int64_t h, int64_t w, png_uint_32 format) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(w);
  image.height = static_cast<png_uint_32>(h);
  image.format = format;
  return image;
}

/// Writes 8-bit pixels of `format` (PNG_FORMAT_GRAY or PNG_FORMAT_RGB) via a temporary name.
void write_png(const std::string& path, const uint8_t* pixels, int64_t h, int64_t w, png_uint_32 format) {
  check_size(path, h, w);
  png_image image = describe(h, w, format);
  AtomicOutput output(path);
  if (!png_image_write_to_file(&image, output.temp_path().c_str(), 0, pixels, 0, nullptr)) {
    std::string why = image.message[0] ? image.message : "libpng failed";
    png_image_free(&image);
    throw InputError("cannot write '" + path + "': " + why);
  }
  output.commit();
}

/// The same pixels as a PNG file's bytes in memory: libpng sizes the buffer in a first call.
std::vector<uint8_t> encode_png(const uint8_t* pixels, int64_t h, int64_t w, png_uint_32 format) {
  check_size("(in memory)", h, w);
  png_image image = describe(h, w, format);
  png_alloc_size_t bytes = 0;
  std::vector<uint8_t> out;
  if (png_image_write_to_memory(&image, nullptr, &bytes, 0, pixels, 0, nullptr)) {
    out.resize(bytes);
    if (png_image_write_to_memory(&image, out.data(), &bytes, 0, pixels, 0, nullptr)) {
      out.resize(bytes);
      return out;
    }
  }
  std::string why = image.message[0] ? image.message : "libpng failed";
  png_image_free(&image);
  throw InputError("cannot encode a PNG image: " + why);
}

uint8_t to_byte(double v) { return static_cast<uint8_t>(std::lround(std::clamp(v, 0.0, 1.0) * 255.0)); }

double srgb_encode(double linear) {
  linear = std::clamp(linear, 0.0, 1.0);
  return linear <= 0.0031308 ? 12.92 * linear : 1.055 * std::pow(linear, 1 / 2.4) - 0.055;
}

/// Cyclic colour map: a circle of constant lightness and chroma in the OKLab space, so that every
/// phase looks equally bright and equal phase steps look like equal colour steps (an HSV wheel
/// has bright yellow and dark blue bands that read as false features). Values are sRGB in [0, 1].
constexpr int kWheelSize = 1024;
const std::array<std::array<float, 3>, kWheelSize>& phase_wheel() {
  static const auto wheel = [] {
    std::array<std::array<float, 3>, kWheelSize> t{};
    const double lightness = 0.72, chroma = 0.12;
    for (int k = 0; k < kWheelSize; ++k) {
      double hue = 2 * kPi * k / kWheelSize;
      double a = chroma * std::cos(hue), b = chroma * std::sin(hue);
      // OKLab -> LMS (cube roots) -> linear sRGB, with the published OKLab matrices.
      double l = lightness + 0.3963377774 * a + 0.2158037573 * b;
      double m = lightness - 0.1055613458 * a - 0.0638541728 * b;
      double s = lightness - 0.0894841775 * a - 1.2914855480 * b;
      l = l * l * l;
      m = m * m * m;
      s = s * s * s;
      double r = 4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s;
      double g = -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s;
      double bl = -0.0041960863 * l - 0.7034186147 * m + 1.7076147010 * s;
      t[k] = {float(srgb_encode(r)), float(srgb_encode(g)), float(srgb_encode(bl))};
    }
    return t;
  }();
  return wheel;
}

bool finite(Complex<float> c) { return std::isfinite(c.re) && std::isfinite(c.im); }

/// Largest finite amplitude; 0 when there is none.
double max_amplitude(const Complex<float>* data, int64_t n) {
  double mx = 0;
  for (int64_t i = 0; i < n; ++i)
    if (finite(data[i])) mx = std::max(mx, std::hypot(double(data[i].re), double(data[i].im)));
  return mx;
}

/// RGB image: colour from the phase, brightness from `brightness(amplitude)`; non-finite values
/// are black.
template <class Brightness>
std::vector<uint8_t> colour_by_phase(const Complex<float>* data, int64_t n, Brightness brightness) {
  const auto& wheel = phase_wheel();
  std::vector<uint8_t> rgb(static_cast<std::size_t>(n) * 3, 0);
  for (int64_t i = 0; i < n; ++i) {
    Complex<float> c = data[i];
    if (!finite(c)) continue;
    double phase = std::atan2(double(c.im), double(c.re));  // [-pi, pi]
    int k = static_cast<int>(std::lround((phase + kPi) / (2 * kPi) * kWheelSize)) % kWheelSize;
    double v = brightness(std::hypot(double(c.re), double(c.im)));
    for (int ch = 0; ch < 3; ++ch) rgb[3 * i + ch] = to_byte(wheel[k][ch] * v);
  }
  return rgb;
}

/// Grey levels of a real image mapped from [lo, hi] (lo == hi: the finite data's min and max).
std::vector<uint8_t> grey_levels(const float* data, int64_t n, float lo, float hi) {
  double dlo = lo, dhi = hi;
  if (lo == hi) {
    dlo = INFINITY;
    dhi = -INFINITY;
    for (int64_t i = 0; i < n; ++i)
      if (std::isfinite(data[i])) {
        dlo = std::min(dlo, double(data[i]));
        dhi = std::max(dhi, double(data[i]));
      }
    if (dlo > dhi) dlo = dhi = 0;  // nothing finite
  }
  // A constant image (hi == lo) comes out black rather than dividing by zero.
  const double scale = dhi != dlo ? 1.0 / (dhi - dlo) : 0.0;
  std::vector<uint8_t> grey(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) grey[i] = std::isnan(data[i]) ? 0 : to_byte((data[i] - dlo) * scale);
  return grey;
}

std::vector<uint8_t> phase_colours(const Complex<float>* data, int64_t n) {
  // Full brightness above a fifth of the largest amplitude, fading to black below it: the phase
  // of near-zero amplitudes is noise and should not draw the eye.
  const double knee = 0.2 * max_amplitude(data, n);
  return colour_by_phase(data, n, [knee](double a) { return knee > 0 ? std::min(1.0, a / knee) : 0.0; });
}

std::vector<uint8_t> complex_colours(const Complex<float>* data, int64_t n) {
  const double mx = max_amplitude(data, n);
  return colour_by_phase(data, n, [mx](double a) { return mx > 0 ? a / mx : 0.0; });
}

}  // namespace

void write_png_rgb(const std::string& path, const uint8_t* rgb, int64_t h, int64_t w) {
  write_png(path, rgb, h, w, PNG_FORMAT_RGB);
}

void write_png_gray(const std::string& path, const float* data, int64_t h, int64_t w, float lo, float hi) {
  check_size(path, h, w);
  write_png(path, grey_levels(data, h * w, lo, hi).data(), h, w, PNG_FORMAT_GRAY);
}

void write_png_phase(const std::string& path, const Complex<float>* data, int64_t h, int64_t w) {
  check_size(path, h, w);
  write_png(path, phase_colours(data, h * w).data(), h, w, PNG_FORMAT_RGB);
}

void write_png_complex(const std::string& path, const Complex<float>* data, int64_t h, int64_t w) {
  check_size(path, h, w);
  write_png(path, complex_colours(data, h * w).data(), h, w, PNG_FORMAT_RGB);
}

std::vector<uint8_t> encode_png_rgb(const uint8_t* rgb, int64_t h, int64_t w) {
  return encode_png(rgb, h, w, PNG_FORMAT_RGB);
}

std::vector<uint8_t> encode_png_gray(const float* data, int64_t h, int64_t w, float lo, float hi) {
  check_size("(in memory)", h, w);
  return encode_png(grey_levels(data, h * w, lo, hi).data(), h, w, PNG_FORMAT_GRAY);
}

std::vector<uint8_t> encode_png_phase(const Complex<float>* data, int64_t h, int64_t w) {
  check_size("(in memory)", h, w);
  return encode_png(phase_colours(data, h * w).data(), h, w, PNG_FORMAT_RGB);
}

std::vector<uint8_t> encode_png_complex(const Complex<float>* data, int64_t h, int64_t w) {
  check_size("(in memory)", h, w);
  return encode_png(complex_colours(data, h * w).data(), h, w, PNG_FORMAT_RGB);
}

}  // namespace phasis
