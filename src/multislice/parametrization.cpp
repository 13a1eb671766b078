// Scattering factors and atomic potentials from the coefficient tables; see parametrization.hpp.
#include "phasis/multislice/parametrization.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "phasis/core/error.hpp"
#include "phasis/multislice/coefficient_tables.hpp"
#include "phasis/multislice/elements.hpp"  // for element_symbol (range check)
#include "phasis/multislice/energy.hpp"    // for kPi, kBohrE

namespace phasis::ms {

Parametrization parse_parametrization(const std::string& name) {
  if (name == "lobato") return Parametrization::lobato;
  if (name == "kirkland") return Parametrization::kirkland;
  if (name == "peng") return Parametrization::peng;
  throw InputError("parametrization: expected lobato, kirkland or peng; found '" + name + "'");
}

const char* to_string(Parametrization p) {
  return p == Parametrization::lobato ? "lobato" : p == Parametrization::kirkland ? "kirkland" : "peng";
}

namespace {
// Peng's table stops at Cf (98); the others reach Lr (103).
void check_peng(int z) {
  if (z > kPengMaxElement)
    throw InputError("parametrization peng: expected an element up to Cf (Z = 98); found " + std::string(element_symbol(z)) +
                     " (use lobato or kirkland)");
}
}  // namespace

double scattering_factor(int z, double g, Parametrization p) {
  element_symbol(z);
  const double g2 = g * g;
  double f = 0;
  if (p == Parametrization::lobato) {
    const auto& c = kLobatoTable[z - 1];
    for (int i = 0; i < 5; ++i) {
      const double d = 1 + c.b[i] * g2;
      f += c.a[i] * (2 + c.b[i] * g2) / (d * d);
    }
  } else if (p == Parametrization::kirkland) {
    const auto& c = kKirklandTable[z - 1];
    for (int i = 0; i < 3; ++i) f += c.a[i] / (g2 + c.b[i]) + c.c[i] * std::exp(-c.d[i] * g2);
  } else {
    check_peng(z);
    const auto& c = kPengTable[z - 1];
    for (int i = 0; i < 5; ++i) f += c.a[i] * std::exp(-c.b[i] * g2 / 4);  // s^2 = g^2 / 4
  }
  return f;
}

RadialPotential atomic_potential(int z, Parametrization p) {
  element_symbol(z);
  std::vector<RadialTerm> terms;
  if (p == Parametrization::lobato) {
    const auto& c = kLobatoTable[z - 1];
    for (int i = 0; i < 5; ++i) {
      const double alpha = 2 * kPi / std::sqrt(c.b[i]);
      terms.push_back({TermKind::yukawa, kBohrE * c.a[i] * alpha * alpha / 2, alpha});
      terms.push_back({TermKind::exponential, kBohrE * c.a[i] * alpha * alpha * alpha / 4, alpha});
    }
  } else if (p == Parametrization::peng) {
    // a exp(-b g^2 / 4) is Kirkland's Gaussian c exp(-d q^2) with c = a, d = b / 4.
    check_peng(z);
    const auto& c = kPengTable[z - 1];
    for (int i = 0; i < 5; ++i) {
      const double d = c.b[i] / 4;
      terms.push_back({TermKind::gaussian, 2 * std::pow(kPi, 2.5) * kBohrE * c.a[i] / std::pow(d, 1.5), kPi * kPi / d});
    }
  } else {
    const auto& c = kKirklandTable[z - 1];
    for (int i = 0; i < 3; ++i) {
      terms.push_back({TermKind::yukawa, 2 * kPi * kPi * kBohrE * c.a[i], 2 * kPi * std::sqrt(c.b[i])});
      terms.push_back({TermKind::gaussian, 2 * std::pow(kPi, 2.5) * kBohrE * c.c[i] / std::pow(c.d[i], 1.5),
                       kPi * kPi / c.d[i]});
    }
  }
  return RadialPotential(std::move(terms));
}

}  // namespace phasis::ms
