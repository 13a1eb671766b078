// Scattering factors and atomic potentials from the coefficient tables; see parametrization.hpp.
#include "phasis/multislice/parametrization.hpp"

#include <cmath>
#include <vector>

#include "phasis/core/error.hpp"
#include "phasis/multislice/coefficient_tables.hpp"
#include "phasis/multislice/elements.hpp"  // for element_symbol (range check)
#include "phasis/multislice/energy.hpp"    // for kPi, kBohrE

namespace phasis::ms {

Parametrization parse_parametrization(const std::string& name) {
  if (name == "lobato") return Parametrization::lobato;
  if (name == "kirkland") return Parametrization::kirkland;
  throw InputError("parametrization: expected lobato or kirkland; found '" + name + "'");
}

const char* to_string(Parametrization p) { return p == Parametrization::lobato ? "lobato" : "kirkland"; }

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
  } else {
    const auto& c = kKirklandTable[z - 1];
    for (int i = 0; i < 3; ++i) f += c.a[i] / (g2 + c.b[i]) + c.c[i] * std::exp(-c.d[i] * g2);
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
