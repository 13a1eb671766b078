// Reading PDB / mmCIF with gemmi, choosing a reader by extension, and boxing a molecule.
#include "phasis/multislice/structure.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <filesystem>
#include <fstream>
#include <string>

#include "phasis/core/error.hpp"
#include "phasis/multislice/elements.hpp"
#include "phasis/multislice/energy.hpp"  // for kPi
#include "phasis/multislice/poscar.hpp"
#include "phasis/multislice/xyz.hpp"

#if PHASIS_HAVE_GEMMI
#include <gemmi/cif.hpp>
#include <gemmi/mmcif.hpp>
#include <gemmi/mmread.hpp>
#endif

namespace phasis::ms {

namespace {

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return char(std::tolower(ch)); });
  return ext;
}

}  // namespace


bool structure_reader_available() { return PHASIS_HAVE_GEMMI; }

#if PHASIS_HAVE_GEMMI
namespace {
// gemmi's PDB reader assumes ASCII: a byte >= 0x80 in a record name or a residue name reaches a
// left shift of a negative char (gemmi::ialpha4_id, undefined behaviour that fuzz_structure found
// twice), and a NUL ends a line early. PDB records are ASCII (wwPDB format guide), so every line
// must be printable ASCII (and tabs), except the free-text records a person writes (REMARK,
// TITLE, AUTHOR, JRNL: a UTF-8 name there is harmless); a NUL is refused anywhere.
//
// The text comes back with every line made 80 columns (a PDB line's width by definition): gemmi
// reads fixed columns of some records past a short line's end (a LINK line of 74 to 77
// characters: a heap overflow in process_conn that fuzz_structure found), and cuts a long line
// after 81 characters, reading the rest as a line of its own (a free-text line's UTF-8 bytes then
// became a record name).
std::string checked_pdb_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string line, text;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const bool free_text = line.rfind("REMARK", 0) == 0 || line.rfind("TITLE", 0) == 0 ||
                           line.rfind("AUTHOR", 0) == 0 || line.rfind("JRNL", 0) == 0;
    for (size_t i = 0; i < line.size(); ++i) {
      const auto c = static_cast<unsigned char>(line[i]);
      const bool text = c == '\t' || c == '\r' || (c >= 0x20 && c <= 0x7e) || (free_text && c >= 0x80);
      if (!text) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", c);
        throw InputError("structure file '" + path + "': expected a PDB text file (ASCII records); found byte " + hex +
                         " at line " + std::to_string(number) + ", column " + std::to_string(i + 1));
      }
    }
    line.resize(80, ' ');  // longer lines too: gemmi reads 81 characters and starts a new line with the rest
    // DBREF2's sequence numbers are 10 columns wide, and gemmi converts them to int unchecked:
    // ten digits overflowed (fuzz_structure). Nine digits are every real sequence's range. gemmi
    // knows a record by its first four letters in any case ("dbre 2" is a DBREF2 to it).
    auto upper = [&](size_t i) { return char(std::toupper(static_cast<unsigned char>(line[i]))); };
    if (upper(0) == 'D' && upper(1) == 'B' && upper(2) == 'R' && upper(3) == 'E')
      for (size_t at : {size_t(45), size_t(57)})
        if (std::count_if(line.begin() + long(at), line.begin() + long(at + 10),
                          [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); }) >= 10)
          throw InputError("structure file '" + path + "': expected DBREF2 sequence numbers below 10^9; found '" +
                           line.substr(at, 10) + "' at line " + std::to_string(number));
    text += line;
    text += '\n';
  }
  return text;
}

// gemmi's mmCIF reader turns integer fields (sequence numbers, serials, charges, model numbers:
// dozens of sites) into int without a range check, so ten digits overflow (undefined behaviour
// that fuzz_structure found in make_structure_from_block). No mmCIF field holds an integer of ten
// digits or more, so any value starting with one is refused before gemmi converts.
void check_integer(const std::string& v, const std::string& path) {
  size_t i = v.empty() || (v[0] != '-' && v[0] != '+') ? 0 : 1, digits = 0;
  while (i + digits < v.size() && std::isdigit(static_cast<unsigned char>(v[i + digits]))) ++digits;
  if (digits >= 10)
    throw InputError("structure file '" + path + "': expected numbers below 10^9 in its fields; found '" +
                     v.substr(0, 40) + "'");
}

void check_cif_integers(const gemmi::cif::Block& block, const std::string& path) {
  for (const gemmi::cif::Item& item : block.items) {
    if (item.type == gemmi::cif::ItemType::Pair) check_integer(item.pair[1], path);
    if (item.type == gemmi::cif::ItemType::Loop)
      for (const std::string& v : item.loop.values) check_integer(v, path);
    if (item.type == gemmi::cif::ItemType::Frame) check_cif_integers(item.frame, path);
  }
}

bool is_pdb(const std::string& path) {
  const std::string ext = lower_extension(path);
  return ext == ".pdb" || ext == ".ent";
}
}  // namespace

Atoms read_structure(const std::string& path) {
  if (!std::filesystem::exists(path)) throw InputError("structure file: cannot open '" + path + "'");
  gemmi::Structure st;
  try {
    if (is_pdb(path)) {
      st = gemmi::read_pdb_string(checked_pdb_text(path), path);
    } else {  // mmCIF: the document first, its numbers checked, then the structure
      gemmi::cif::Document doc = gemmi::cif::read_file(path);
      for (const gemmi::cif::Block& block : doc.blocks) check_cif_integers(block, path);
      st = gemmi::make_structure(doc);
    }
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw InputError("structure file '" + path + "': " + e.what());
  }
  if (st.models.empty()) throw InputError("structure file '" + path + "': expected at least one model with atoms");
  Atoms atoms;
  std::vector<double> b;
  for (const auto& chain : st.models.front().chains)
    for (const auto& res : chain.residues)
      for (const auto& a : res.atoms) {
        if (a.altloc != '\0' && a.altloc != 'A') continue;
        const int z = a.element.atomic_number();
        if (z < 1 || z > 103)
          throw InputError("structure file '" + path + "': expected known elements; found atom '" + a.name + "' of element '" +
                           a.element.name() + "'");
        if (!(std::isfinite(a.pos.x) && std::isfinite(a.pos.y) && std::isfinite(a.pos.z) && std::isfinite(a.b_iso)))
          throw InputError("structure file '" + path + "': expected finite coordinates and B factors; found atom '" + a.name +
                           "' at (" + std::to_string(a.pos.x) + ", " + std::to_string(a.pos.y) + ", " +
                           std::to_string(a.pos.z) + "), B " + std::to_string(a.b_iso));
        atoms.add(z, a.pos.x, a.pos.y, a.pos.z);
        b.push_back(a.b_iso);
      }
  if (atoms.size() == 0) throw InputError("structure file '" + path + "': expected atoms in the first model; found none");
  if (std::all_of(b.begin(), b.end(), [](double v) { return v > 0; }))
    for (double v : b) atoms.sigma.push_back(std::sqrt(v / (8 * kPi * kPi)));
  const auto& c = st.cell;
  const auto right = [](double angle) { return std::abs(angle - 90) < 1e-3; };
  if (std::isfinite(c.a) && std::isfinite(c.b) && std::isfinite(c.c) && c.a > 1 && c.b > 1 && c.c > 1 && right(c.alpha) && right(c.beta) && right(c.gamma)) atoms.cell = {c.a, c.b, c.c};
  return atoms;
}
#else
Atoms read_structure(const std::string& path) {
  throw InputError("structure file '" + path +
                   "': this phasis was built without gemmi, so it reads XYZ only (install gemmi-dev and tao-pegtl-dev)");
}
#endif

std::optional<Crystal> read_crystal(const std::string& path) {
  const std::string ext = lower_extension(path);
  if (ext == ".xyz" || ext == ".extxyz") {
    std::ifstream f(path);
    if (!f) throw InputError("xyz file: cannot open '" + path + "'");
    std::optional<Crystal> c = parse_xyz_crystal(f, path);
    if (!c) return std::nullopt;
    const auto& l = c->lattice;
    // An orthogonal cell is read by read_xyz as it is (the positions unchanged).
    if (l[0][1] == 0 && l[0][2] == 0 && l[1][0] == 0 && l[1][2] == 0 && l[2][0] == 0 && l[2][1] == 0) return std::nullopt;
    check_crystal(*c);
    return c;
  }
  if (ext == ".cif") {
    if (!std::filesystem::exists(path)) throw InputError("structure file: cannot open '" + path + "'");
    return read_small_cif(path);
  }
  if (is_poscar_name(path)) return read_poscar(path);
  return std::nullopt;
}

Atoms read_atoms(const std::string& path) {
  const std::string ext = lower_extension(path);
  if (ext == ".xyz" || ext == ".extxyz" || ext == ".cif" || is_poscar_name(path))
    if (std::optional<Crystal> c = read_crystal(path)) return orient(*c, {0, 0, 1}).atoms;
  if (ext == ".xyz" || ext == ".extxyz") return read_xyz(path);
  if (ext == ".pdb" || ext == ".ent" || ext == ".cif" || ext == ".mmcif") return read_structure(path);
  throw InputError("structure file '" + path +
                   "': expected .xyz, .extxyz, .pdb, .ent, .cif, .mmcif, .vasp, .poscar or a POSCAR / CONTCAR name");
}

void center_in_box(Atoms& atoms, double vacuum) {
  if (atoms.size() == 0) throw InputError("atoms: expected at least one atom; found an empty cell");
  if (!(vacuum >= 0)) throw InputError("vacuum: expected a length >= 0 Angstrom; found " + std::to_string(vacuum));
  std::vector<double>* axes[3] = {&atoms.x, &atoms.y, &atoms.pos_z};
  for (int d = 0; d < 3; ++d) {
    auto& v = *axes[d];
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    const double shift = vacuum - *lo, extent = *hi - *lo;
    for (double& p : v) p += shift;
    atoms.cell[std::size_t(d)] = extent + 2 * vacuum;
  }
}

}  // namespace phasis::ms
