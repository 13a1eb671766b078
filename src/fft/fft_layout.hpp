// Argument checks and batch splitting shared by the FFTW and cuFFT plans, so both backends accept
// the same inputs, fail with the same messages, and split oversized batches the same way.
#pragma once

#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#include "phasis/core/error.hpp"  // for InputError

namespace phasis::fft_detail {

/// A validated transform layout: `batch` contiguous arrays of shape `dims`, planned in groups of at
/// most `chunk` transforms (FFTW's howmany and distance arguments are int).
struct Layout {
  std::vector<int> dims;
  int64_t per_transform = 0;
  int64_t batch = 0;
  int64_t chunk = 0;      // transforms per full plan execution
  int64_t remainder = 0;  // transforms in the last, shorter execution (0: none)
};

inline std::string describe(const std::vector<int>& dims, int64_t batch) {
  std::string s = "(";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + ") x batch " + std::to_string(batch);
}

/// Checks rank (2 or 3), positive sizes and 64-bit overflow, and caps the chunk at `max_chunk`
/// (INT64_MAX: only the int limit). Throws InputError naming `who` and the layout.
inline Layout make_layout(const char* who, std::vector<int> dims, int64_t batch, int64_t max_chunk) {
  const std::string what = std::string(who) + ": cannot plan an FFT of " + describe(dims, batch);
  if (dims.size() != 2 && dims.size() != 3)
    throw InputError(what + ": expected 2 or 3 dimensions, got " + std::to_string(dims.size()));
  Layout l;
  l.per_transform = 1;
  for (int d : dims) {
    if (d <= 0) throw InputError(what + ": every dimension must be positive");
    if (__builtin_mul_overflow(l.per_transform, int64_t(d), &l.per_transform))
      throw InputError(what + ": too many elements");
  }
  if (batch <= 0) throw InputError(what + ": batch must be positive");
  if (max_chunk <= 0) throw InputError(what + ": the batch per plan must be positive");
  int64_t total = 0;
  if (__builtin_mul_overflow(l.per_transform, batch, &total) || total > INT64_MAX / 16)
    throw InputError(what + ": too many elements");
  l.dims = std::move(dims);
  l.batch = batch;
  l.chunk = l.per_transform >= INT_MAX ? 1 : INT_MAX / l.per_transform;
  if (max_chunk < l.chunk) l.chunk = max_chunk;
  if (l.chunk > batch) l.chunk = batch;
  l.remainder = batch % l.chunk;
  return l;
}

}  // namespace phasis::fft_detail
