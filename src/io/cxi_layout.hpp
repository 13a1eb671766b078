// The CXI layout's checks and small reads (phasis/io/cxi.hpp), shared by CxiReader (a finished
// file) and CxiFollower (a file still being written, cxi_follow.hpp), so that the two accept and
// refuse the same files with the same messages.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/io/hdf5.hpp"
#include "phasis/ptycho/dataset.hpp"

namespace phasis::cxi {

/// A number as it should appear in an error message: "nan", "-inf", "-0.5", "1.2e-10".
std::string number_str(double v);
std::string shape_str(const std::vector<int64_t>& s);

/// InputError "'FILE' WHAT: expected EXPECTED; found FOUND".
[[noreturn]] void fail(const h5::File& file, const std::string& what, const std::string& expected, const std::string& found);
/// InputError unless `dset` exists.
void require(const h5::File& file, const char* dset);

/// The frames' dataset: rank 3 (N, M, M) of real numbers with M >= 1 and N >= min_frames (a file
/// still being written may hold none yet). Returns {N, M}.
struct FramesShape {
  int64_t n = 0, m = 0;
};
FramesShape check_frames(const h5::File& file, int64_t min_frames);
/// The translations: (rows, 3) or (rows, 2) of real numbers, rows == n (any when n < 0). Returns
/// the number of columns.
int check_translations(const h5::File& file, int64_t n);
/// Energy, distance and pixel sizes: each a positive, finite scalar.
PtychoGeometry read_geometry(const h5::File& file);

/// Whether the file has a mask; InputError when it is not M x M CXI integer flags.
bool check_mask(const h5::File& file, int64_t m);
/// 1 = usable pixel (no CXI flag set); InputError when every pixel is flagged.
Array<uint8_t> read_valid(const h5::File& file, int64_t m);

/// A probe dataset at `at`: M x M or K x M x M complex numbers; InputError otherwise.
void check_probe(const h5::File& file, const char* at, int64_t m);
/// The first of kProbeLocations present, checked; empty when there is none.
std::string find_probe(const h5::File& file, int64_t m);
/// The probe at `at` (checked by check_probe), mode 0 when it has several.
Array<Complex<float>> read_probe(const h5::File& file, const std::string& at, int64_t m);

/// Translation rows [begin, end) as (x, y, z) triples into xyz (a table of 2 columns has z = 0).
void read_translations(const h5::File& file, int columns, int64_t begin, int64_t end, double* xyz);

/// Index of the first value that is not a finite, non-negative intensity; -1 when all are.
int64_t first_bad_intensity(const float* v, int64_t count);

}  // namespace phasis::cxi
