// XYZ / extended XYZ reader; see xyz.hpp for the format.
#include "phasis/multislice/xyz.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include "phasis/core/error.hpp"
#include "phasis/multislice/elements.hpp"

namespace phasis::ms {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

/// key=value pairs of an extended XYZ comment line, keys lower-cased; values may be double-quoted.
std::map<std::string, std::string> comment_pairs(const std::string& line) {
  std::map<std::string, std::string> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    const std::size_t k0 = i;
    while (i < line.size() && line[i] != '=' && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    const std::string key = line.substr(k0, i - k0);
    if (i >= line.size() || line[i] != '=') continue;  // a bare word: not a pair
    ++i;
    std::string value;
    if (i < line.size() && line[i] == '"') {
      const std::size_t end = line.find('"', i + 1);
      value = line.substr(i + 1, end == std::string::npos ? std::string::npos : end - i - 1);
      i = end == std::string::npos ? line.size() : end + 1;
    } else {
      const std::size_t v0 = i;
      while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      value = line.substr(v0, i - v0);
    }
    out[lower(key)] = value;
  }
  return out;
}

int species_number(const std::string& token, const std::string& where) {
  if (!token.empty() && std::all_of(token.begin(), token.end(), [](unsigned char c) { return std::isdigit(c); })) {
    // Four digits at most: std::stoi of a longer run of digits may not fit an int.
    if (token.size() > 4) throw InputError(where + ": expected an element symbol or atomic number; found '" + token + "'");
    const int z = std::stoi(token);
    try {
      element_symbol(z);
    } catch (const InputError& e) {
      throw InputError(where + ": " + e.what());
    }
    return z;
  }
  try {
    return atomic_number(token);
  } catch (const InputError& e) {
    throw InputError(where + ": " + e.what());
  }
}

// Columns per atom line: far more than any extended XYZ file has, and small enough to add in an int.
constexpr int kMaxColumns = 10000;

struct Columns {
  int species = 0;
  int pos = 1;
  int count = 4;  // minimum number of columns per atom line
};

Columns property_columns(const std::string& spec, const std::string& where) {
  std::vector<std::string> parts;
  std::stringstream ss(spec);
  for (std::string p; std::getline(ss, p, ':');) parts.push_back(p);
  if (parts.size() % 3 != 0) throw InputError(where + ": Properties: expected name:type:count triples; found '" + spec + "'");
  Columns c{-1, -1, 0};
  for (std::size_t i = 0; i < parts.size(); i += 3) {
    const std::string name = lower(parts[i]);
    int n = 0;
    try {
      n = std::stoi(parts[i + 2]);
    } catch (const std::exception&) {
      throw InputError(where + ": Properties: expected a column count; found '" + parts[i + 2] + "'");
    }
    // A count below 1 would put a column before its own start (a negative index into the line).
    if (n < 1 || n > kMaxColumns)
      throw InputError(where + ": Properties: expected a column count from 1 to " + std::to_string(kMaxColumns) + "; found '" +
                       parts[i + 2] + "'");
    if (c.count > kMaxColumns)
      throw InputError(where + ": Properties: expected at most " + std::to_string(kMaxColumns) + " columns; found '" + spec + "'");
    if (name == "species") c.species = c.count;
    if (name == "pos") c.pos = c.count;
    c.count += n;
  }
  if (c.species < 0 || c.pos < 0) throw InputError(where + ": Properties: expected species and pos columns; found '" + spec + "'");
  return c;
}

/// The atoms (Cartesian) and the Lattice vectors when the comment line has them.
struct Parsed {
  Atoms atoms;
  std::optional<std::array<Vec3, 3>> lattice;
};

Parsed parse(std::istream& in, const std::string& source) {
  std::string line;
  if (!std::getline(in, line)) throw InputError(source + ": expected the number of atoms on line 1; found an empty file");
  long long n = -1;
  {
    std::istringstream ls(line);
    if (!(ls >> n) || n < 1) throw InputError(source + ":1: expected a positive number of atoms; found '" + line + "'");
  }
  std::getline(in, line);
  const auto pairs = comment_pairs(line);
  Parsed out;
  Atoms& atoms = out.atoms;
  if (auto it = pairs.find("lattice"); it != pairs.end()) {
    std::istringstream ls(it->second);
    double v[9];
    for (double& x : v)
      if (!(ls >> x)) throw InputError(source + ":2: Lattice: expected 9 numbers; found '" + it->second + "'");
    for (double x : v)
      if (!std::isfinite(x)) throw InputError(source + ":2: Lattice: expected finite numbers; found '" + it->second + "'");
    out.lattice = std::array<Vec3, 3>{Vec3{v[0], v[1], v[2]}, Vec3{v[3], v[4], v[5]}, Vec3{v[6], v[7], v[8]}};
  }
  Columns cols;
  if (auto it = pairs.find("properties"); it != pairs.end()) cols = property_columns(it->second, source + ":2");
  for (long long k = 0; k < n; ++k) {
    const std::string where = source + ":" + std::to_string(k + 3);
    if (!std::getline(in, line)) throw InputError(where + ": expected " + std::to_string(n) + " atom lines; found " + std::to_string(k));
    std::istringstream ls(line);
    std::vector<std::string> tok;
    for (std::string t; ls >> t;) tok.push_back(t);
    if (int(tok.size()) < std::max(cols.count, std::max(cols.species + 1, cols.pos + 3)))
      throw InputError(where + ": expected species and x y z; found '" + line + "'");
    double p[3];
    for (int d = 0; d < 3; ++d) {
      try {
        std::size_t used = 0;
        p[d] = std::stod(tok[cols.pos + d], &used);
        if (used != tok[cols.pos + d].size() || !std::isfinite(p[d])) throw std::invalid_argument("trailing or not finite");
      } catch (const std::exception&) {
        throw InputError(where + ": expected a finite number for the position; found '" + tok[cols.pos + d] + "'");
      }
    }
    atoms.add(species_number(tok[cols.species], where), p[0], p[1], p[2]);
  }
  return out;
}

/// The Lattice as an orthogonal cell's lengths; InputError for another cell.
std::array<double, 3> orthogonal_cell(const std::array<Vec3, 3>& v, const std::string& source) {
  std::ostringstream text;
  for (const auto& r : v) text << r[0] << " " << r[1] << " " << r[2] << " ";
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c)
      if (r != c && std::abs(v[r][c]) > 1e-8 * std::abs(v[r][r]))
        throw InputError(source + ":2: Lattice: expected an orthogonal cell (diagonal lattice vectors); found '" +
                         text.str() + "' (read_crystal reads any cell)");
  for (int d = 0; d < 3; ++d)
    if (!(v[d][d] > 0)) throw InputError(source + ":2: Lattice: expected cell lengths > 0 (finite); found '" + text.str() + "'");
  return {v[0][0], v[1][1], v[2][2]};
}

}  // namespace

Atoms parse_xyz(std::istream& in, const std::string& source) {
  Parsed p = parse(in, source);
  if (p.lattice) p.atoms.cell = orthogonal_cell(*p.lattice, source);
  return std::move(p.atoms);
}

std::optional<Crystal> parse_xyz_crystal(std::istream& in, const std::string& source) {
  Parsed p = parse(in, source);
  if (!p.lattice) return std::nullopt;
  const auto& l = *p.lattice;
  // Fractional coordinates: solve f L = r with L's rows the lattice vectors (Cramer's rule).
  const auto det3 = [](const Vec3& a, const Vec3& b, const Vec3& c) {
    return a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0]);
  };
  const double d = det3(l[0], l[1], l[2]);
  if (!(std::abs(d) > 0) || !std::isfinite(d))
    throw InputError(source + ":2: Lattice: expected three vectors spanning a volume; found volume " + std::to_string(d));
  Crystal c;
  c.lattice = l;
  c.z = p.atoms.z;
  for (int64_t i = 0; i < p.atoms.size(); ++i) {
    const Vec3 r{p.atoms.x[i], p.atoms.y[i], p.atoms.pos_z[i]};
    c.frac.push_back({det3(r, l[1], l[2]) / d, det3(l[0], r, l[2]) / d, det3(l[0], l[1], r) / d});
  }
  return c;
}



Atoms read_xyz(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw InputError("xyz file: cannot open '" + path + "'");
  return parse_xyz(f, path);
}

}  // namespace phasis::ms
