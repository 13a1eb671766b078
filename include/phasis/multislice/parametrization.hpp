// Electron scattering factors of neutral atoms from published parametrizations, and the atomic
// potentials they imply.
//   Lobato & Van Dyck, Acta Cryst. A70 (2014) 636:  f_e(g) = sum_i a_i (2 + b_i g^2) / (1 + b_i g^2)^2
//   Kirkland, Advanced Computing in Electron Microscopy (2010), app. C:
//                                                   f_e(q) = sum_i a_i / (q^2 + b_i) + c_i exp(-d_i q^2)
//   Peng, Ren, Dudarev & Whelan, Acta Cryst. A52 (1996) 257, elastic, Z <= 98:
//                                                   f_e(s) = sum_i a_i exp(-b_i s^2),  s = g / 2
// g, q: spatial frequency [1/Angstrom]; f_e in Angstrom. The potential is the inverse Fourier
// transform V(r) = 2 pi a0 e  integral f_e(g) exp(2 pi i g.r) d^3g [V] (Kirkland eq. 5.9), which
// for the two forms above is a sum of radial terms (radial_potential.hpp):
//   Lobato, alpha = 2 pi / sqrt(b):  a0 e a [ (alpha^2 / 2) exp(-alpha r) / r + (alpha^3 / 4) exp(-alpha r) ]
//   Kirkland: 2 pi^2 a0 e a exp(-2 pi sqrt(b) r) / r + 2 pi^(5/2) a0 e c d^(-3/2) exp(-pi^2 r^2 / d)
//   Peng: Kirkland's Gaussian term with c = a, d = b / 4
// so the projected potential integrates over the plane to 2 pi a0 e f_e(0).
#pragma once

#include <string>

#include "phasis/multislice/radial_potential.hpp"

namespace phasis::ms {

enum class Parametrization { lobato, kirkland, peng };

/// "lobato" | "kirkland" | "peng"; throws InputError otherwise.
Parametrization parse_parametrization(const std::string& name);
const char* to_string(Parametrization p);

/// f_e(g) [Angstrom] of element z at spatial frequency g [1/Angstrom], from the published formula.
/// Throws InputError for z outside 1..103.
double scattering_factor(int z, double g, Parametrization p);

/// The potential of element z as radial terms. Throws InputError for z outside 1..103.
RadialPotential atomic_potential(int z, Parametrization p);

}  // namespace phasis::ms
