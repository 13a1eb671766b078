// Mixed states (seed 000, multi-mode ptychography; Thibault & Menzel, Nature 2013): several
// mutually incoherent probe modes P^k whose intensities add. The modes are kept orthogonal by
// diagonalising their overlap matrix S_ab = <P_a, P_b>: with S = V diag(lambda) V^H, the new modes
// P'_a = sum_b V_ba P_b are orthogonal with powers lambda_a, and lambda_a / sum(lambda) is
// mode a's occupancy. K is small (at most a few dozen), so this runs on the host.
#pragma once

#include <cstdint>
#include <vector>

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"

namespace phasis {

/// Eigen-decomposition of a Hermitian n x n matrix (row-major): eigenvalues in descending order,
/// eigenvectors as the columns of `vectors` (row-major n x n), orthonormal, each with its largest
/// component real and positive.
void hermitian_eigen(const std::vector<Complex<double>>& a, int n, std::vector<double>& values,
                     std::vector<Complex<double>>& vectors);

/// K initial probe modes (K x M x M) from one probe: mode 0 keeps most of the power, modes 1.. are
/// the probe times low-order functions of position (x, y, xy, x^2 - y^2, ...) around its centre,
/// each carrying `fraction` of the total power, then orthogonalised. Total power is unchanged.
Array<Complex<float>> initial_probe_modes(const Array<Complex<float>>& probe, int64_t k, double fraction = 0.05);

/// Coefficients (K x K, row-major) that make `modes` (K x pix) orthogonal, sorted by power, and the
/// occupancies: out_a = sum_b coeff[a][b] in_b.
void orthogonalising_mix(const std::vector<Complex<double>>& overlap, int k, std::vector<Complex<double>>& coeff,
                         std::vector<double>& occupancy);

}  // namespace phasis
