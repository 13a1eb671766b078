// Quality of an SPI reconstruction against a known truth. The data cannot determine the density's
// position (translation), its hand (inversion: |F(s)| = |F(-s)|) nor, with unknown orientations, a
// global rotation; the comparison removes all three, then measures the Fourier shell correlation.
//   rotation:    images i with true R_i and found Q_i give F_model(u) = F_true(M u) with
//                M = R_i^T Q_i for every i; M is their quaternion mean (outliers beyond twice the
//                median spread dropped), and Q_i's error is the angle between Q_i and R_i M.
//                On a flat Ewald sphere Friedel's law hides a half turn about the beam
//                (Q and R_z(pi) Q give the same image), so each image counts the nearer of the two.
//   comparison:  in Fourier space on the model's grid: F_model(q) by FFT, F_true(M q) by the type-2
//                NUFFT of the truth's grid (no interpolation of densities), the hand whose
//                cross-correlation peaks higher, the shift from that peak refined below a voxel
//                by a parabola through its neighbours and applied as a phase ramp.
//   FSC(q) = Re sum_shell F_m conj(F_t) / sqrt(sum |F_m|^2 sum |F_t|^2), shells of one reciprocal voxel;
//   the resolution at a threshold is 1 / q where the curve first falls below it (linear between shells).
#pragma once

#include <cstdint>
#include <vector>

#include "phasis/core/complex.hpp"
#include "phasis/spi/geometry.hpp"

namespace phasis::spi {

struct FscCurve {
  std::vector<double> frequency;  // 1/A, shell centres
  std::vector<double> fsc;
  double resolution_05 = 0;       // A; 1 / the last shell when the curve never falls below
  double resolution_0143 = 0;
  bool reached_05 = false, reached_0143 = false;  // the curve fell below the threshold
};

struct Comparison {
  Rotation rotation{1, 0, 0, 0, 1, 0, 0, 0, 1};  // M
  bool inverted = false;
  double shift[3] = {0, 0, 0};    // voxels (x, y, z)
  std::vector<double> orientation_error;  // radians, per image (empty without orientations)
  double median_orientation_error = 0;
  FscCurve fsc;
  std::vector<double> aligned_truth;  // n^3 on the model's grid, centred
};

/// Mean rotation M of R_i^T Q_i (see above). InputError on different counts or none.
Rotation mean_relative_rotation(const std::vector<Rotation>& truth, const std::vector<Rotation>& found);

/// `model`: n^3 centred density of voxel `voxel`; `truth`: nt^3 of voxel `truth_voxel` (finer or
/// equal); orientations may be empty (no rotation is then removed).
Comparison compare(const std::vector<double>& model, int64_t n, double voxel, const std::vector<Rotation>& found,
                   const std::vector<double>& truth, int64_t nt, double truth_voxel,
                   const std::vector<Rotation>& true_orientations);

/// FSC of two n^3 complex spectra in FFT order (as from FFTW on the grid of voxel `voxel`).
FscCurve fourier_shell_correlation(const std::vector<Complex<double>>& a, const std::vector<Complex<double>>& b,
                                   int64_t n, double voxel);

}  // namespace phasis::spi
