// Reading PDB / mmCIF with gemmi, choosing a reader by extension, and boxing a molecule.
#include "phasis/multislice/structure.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "phasis/core/error.hpp"
#include "phasis/multislice/elements.hpp"
#include "phasis/multislice/energy.hpp"  // for kPi
#include "phasis/multislice/poscar.hpp"
#include "phasis/multislice/xyz.hpp"

#if PHASIS_HAVE_GEMMI
#include <gemmi/mmread.hpp>
#endif

namespace phasis::ms {

bool structure_reader_available() { return PHASIS_HAVE_GEMMI; }

#if PHASIS_HAVE_GEMMI
Atoms read_structure(const std::string& path) {
  if (!std::filesystem::exists(path)) throw InputError("structure file: cannot open '" + path + "'");
  gemmi::Structure st;
  try {
    st = gemmi::read_structure_file(path);
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

namespace {

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return char(std::tolower(ch)); });
  return ext;
}

}  // namespace

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
