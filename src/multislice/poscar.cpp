// VASP POSCAR reader; see poscar.hpp for the format.
#include "phasis/multislice/poscar.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "phasis/core/error.hpp"
#include "phasis/multislice/elements.hpp"

namespace phasis::ms {
namespace {

/// A line read and split into words; InputError naming the line when the file ends first.
class Lines {
 public:
  Lines(std::istream& in, std::string source) : in_(in), source_(std::move(source)) {}
  std::vector<std::string> next(const std::string& expected) {
    std::string line;
    if (!std::getline(in_, line))
      throw InputError(where(number_ + 1) + ": expected " + expected + "; found the end of the file");
    ++number_;
    text_ = line;
    std::istringstream ls(line);
    std::vector<std::string> out;
    for (std::string t; ls >> t;) out.push_back(t);
    return out;
  }
  std::string where(int line) const { return source_ + ":" + std::to_string(line); }
  std::string here() const { return where(number_); }
  const std::string& text() const { return text_; }

 private:
  std::istream& in_;
  std::string source_, text_;
  int number_ = 0;
};

bool number(const std::string& t, double& v) {
  try {
    std::size_t used = 0;
    v = std::stod(t, &used);
    return used == t.size() && std::isfinite(v);
  } catch (const std::exception&) {
    return false;
  }
}

std::vector<double> numbers(Lines& lines, const std::vector<std::string>& tok, std::size_t count, const std::string& what) {
  std::vector<double> v(count);
  if (tok.size() < count) throw InputError(lines.here() + ": expected " + what + "; found '" + lines.text() + "'");
  for (std::size_t i = 0; i < count; ++i)
    if (!number(tok[i], v[i])) throw InputError(lines.here() + ": expected " + what + "; found '" + lines.text() + "'");
  return v;
}

double det3(const Vec3& a, const Vec3& b, const Vec3& c) {
  return a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0]);
}

}  // namespace

Crystal parse_poscar(std::istream& in, const std::string& source) {
  Lines lines(in, source);
  lines.next("a comment line");
  auto tok = lines.next("the scale factor");
  double unused = 0;
  const bool three = tok.size() >= 3 && number(tok[1], unused) && number(tok[2], unused);
  const std::vector<double> scale = numbers(lines, tok, three ? 3 : 1, "one scale factor or three");
  for (double s : scale)
    if (s == 0 || (scale.size() == 3 && s < 0))
      throw InputError(lines.here() + ": expected a scale factor > 0 (or one < 0, a volume); found '" + lines.text() + "'");
  Crystal c;
  for (int r = 0; r < 3; ++r) {
    const auto v = numbers(lines, lines.next("lattice vector " + std::to_string(r + 1)), 3, "a lattice vector of 3 numbers");
    c.lattice[std::size_t(r)] = {v[0], v[1], v[2]};
  }
  const double volume = det3(c.lattice[0], c.lattice[1], c.lattice[2]);
  if (!(std::abs(volume) > 0))
    throw InputError(lines.here() + ": expected lattice vectors spanning a volume; found volume " + std::to_string(volume));
  Vec3 factor{};
  if (scale.size() == 3) factor = {scale[0], scale[1], scale[2]};
  else if (scale[0] > 0) factor = {scale[0], scale[0], scale[0]};
  else factor.fill(std::cbrt(-scale[0] / std::abs(volume)));
  for (auto& v : c.lattice)
    for (int d = 0; d < 3; ++d) v[std::size_t(d)] *= factor[std::size_t(d)];

  const auto species = lines.next("the species line (element symbols)");
  const int species_line = 6;
  double probe = 0;
  if (species.empty() || number(species[0], probe))
    throw InputError(lines.here() + ": expected element symbols (VASP 5; a VASP 4 file names its species only in POTCAR); found '" +
                     lines.text() + "'");
  std::vector<int> z;
  for (const std::string& s : species) {
    // Potential names: "Fe_pv", "Fe/abc", "Fe_sv_GW" -> "Fe".
    std::string sym = s.substr(0, s.find_first_of("_/:"));
    try {
      z.push_back(atomic_number(sym));
    } catch (const InputError& e) {
      throw InputError(lines.here() + ": " + e.what());
    }
  }
  const auto counts_tok = lines.next("atoms per species");
  if (counts_tok.size() != species.size())
    throw InputError(lines.here() + ": expected " + std::to_string(species.size()) + " counts, one per species on line " +
                     std::to_string(species_line) + "; found " + std::to_string(counts_tok.size()) + " in '" + lines.text() + "'");
  std::vector<long long> counts;
  long long total = 0;
  for (const std::string& t : counts_tok) {
    std::size_t used = 0;
    long long n = -1;
    try {
      n = std::stoll(t, &used);
    } catch (const std::exception&) {
    }
    if (used != t.size() || n < 0 || n > 100000000)
      throw InputError(lines.here() + ": expected whole atom counts >= 0; found '" + t + "'");
    counts.push_back(n);
    total += n;
  }
  if (total == 0) throw InputError(lines.here() + ": expected at least one atom; found counts '" + lines.text() + "'");
  auto mode = lines.next("Direct or Cartesian");
  if (!mode.empty() && (mode[0][0] == 'S' || mode[0][0] == 's')) mode = lines.next("Direct or Cartesian");
  const char m = mode.empty() ? ' ' : char(std::tolower(static_cast<unsigned char>(mode[0][0])));
  if (m != 'd' && m != 'c' && m != 'k')
    throw InputError(lines.here() + ": expected Direct or Cartesian; found '" + lines.text() + "'");
  const bool cartesian = m != 'd';
  const auto& l = c.lattice;
  const double d = det3(l[0], l[1], l[2]);
  for (std::size_t s = 0; s < counts.size(); ++s)
    for (long long k = 0; k < counts[s]; ++k) {
      const auto tok_p = lines.next(std::to_string(total) + " atom positions (the counts on line " +
                                    std::to_string(species_line + 1) + ")");
      const auto p = numbers(lines, tok_p, 3, "an atom position x y z");
      Vec3 f{p[0], p[1], p[2]};
      if (cartesian) {
        // Cartesian positions are scaled as the lattice; then f L = r (Cramer's rule).
        const Vec3 r{p[0] * factor[0], p[1] * factor[1], p[2] * factor[2]};
        f = {det3(r, l[1], l[2]) / d, det3(l[0], r, l[2]) / d, det3(l[0], l[1], r) / d};
      }
      c.z.push_back(z[s]);
      c.frac.push_back(f);
    }
  check_crystal(c);
  return c;
}

Crystal read_poscar(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw InputError("POSCAR file: cannot open '" + path + "'");
  return parse_poscar(f, path);
}

bool is_poscar_name(const std::string& path) {
  const std::filesystem::path p(path);
  std::string ext = p.extension().string(), name = p.filename().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return char(std::tolower(ch)); });
  return ext == ".vasp" || ext == ".poscar" || name.find("POSCAR") != std::string::npos ||
         name.find("CONTCAR") != std::string::npos;
}

}  // namespace phasis::ms
