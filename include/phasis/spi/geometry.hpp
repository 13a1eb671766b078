// Geometry of single-particle imaging: rotations (uniform on SO(3)) and a square detector whose
// pixels map to reciprocal coordinates on the Ewald sphere.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace phasis::spi {

/// Row-major 3 x 3 rotation matrix.
using Rotation = std::array<double, 9>;

/// Rotation of a unit quaternion (w, x, y, z).
Rotation rotation_from_quaternion(double w, double x, double y, double z);

/// `count` rotations uniform on SO(3) (Shoemake's method: uniform unit quaternions), reproducible
/// from `seed`.
std::vector<Rotation> random_rotations(int64_t count, uint64_t seed);

/// Angle (radians) of the rotation a^T b: the angular distance between two orientations.
double rotation_angle(const Rotation& a, const Rotation& b);

struct Detector {
  int64_t pixels = 0;       // square: pixels x pixels
  double pixel_size = 0;    // m
  double distance = 0;      // m, sample to detector
  double wavelength = 0;    // angstrom
};

/// Reciprocal coordinate s = (u - z) / lambda (1/A) of every pixel, u the unit vector from the
/// sample to the pixel's centre and z the beam; pixel (row, column) at flat index row * pixels +
/// column, the beam through the centre of the detector. Returns 3 arrays (sx, sy, sz).
/// InputError on pixels < 1 or non-positive sizes.
std::array<std::vector<double>, 3> pixel_coordinates(const Detector& detector);

/// The points R^T s of every pixel for rotation R: where the pattern of the molecule rotated by R
/// samples the unrotated transform (F_R(s) = F(R^T s)).
void rotate_points(const Rotation& r, int64_t m, const double* sx, const double* sy, const double* sz,
                   double* ox, double* oy, double* oz);

}  // namespace phasis::spi
