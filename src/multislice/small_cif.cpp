// Small-molecule (coreCIF) crystal files through gemmi: the cell, the symmetry operations and the
// atom sites expanded to the whole unit cell (see structure.hpp).
#include <cctype>
#include <cmath>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "phasis/core/error.hpp"
#include "phasis/multislice/crystal.hpp"
#include "phasis/multislice/structure.hpp"

#if PHASIS_HAVE_GEMMI
// smcif.hpp's CIF writer (unused here) formats numbers through stb_sprintf, which Debian's gemmi
// package does not ship; gemmi's switch to std::snprintf makes the header self-contained.
#define USE_STD_SNPRINTF 1
#include <gemmi/cif.hpp>
#include <gemmi/smcif.hpp>
#include <gemmi/symmetry.hpp>
#endif

namespace phasis::ms {

#if PHASIS_HAVE_GEMMI
namespace {

std::string number_text(double v) {
  std::ostringstream o;
  o << v;
  return o.str();
}

/// The symmetry operations the block lists (as x,y,z triplets), empty when it lists none.
std::vector<gemmi::Op> listed_operations(gemmi::cif::Block& block, const std::string& where) {
  for (const char* tag : {"_space_group_symop_operation_xyz", "_symmetry_equiv_pos_as_xyz"}) {
    gemmi::cif::Column col = block.find_values(tag);
    if (!col.item()) continue;
    std::vector<gemmi::Op> ops;
    for (const std::string& v : col) {
      const std::string triplet = gemmi::cif::as_string(v);
      // gemmi multiplies each number by its denominator (24) in an int, unchecked: a number of
      // many digits overflowed (fuzz_structure). Symmetry operations hold small fractions only.
      size_t run = 0;
      for (char ch : triplet) {
        run = std::isdigit(static_cast<unsigned char>(ch)) ? run + 1 : 0;
        if (run > 4)
          throw InputError(where + ": " + tag + ": expected symmetry operations such as 'x,-y,z+1/2' (numbers of at most 4 digits); found '" +
                           triplet.substr(0, 60) + "'");
      }
      try {
        ops.push_back(gemmi::parse_triplet(triplet));
      } catch (const std::exception& e) {
        throw InputError(where + ": " + tag + ": expected symmetry operations such as 'x,-y,z+1/2'; found '" + triplet +
                         "' (" + e.what() + ")");
      }
    }
    return ops;
  }
  return {};
}

}  // namespace

std::optional<Crystal> read_small_cif(const std::string& path) {
  gemmi::cif::Document doc;
  try {
    doc = gemmi::cif::read_file(path);
  } catch (const std::exception& e) {
    throw InputError("CIF file '" + path + "': " + e.what());
  }
  if (doc.blocks.empty()) throw InputError("CIF file '" + path + "': expected a data block; found none");
  // Small-molecule CIF puts fractional coordinates in _atom_site_fract_x (mmCIF has
  // _atom_site.Cartn_x); the first block that has them is the crystal (files may open with a
  // block of publication data).
  gemmi::cif::Block* found = nullptr;
  for (auto& b : doc.blocks)
    if (!found && b.find_values("_atom_site_fract_x").item()) found = &b;
  if (!found) return std::nullopt;
  gemmi::cif::Block& block = *found;
  const std::string where = "CIF file '" + path + "'";
  gemmi::SmallStructure st;
  try {
    st = gemmi::make_small_structure_from_block(block);
  } catch (const std::exception& e) {
    throw InputError(where + ": " + e.what());
  }
  if (!st.cell.is_crystal())
    throw InputError(where + ": expected a cell (_cell_length_a, _cell_length_b, _cell_length_c and the angles); found none");
  Crystal c;
  try {
    c.lattice = lattice_from_parameters(st.cell.a, st.cell.b, st.cell.c, st.cell.alpha, st.cell.beta, st.cell.gamma);
  } catch (const InputError& e) {
    throw InputError(where + ": " + e.what());
  }
  // The symmetry: the operations the file lists (exact, whatever the setting), else its
  // Hermann-Mauguin name, else none (P 1: every atom of the cell listed).
  const std::vector<gemmi::Op> ops = listed_operations(block, where);
  if (!ops.empty()) {
    st.cell.images.clear();
    for (const gemmi::Op& op : ops)
      if (!(op == gemmi::Op::identity()))
        st.cell.images.push_back(gemmi::FTransform{gemmi::Transform{gemmi::rot_as_mat33(op), gemmi::tran_as_vec3(op)}});
  } else if (!st.spacegroup_hm.empty() && !st.find_spacegroup()) {
    throw InputError(where + ": expected a known space group name; found '" + st.spacegroup_hm + "'");
  }
  if (st.sites.empty()) throw InputError(where + ": expected atom sites (_atom_site_label, _atom_site_fract_x ...); found none");
  bool all_u = true;
  for (const auto& s : st.sites) {
    if (s.element == gemmi::El::X)
      throw InputError(where + ": expected element symbols in _atom_site_type_symbol or the labels; found site '" + s.label +
                       "' ('" + s.type_symbol + "')");
    if (!(std::isfinite(s.fract.x) && std::isfinite(s.fract.y) && std::isfinite(s.fract.z)))
      throw InputError(where + ": expected fractional coordinates; found site '" + s.label + "' at (" + number_text(s.fract.x) +
                       ", " + number_text(s.fract.y) + ", " + number_text(s.fract.z) + ")");
    // Multislice places whole atoms: a partly occupied (disordered) site has no single answer.
    if (!(std::abs(s.occ - 1) <= 1e-3))
      throw InputError(where + ": expected fully occupied sites (multislice places whole atoms); found site '" + s.label +
                       "' with occupancy " + number_text(s.occ));
    all_u = all_u && s.u_iso > 0 && std::isfinite(s.u_iso);
  }
  for (const auto& s : st.get_all_unit_cell_sites()) {
    c.z.push_back(s.element.atomic_number());
    c.frac.push_back({s.fract.x - std::floor(s.fract.x), s.fract.y - std::floor(s.fract.y), s.fract.z - std::floor(s.fract.z)});
    // U_iso is the mean-square displacement along one axis: sigma = sqrt(U) (B = 8 pi^2 U).
    if (all_u) c.sigma.push_back(std::sqrt(s.u_iso));
  }
  try {
    check_crystal(c);
  } catch (const InputError& e) {
    throw InputError(where + ": " + e.what());
  }
  return c;
}
#else
std::optional<Crystal> read_small_cif(const std::string& path) {
  throw InputError("CIF file '" + path +
                   "': this phasis was built without gemmi, so it reads XYZ and POSCAR only (install gemmi-dev and tao-pegtl-dev)");
}
#endif

}  // namespace phasis::ms
