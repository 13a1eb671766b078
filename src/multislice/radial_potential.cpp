// Radial terms of an atomic potential and their analytic projections; see radial_potential.hpp.
#include "phasis/multislice/radial_potential.hpp"

#include <cmath>
#include <vector>
#include <utility>

#include "phasis/core/error.hpp"
#include "multislice/bessel.hpp"
#include "phasis/multislice/energy.hpp"  // for kPi
#include "phasis/multislice/gauss_legendre.hpp"

namespace phasis::ms {
namespace {

/// K_order(x), order 0 to 2 (bessel.hpp: 2.5e-7 relative, some 30 times faster than
/// std::cyl_bessel_k).
double bessel_k(int order, double x) { return order == 0 ? bessel_k0(x) : order == 1 ? bessel_k1(x) : bessel_k2(x); }

/// V(r cosh t) r cosh t: the slab integrand after z = r sinh t (dz = r cosh t dt).
double slab_integrand(const RadialTerm& term, double r, double t) {
  const double c = std::cosh(t), rho = r * c;
  switch (term.kind) {
    case TermKind::yukawa: return term.amplitude * std::exp(-term.width * rho);
    case TermKind::exponential: return term.amplitude * std::exp(-term.width * rho) * rho;
    case TermKind::gaussian: return term.amplitude * std::exp(-term.width * rho * rho) * rho;
  }
  return 0;
}

constexpr double kCutoffStep = 0.01;  // Angstrom
constexpr double kCutoffMax = 100.0;  // Angstrom; no neutral atom's potential reaches this far

}  // namespace

RadialPotential::RadialPotential(std::vector<RadialTerm> terms) : terms_(std::move(terms)) {
  for (const auto& t : terms_)
    if (!(t.width > 0)) throw InternalError("RadialPotential: expected positive term widths");
}

double RadialPotential::potential(double r) const {
  double v = 0;
  for (const auto& t : terms_) {
    switch (t.kind) {
      case TermKind::yukawa: v += t.amplitude * std::exp(-t.width * r) / r; break;
      case TermKind::exponential: v += t.amplitude * std::exp(-t.width * r); break;
      case TermKind::gaussian: v += t.amplitude * std::exp(-t.width * r * r); break;
    }
  }
  return v;
}

double RadialPotential::projected(double r) const {
  double v = 0;
  for (const auto& t : terms_) {
    switch (t.kind) {
      case TermKind::yukawa: v += 2 * t.amplitude * bessel_k(0, t.width * r); break;
      case TermKind::exponential: v += 2 * t.amplitude * r * bessel_k(1, t.width * r); break;
      case TermKind::gaussian: v += t.amplitude * std::sqrt(kPi / t.width) * std::exp(-t.width * r * r); break;
    }
  }
  return v;
}

double RadialPotential::projected_slab(double r, double z0, double z1) const {
  static const GaussLegendre rule = gauss_legendre(16);
  const double t0 = std::asinh(z0 / r), t1 = std::asinh(z1 / r);
  // Panels of at most unit width in t: the integrand varies on a scale of one in t at worst
  // (exp(-beta r cosh t) once beta r cosh t ~ 1), which 16 nodes resolve to double precision.
  const int panels = std::max(1, int(std::ceil(std::abs(t1 - t0))));
  const double h = (t1 - t0) / panels;
  double v = 0;
  for (int p = 0; p < panels; ++p) {
    const double mid = t0 + (p + 0.5) * h;
    for (std::size_t k = 0; k < rule.nodes.size(); ++k) {
      const double t = mid + 0.5 * h * rule.nodes[k];
      double f = 0;
      for (const auto& term : terms_) f += slab_integrand(term, r, t);
      v += 0.5 * h * rule.weights[k] * f;
    }
  }
  return v;
}

double RadialPotential::projected_fourier(double q) const {
  const double k2 = 4 * kPi * kPi * q * q;  // (2 pi q)^2
  double f = 0;
  for (const auto& t : terms_) {
    const double b2 = t.width * t.width;
    switch (t.kind) {
      case TermKind::yukawa: f += 4 * kPi * t.amplitude / (b2 + k2); break;
      case TermKind::exponential: f += 8 * kPi * t.amplitude * t.width / ((b2 + k2) * (b2 + k2)); break;
      case TermKind::gaussian: f += t.amplitude * std::pow(kPi / t.width, 1.5) * std::exp(-k2 / (4 * t.width)); break;
    }
  }
  return f;
}

double RadialPotential::projected_integral() const {
  double s = 0;
  for (const auto& t : terms_) {
    switch (t.kind) {
      case TermKind::yukawa: s += 4 * kPi * t.amplitude / (t.width * t.width); break;
      case TermKind::exponential: s += 8 * kPi * t.amplitude / (t.width * t.width * t.width); break;
      case TermKind::gaussian: s += t.amplitude * std::pow(kPi / t.width, 1.5); break;
    }
  }
  return s;
}

double RadialPotential::projected_integral_beyond(double radius) const {
  const double R = radius;
  double s = 0;
  for (const auto& t : terms_) {
    const double x = t.width * R;
    switch (t.kind) {
      case TermKind::yukawa: s += 4 * kPi * t.amplitude * R * bessel_k(1, x) / t.width; break;
      case TermKind::exponential: s += 4 * kPi * t.amplitude * R * R * bessel_k(2, x) / t.width; break;
      case TermKind::gaussian: s += t.amplitude * std::pow(kPi / t.width, 1.5) * std::exp(-t.width * R * R); break;
    }
  }
  return s;
}

double RadialPotential::cutoff(double fraction) const {
  if (!(fraction > 0 && fraction < 1)) throw InputError("cutoff fraction: expected a value in (0, 1)");
  const double limit = fraction * std::abs(projected_integral());
  auto inside = [&](double r) { return std::abs(projected_integral_beyond(r)) <= limit; };
  if (!inside(kCutoffMax)) throw InputError("cutoff fraction: too small for a radius below 100 Angstrom");
  // Downwards from the largest radius, so that a tail that changes sign (terms of opposite signs)
  // cannot stop the search early: in 1 Angstrom steps, then in kCutoffStep steps.
  // Each walk takes the same radii as stepping down one at a time (the candidates are made by the
  // same repeated subtraction), but tests them in parallel and stops at the first one outside.
  const auto walk = [&](double r, double step, double above) {
    std::vector<double> radii;
    for (double c = r - step; c > above; c -= step) radii.push_back(c);
    std::vector<char> in(radii.size());
#pragma omp parallel for schedule(static)
    for (std::size_t i = 0; i < radii.size(); ++i) in[i] = inside(radii[i]);
    for (std::size_t i = 0; i < radii.size() && in[i]; ++i) r = radii[i];
    return r;
  };
  const double r = walk(kCutoffMax, 1.0, 0.0);
  return walk(r, kCutoffStep, kCutoffStep / 2);
}

}  // namespace phasis::ms
