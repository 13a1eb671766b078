// Published electron scattering factor coefficients, one row per element Z = 1..103 (row Z - 1).
// The numbers live in src/multislice/lobato_table.cpp, kirkland_table.cpp and peng_table.cpp,
// which cite the papers.
// Units: Angstrom and Angstrom^2, as published (g and q are spatial frequencies in 1/Angstrom).
#pragma once

namespace phasis::ms {

constexpr int kMaxElement = 103;

/// f_e(g) = sum_i a[i] (2 + b[i] g^2) / (1 + b[i] g^2)^2   (Lobato & Van Dyck 2014)
struct LobatoCoefficients {
  double a[5];  // Angstrom
  double b[5];  // Angstrom^2
};

/// f_e(q) = sum_i a[i] / (q^2 + b[i]) + c[i] exp(-d[i] q^2)   (Kirkland 2010, appendix C)
struct KirklandCoefficients {
  double a[3];  // 1/Angstrom
  double b[3];  // 1/Angstrom^2
  double c[3];  // Angstrom
  double d[3];  // Angstrom^2
};

/// f_e(s) = sum_i a[i] exp(-b[i] s^2), s = g / 2   (Peng, Ren, Dudarev & Whelan 1996; Z = 1..98)
struct PengCoefficients {
  double a[5];  // Angstrom
  double b[5];  // Angstrom^2
};
constexpr int kPengMaxElement = 98;

extern const LobatoCoefficients kLobatoTable[kMaxElement];
extern const KirklandCoefficients kKirklandTable[kMaxElement];
extern const PengCoefficients kPengTable[kPengMaxElement];

}  // namespace phasis::ms
