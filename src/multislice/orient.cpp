// Crystals of any cell: checks, zone-axis text, the orthogonal supercell along a zone axis, and the
// specimen tilt (see crystal.hpp for the method and its definitions).
#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <sstream>
#include <string>

#include "phasis/core/error.hpp"
#include "phasis/multislice/coefficient_tables.hpp"  // for kMaxElement
#include "phasis/multislice/crystal.hpp"
#include "phasis/multislice/energy.hpp"  // for kPi

namespace phasis::ms {
namespace {

using IVec = std::array<int, 3>;

double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
double norm(const Vec3& a) { return std::sqrt(dot(a, a)); }
Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
/// n_0 a + n_1 b + n_2 c.
Vec3 combine(const IVec& n, const std::array<Vec3, 3>& lat) {
  Vec3 v{};
  for (int d = 0; d < 3; ++d) v[d] = n[0] * lat[0][d] + n[1] * lat[1][d] + n[2] * lat[2][d];
  return v;
}
int64_t det(const std::array<IVec, 3>& m) {
  return int64_t(m[0][0]) * (int64_t(m[1][1]) * m[2][2] - int64_t(m[1][2]) * m[2][1]) -
         int64_t(m[0][1]) * (int64_t(m[1][0]) * m[2][2] - int64_t(m[1][2]) * m[2][0]) +
         int64_t(m[0][2]) * (int64_t(m[1][0]) * m[2][1] - int64_t(m[1][1]) * m[2][0]);
}
std::string number_text(double v) {
  std::ostringstream o;
  o << v;
  return o.str();
}

/// In-plane vectors the supercell search pairs at most (the shortest ones).
constexpr std::size_t kMaxCandidates = 1000;

/// v in [0, 1) (v - floor(v) rounds to 1 for tiny negative v).
double wrap01(double v) {
  v -= std::floor(v);
  return v >= 1 ? 0 : v;
}

/// Fractional coordinates snapped onto whole numbers within this, so sites on a face of the new
/// cell are taken once (on the low side) whatever the rounding of the transform.
constexpr double kFaceTolerance = 1e-9;

/// The atoms of `c` in the supercell whose rows (in units of a, b, c) are `m`, at their supercell
/// fractional coordinates times `box`.
Atoms fill_supercell(const Crystal& c, const std::array<IVec, 3>& m, const Vec3& box, int64_t cells) {
  // s = p m^-1 for a point p in original fractional coordinates; m^-1 = adj(m) / det(m).
  const double d = double(det(m));
  std::array<Vec3, 3> inv{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      const int i1 = (j + 1) % 3, i2 = (j + 2) % 3, j1 = (i + 1) % 3, j2 = (i + 2) % 3;
      inv[i][j] = (double(m[i1][j1]) * m[i2][j2] - double(m[i1][j2]) * m[i2][j1]) / d;
    }
  // Translations that reach the supercell: the box of its corners in original fractional units.
  IVec lo{0, 0, 0}, hi{0, 0, 0};
  for (int corner = 0; corner < 8; ++corner) {
    for (int k = 0; k < 3; ++k) {
      int p = 0;
      for (int r = 0; r < 3; ++r) p += ((corner >> r) & 1) * m[r][k];
      lo[k] = std::min(lo[k], p);
      hi[k] = std::max(hi[k], p);
    }
  }
  Atoms out;
  out.cell = box;
  for (int64_t n = 0; n < c.size(); ++n) {
    Vec3 f = c.frac[std::size_t(n)];
    for (double& v : f) v = wrap01(v);
    // Every image within the tolerance of the supercell, wrapped into it (a coordinate within the
    // tolerance of a face goes to 0) and kept once: two images of one atom on opposite faces,
    // whose coordinates rounding puts on either side of the tolerance, were both kept before
    // (fuzz_structure).
    std::vector<Vec3> found;
    for (int i = lo[0] - 1; i <= hi[0]; ++i)
      for (int j = lo[1] - 1; j <= hi[1]; ++j)
        for (int k = lo[2] - 1; k <= hi[2]; ++k) {
          const Vec3 p{f[0] + i, f[1] + j, f[2] + k};
          Vec3 s{};
          bool inside = true;
          for (int e = 0; e < 3; ++e) {
            s[e] = p[0] * inv[0][e] + p[1] * inv[1][e] + p[2] * inv[2][e];
            inside = inside && s[e] >= -kFaceTolerance && s[e] < 1 + kFaceTolerance;
            if (std::abs(s[e] - std::round(s[e])) < kFaceTolerance) s[e] = 0;
          }
          if (!inside) continue;
          const bool seen = std::any_of(found.begin(), found.end(), [&](const Vec3& t) {
            for (int e = 0; e < 3; ++e) {
              const double d = s[e] - t[e];
              if (std::abs(d - std::round(d)) > 1e3 * kFaceTolerance) return false;
            }
            return true;
          });
          if (seen) continue;
          found.push_back(s);
          out.add(c.z[std::size_t(n)], s[0] * box[0], s[1] * box[1], s[2] * box[2]);
          if (!c.sigma.empty()) out.sigma.push_back(c.sigma[std::size_t(n)]);
        }
  }
  // Each atom appears once per original cell in the supercell: a check on the search above.
  if (out.size() != cells * c.size())
    throw Error("orient: expected " + std::to_string(cells * c.size()) + " atoms in the supercell; found " +
                std::to_string(out.size()) + " (atoms closer than 1e-9 to a face?)");
  return out;
}

}  // namespace

std::array<Vec3, 3> lattice_from_parameters(double a, double b, double c, double alpha, double beta, double gamma) {
  for (double l : {a, b, c})
    if (!(std::isfinite(l) && l > 0))
      throw InputError("cell: expected lengths a, b, c > 0 Angstrom; found " + number_text(a) + ", " + number_text(b) +
                       ", " + number_text(c));
  const double r = kPi / 180, ca = std::cos(alpha * r), cb = std::cos(beta * r), cg = std::cos(gamma * r);
  const double sg = std::sin(gamma * r);
  // c = (cx, cy, cz): c.a = a c cos(beta), c.b = b c cos(alpha), |c| = c.
  const double cx = c * cb, cy = c * (ca - cb * cg) / sg, cz2 = c * c - cx * cx - cy * cy;
  if (!(std::isfinite(alpha) && std::isfinite(beta) && std::isfinite(gamma)) || !(std::abs(sg) > 1e-6) || !(cz2 > 0))
    throw InputError("cell: expected angles alpha, beta, gamma of a cell with volume; found " + number_text(alpha) + ", " +
                     number_text(beta) + ", " + number_text(gamma) + " degrees");
  return {Vec3{a, 0, 0}, Vec3{b * cg, b * sg, 0}, Vec3{cx, cy, std::sqrt(cz2)}};
}

void check_crystal(const Crystal& c) {
  if (c.size() == 0) throw InputError("atoms: expected at least one atom; found an empty cell");
  if (c.frac.size() != c.z.size() || (!c.sigma.empty() && c.sigma.size() != c.z.size()))
    throw InputError("atoms: expected one position (and sigma, if any) per atom");
  double scale = 0;
  for (const auto& v : c.lattice)
    for (double x : v) {
      if (!std::isfinite(x)) throw InputError("cell: expected finite lattice vectors; found " + number_text(x));
      scale = std::max(scale, std::abs(x));
    }
  const double volume = dot(c.lattice[0], cross(c.lattice[1], c.lattice[2]));
  if (!(std::abs(volume) > 1e-9 * scale * scale * scale) || !(std::abs(volume) > 0))
    throw InputError("cell: expected three lattice vectors spanning a volume; found volume " + number_text(volume) +
                     " A^3");
  for (const auto& f : c.frac)
    for (double x : f)
      if (!std::isfinite(x)) throw InputError("atoms: expected finite coordinates; found " + number_text(x));
  for (int zi : c.z)
    if (zi < 1 || zi > kMaxElement) throw InputError("atoms: expected atomic numbers 1 to 103; found " + std::to_string(zi));
}

Crystal crystal_from_atoms(const Atoms& atoms) {
  check_atoms(atoms);
  Crystal c;
  c.lattice = {Vec3{atoms.cell[0], 0, 0}, Vec3{0, atoms.cell[1], 0}, Vec3{0, 0, atoms.cell[2]}};
  c.z = atoms.z;
  c.sigma = atoms.sigma;
  for (int64_t i = 0; i < atoms.size(); ++i)
    c.frac.push_back({atoms.x[i] / atoms.cell[0], atoms.y[i] / atoms.cell[1], atoms.pos_z[i] / atoms.cell[2]});
  return c;
}

std::array<int, 3> parse_zone_axis(const std::string& text) {
  const auto bad = [&](const std::string& why) -> InputError {
    return InputError("zone axis: expected three integers [uvw] (\"110\", \"1 -1 0\", \"[1,1,0]\")" + why + "; found '" +
                      text + "'");
  };
  std::string s;
  for (char ch : text)
    if (ch != '[' && ch != ']') s += ch == ',' ? ' ' : ch;
  std::vector<int> v;
  if (s.find_first_of(" \t") != std::string::npos) {
    // Separated integers, any size.
    std::istringstream in(s);
    for (std::string t; in >> t;) {
      std::size_t used = 0;
      int x = 0;
      try {
        x = std::stoi(t, &used);
      } catch (const std::exception&) {
        throw bad("");
      }
      if (used != t.size() || std::abs(x) > 1000) throw bad("");
      v.push_back(x);
    }
  } else {
    // Crystallographic shorthand: one digit per index, each with an optional minus sign.
    for (std::size_t i = 0; i < s.size(); ++i) {
      int sign = 1;
      if (s[i] == '-' && i + 1 < s.size()) sign = -1, ++i;
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) throw bad("");
      v.push_back(sign * (s[i] - '0'));
    }
  }
  if (v.size() == 4) {
    // Miller-Bravais [UVTW] of a hexagonal cell (T = -(U + V)) is [2U + V, U + 2V, W] in a, b, c.
    if (v[2] != -(v[0] + v[1])) throw bad(" or four [UVTW] with T = -(U + V)");
    v = {2 * v[0] + v[1], v[0] + 2 * v[1], v[3]};
  }
  if (v.size() != 3) throw bad("");
  if (v[0] == 0 && v[1] == 0 && v[2] == 0) throw bad(", not all zero");
  return {v[0], v[1], v[2]};
}

std::string zone_axis_text(const std::array<int, 3>& uvw) {
  return "[" + std::to_string(uvw[0]) + " " + std::to_string(uvw[1]) + " " + std::to_string(uvw[2]) + "]";
}

Oriented orient(const Crystal& c, const std::array<int, 3>& zone, const OrientOptions& o) {
  check_crystal(c);
  const int g = std::gcd(std::gcd(std::abs(zone[0]), std::abs(zone[1])), std::abs(zone[2]));
  if (g == 0) throw InputError("zone axis: expected three integers [uvw], not all zero; found [0 0 0]");
  if (!(o.strain_tolerance >= 0 && o.strain_tolerance < 0.5))
    throw InputError("structure.strain_tolerance: expected a number from 0 to 0.5; found " + number_text(o.strain_tolerance));
  if (o.max_repetitions < 1 || o.max_repetitions > 30)
    throw InputError("structure.max_repetitions: expected 1 to 30; found " + std::to_string(o.max_repetitions));
  const IVec nz{zone[0] / g, zone[1] / g, zone[2] / g};
  const auto& lat = c.lattice;

  Oriented out;
  const bool diagonal = lat[0][1] == 0 && lat[0][2] == 0 && lat[1][0] == 0 && lat[1][2] == 0 && lat[2][0] == 0 &&
                        lat[2][1] == 0 && lat[0][0] > 0 && lat[1][1] > 0 && lat[2][2] > 0;
  if (diagonal && nz == IVec{0, 0, 1}) {
    // Already the multislice cell: the same atoms in the same order (positions frac * length).
    out.atoms.cell = {lat[0][0], lat[1][1], lat[2][2]};
    for (int64_t n = 0; n < c.size(); ++n) {
      Vec3 f = c.frac[std::size_t(n)];
      for (double& v : f) v = wrap01(v);
      out.atoms.add(c.z[std::size_t(n)], f[0] * lat[0][0], f[1] * lat[1][1], f[2] * lat[2][2]);
    }
    out.atoms.sigma = c.sigma;
    out.supercell.zone_axis = zone;
    out.supercell.rows = {IVec{1, 0, 0}, IVec{0, 1, 0}, IVec{0, 0, 1}};
    return out;
  }

  const Vec3 cz = combine(nz, lat);
  const double lz = norm(cz);
  const Vec3 zhat{cz[0] / lz, cz[1] / lz, cz[2] / lz};
  // The direction x should follow: the Cartesian x axis (y when the beam is along x) on the plane.
  Vec3 ref{1, 0, 0};
  if (std::abs(zhat[0]) > 0.99) ref = {0, 1, 0};
  const double rz = dot(ref, zhat);
  for (int d = 0; d < 3; ++d) ref[d] -= rz * zhat[d];
  const double rn = norm(ref);
  for (double& v : ref) v /= rn;

  struct Cand {
    IVec n;
    Vec3 v;
    double len, cos_z, along_ref;
  };
  std::vector<Cand> cands;
  const int r = o.max_repetitions;
  for (int i = -r; i <= r; ++i)
    for (int j = -r; j <= r; ++j)
      for (int k = -r; k <= r; ++k) {
        if (!i && !j && !k) continue;
        const IVec n{i, j, k};
        const Vec3 v = combine(n, lat);
        const double len = norm(v), cz_ = std::abs(dot(v, zhat)) / len;
        if (cz_ <= o.strain_tolerance + 1e-12) cands.push_back({n, v, len, cz_, dot(v, ref) / len});
      }
  // The pair search is quadratic in the candidates: keep the kMaxCandidates shortest (a cell with
  // one tiny vector makes every combination nearly perpendicular to it; real cells have a few
  // hundred candidates at 8 repetitions).
  std::stable_sort(cands.begin(), cands.end(), [](const Cand& a, const Cand& b) { return a.len < b.len; });
  if (cands.size() > kMaxCandidates) cands.resize(kMaxCandidates);
  // Lexicographic preference with tolerances for the float rounding of equal lengths and angles.
  struct Key {
    int64_t cells;
    double strain, lx, ly, along;
    IVec nx;
  };
  const auto better = [](const Key& a, const Key& b) {
    if (a.cells != b.cells) return a.cells < b.cells;
    if (std::abs(a.strain - b.strain) > 1e-9) return a.strain < b.strain;
    if (std::abs(a.lx - b.lx) > 1e-9 * std::max(a.lx, b.lx)) return a.lx < b.lx;
    if (std::abs(a.ly - b.ly) > 1e-9 * std::max(a.ly, b.ly)) return a.ly < b.ly;
    if (std::abs(a.along - b.along) > 1e-9) return a.along > b.along;
    return a.nx > b.nx;  // any fixed order: the same cell on every machine
  };
  bool found = false;
  Key best{};
  std::array<IVec, 3> best_m{};
  double smallest_strain = std::numeric_limits<double>::infinity();
  for (const Cand& p : cands)
    for (const Cand& q : cands) {
      if (dot(cross(p.v, q.v), zhat) <= 0) continue;  // right-handed, and not parallel
      const double cpq = std::abs(dot(p.v, q.v)) / (p.len * q.len);
      const double strain = std::max({cpq, p.cos_z, q.cos_z});
      smallest_strain = std::min(smallest_strain, strain);
      if (strain > o.strain_tolerance + 1e-12) continue;
      const std::array<IVec, 3> m{p.n, q.n, nz};
      const int64_t cells = std::abs(det(m));
      if (cells == 0) continue;
      const Key key{cells, strain, p.len, q.len, p.along_ref, p.n};
      if (!found || better(key, best)) found = true, best = key, best_m = m;
    }
  if (!found)
    throw InputError("zone axis " + zone_axis_text(zone) + ": expected an orthogonal supercell within strain_tolerance " +
                     number_text(o.strain_tolerance) + " using up to " + std::to_string(r) +
                     " repetitions; found none (smallest strain " +
                     (std::isfinite(smallest_strain) ? number_text(smallest_strain) : std::string(": no lattice vectors")) +
                     "; raise structure.strain_tolerance or structure.max_repetitions)");
  out.supercell = {zone, best_m, best.strain, best.cells};
  out.atoms = fill_supercell(c, best_m, Vec3{best.lx, best.ly, lz}, best.cells);
  return out;
}

void tilt_specimen(Atoms& atoms, const std::array<double, 2>& tilt) {
  if (!(std::isfinite(tilt[0]) && std::isfinite(tilt[1])) || std::hypot(tilt[0], tilt[1]) > kMaxTiltMrad)
    throw InputError("structure.tilt: expected a tilt of at most " + number_text(kMaxTiltMrad) +
                     " mrad (the small-angle limit of the shear, docs/multislice.md); found [" + number_text(tilt[0]) +
                     ", " + number_text(tilt[1]) + "] mrad");
  if (tilt[0] == 0 && tilt[1] == 0) return;
  const double tx = std::tan(tilt[0] * 1e-3), ty = std::tan(tilt[1] * 1e-3);
  const auto wrap = [](double v, double l) {
    v -= std::floor(v / l) * l;
    return v >= l ? v - l : v;  // floor's rounding can leave v == l
  };
  for (int64_t i = 0; i < atoms.size(); ++i) {
    atoms.x[i] = wrap(atoms.x[i] - atoms.pos_z[i] * tx, atoms.cell[0]);
    atoms.y[i] = wrap(atoms.y[i] - atoms.pos_z[i] * ty, atoms.cell[1]);
  }
}

}  // namespace phasis::ms
