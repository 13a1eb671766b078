// Element symbols by atomic number.
#include "phasis/multislice/elements.hpp"

#include "phasis/core/error.hpp"
#include "phasis/multislice/coefficient_tables.hpp"

namespace phasis::ms {
namespace {

constexpr const char* kSymbols[kMaxElement] = {
    "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si", "P", "S",
    "Cl", "Ar", "K", "Ca", "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge",
    "As", "Se", "Br", "Kr", "Rb", "Sr", "Y", "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd",
    "In", "Sn", "Sb", "Te", "I", "Xe", "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd",
    "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W", "Re", "Os", "Ir", "Pt", "Au", "Hg",
    "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac", "Th", "Pa", "U", "Np", "Pu", "Am", "Cm",
    "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr",
};

}  // namespace

int atomic_number(const std::string& symbol) {
  for (int z = 1; z <= kMaxElement; ++z)
    if (symbol == kSymbols[z - 1]) return z;
  throw InputError("element: expected a chemical symbol from H to Lr; found '" + symbol + "'");
}

const char* element_symbol(int z) {
  if (z < 1 || z > kMaxElement)
    throw InputError("atomic number: expected 1 to " + std::to_string(kMaxElement) + "; found " + std::to_string(z));
  return kSymbols[z - 1];
}

}  // namespace phasis::ms
