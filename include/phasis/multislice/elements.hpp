// Chemical element symbols and atomic numbers, Z = 1..103 (the range of the scattering factor
// tables in coefficient_tables.hpp).
#pragma once

#include <string>

namespace phasis::ms {

/// "Au" -> 79. Case-sensitive, as written in structure files. Throws InputError for anything else.
int atomic_number(const std::string& symbol);
/// 79 -> "Au". Throws InputError outside 1..103.
const char* element_symbol(int z);

}  // namespace phasis::ms
