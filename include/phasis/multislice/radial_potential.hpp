// An atom's electrostatic potential as a sum of radial terms whose projections along z have
// closed forms. Every published parametrization used here (Lobato 2014, Kirkland 2010) is a sum of
//   yukawa:       A exp(-beta r) / r     projected: 2 A K0(beta r)
//   exponential:  A exp(-beta r)         projected: 2 A r K1(beta r)
//   gaussian:     A exp(-p r^2)          projected: A sqrt(pi / p) exp(-p r^2)
// with r in Angstrom and V in volts; projections (over all z) are in V Angstrom. Their integrals
// over the plane are 4 pi A / beta^2, 8 pi A / beta^3 and A (pi / p)^(3/2) [V Angstrom^3]; beyond a
// radius R they leave 4 pi A R K1(beta R) / beta, 4 pi A R^2 K2(beta R) / beta and
// A (pi / p)^(3/2) exp(-p R^2), which set the cutoff radius.
// The finite projection over [z0, z1] substitutes z = r sinh(t), so that the 1/r singularity of a
// yukawa term becomes the smooth integrand A exp(-beta r cosh t), and sums Gauss-Legendre panels
// of unit width in t.
// The plane Fourier transform of each projection, F(q) = integral v_z(r) exp(-2 pi i q.r) d^2r with
// q in cycles per Angstrom, is the atom's 3D transform at (q, 0): 4 pi A / (beta^2 + 4 pi^2 q^2),
// 8 pi A beta / (beta^2 + 4 pi^2 q^2)^2 and A (pi / p)^(3/2) exp(-pi^2 q^2 / p); F(0) is the
// plane integral.
#pragma once

#include <vector>

namespace phasis::ms {

enum class TermKind { yukawa, exponential, gaussian };

struct RadialTerm {
  TermKind kind;
  double amplitude;  // A: V Angstrom (yukawa) or V (exponential, gaussian)
  double width;      // beta [1/Angstrom] or p [1/Angstrom^2]
};

class RadialPotential {
 public:
  RadialPotential() = default;
  explicit RadialPotential(std::vector<RadialTerm> terms);

  /// V(r) [V]; r > 0.
  double potential(double r) const;
  /// Integral of V over all z at distance r > 0 from the atom's axis [V Angstrom].
  double projected(double r) const;
  /// Integral of V over z in [z0, z1] (relative to the atom) at distance r > 0 [V Angstrom].
  double projected_slab(double r, double z0, double z1) const;
  /// The plane Fourier transform of projected() at spatial frequency q [1/Angstrom] [V Angstrom^3].
  double projected_fourier(double q) const;
  /// Integral of projected() over the whole plane [V Angstrom^3].
  double projected_integral() const;
  /// Integral of projected() over the plane outside radius R [V Angstrom^3].
  double projected_integral_beyond(double radius) const;
  /// Smallest radius (to 0.01 Angstrom, searched downwards from 100 Angstrom) beyond which at
  /// most `fraction` of |projected_integral()| lies. Throws InputError unless 0 < fraction < 1.
  double cutoff(double fraction) const;

  const std::vector<RadialTerm>& terms() const { return terms_; }

 private:
  std::vector<RadialTerm> terms_;
};

}  // namespace phasis::ms
