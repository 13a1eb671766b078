// PNG pictures of real and complex 2D arrays: what a person looks at after a run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "phasis/core/complex.hpp"  // for Complex

namespace phasis {

/// Grey-scale PNG of an H x W real array, linearly mapped from [lo, hi] (lo == hi: data min/max).
void write_png_gray(const std::string& path, const float* data, int64_t h, int64_t w,
                    float lo = 0, float hi = 0);
/// Phase image with a cyclic colour map over [-pi, pi], dimmed where the amplitude is small.
void write_png_phase(const std::string& path, const Complex<float>* data, int64_t h, int64_t w);
/// Complex image: hue = phase, brightness = amplitude / max amplitude.
void write_png_complex(const std::string& path, const Complex<float>* data, int64_t h, int64_t w);
/// 8-bit RGB PNG, rows of 3*w bytes; written to a temporary name and renamed.
void write_png_rgb(const std::string& path, const uint8_t* rgb, int64_t h, int64_t w);

/// The same pictures as PNG files' bytes in memory (the live view and the HTML report send or
/// embed them); InputError for an empty or oversized image.
std::vector<uint8_t> encode_png_gray(const float* data, int64_t h, int64_t w, float lo = 0, float hi = 0);
std::vector<uint8_t> encode_png_phase(const Complex<float>* data, int64_t h, int64_t w);
std::vector<uint8_t> encode_png_complex(const Complex<float>* data, int64_t h, int64_t w);
std::vector<uint8_t> encode_png_rgb(const uint8_t* rgb, int64_t h, int64_t w);

}  // namespace phasis
