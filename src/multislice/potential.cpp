// Slicing a cell and sampling each atom's projected (or slab-integrated) potential on the grid;
// see potential.hpp.
#include "phasis/multislice/potential.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>

#include "phasis/core/error.hpp"
#include "phasis/multislice/crystal.hpp"  // for kMaxTiltMrad
#include "phasis/multislice/potential_kernels.hpp"
#include "multislice/sampled_potential.hpp"

namespace phasis::ms {
namespace {

int64_t wrap(int64_t i, int64_t n) { return ((i % n) + n) % n; }

}  // namespace

const char* to_string(PotentialForm f) { return f == PotentialForm::sampled ? "sampled" : "pixel_average"; }

PotentialForm parse_potential_form(const std::string& s) {
  if (s == "sampled") return PotentialForm::sampled;
  if (s == "pixel_average") return PotentialForm::pixel_average;
  throw InputError("potential form: expected \"sampled\" or \"pixel_average\"; found \"" + s + "\"");
}

Potential::Potential(const Atoms& atoms, const Grid& grid, const PotentialOptions& options)
    : atoms_(atoms), grid_(grid), options_(options) {
  build();
}

Potential::Potential(const Atoms& atoms, const Potential& like)
    : atoms_(atoms), grid_(like.grid_), options_(like.options_), tables_(like.tables_), slab_tables_(like.slab_tables_),
      spectra_(like.spectra_) {
  build();
}

void Potential::build() {
  check_atoms(atoms_);
  check_grid(grid_);
  const auto close = [](double a, double b) { return std::abs(a - b) <= 1e-6 * std::max(a, b); };
  if (!close(grid_.extent_x(), atoms_.cell[0]) || !close(grid_.extent_y(), atoms_.cell[1]))
    throw InputError("grid: expected to span the cell, " + std::to_string(atoms_.cell[0]) + " x " +
                     std::to_string(atoms_.cell[1]) + " Angstrom; found " + std::to_string(grid_.extent_x()) + " x " +
                     std::to_string(grid_.extent_y()));
  slicing_ = make_slicing(atoms_.cell[2], options_.slice_thickness, options_.slicing);
  const int64_t n = slicing_.count();
  members_.resize(std::size_t(n));
  const double r_min = singularity_radius(grid_.dx / kSub, grid_.dy / kSub);
  const bool sampled_infinite = options_.projection == Projection::infinite && options_.form == PotentialForm::sampled;
  for (int z : atoms_.z) {
    if (tables_.count(z) && (!sampled_infinite || spectra_.count(z))) continue;
    const RadialPotential p = atomic_potential(z, options_.parametrization);
    if (sampled_infinite && !spectra_.count(z)) spectra_.emplace(z, sampled_spectrum(p, grid_));
    if (tables_.count(z)) continue;
    const double r_cut = std::max(p.cutoff(options_.cutoff_fraction), 2 * r_min);
    tables_.emplace(z, ProjectedTable(p, r_min, r_cut));
    if (options_.projection == Projection::finite) slab_tables_.emplace(z, SlabTable(p, r_min, r_cut));
  }
  for (int64_t a = 0; a < atoms_.size(); ++a) {
    if (options_.projection == Projection::infinite) {
      members_[std::size_t(slicing_.index(atoms_.pos_z[a]))].push_back(a);
    } else {
      const double rc = tables_.at(atoms_.z[a]).r_cut();
      for (int64_t k = slicing_.index_exact(atoms_.pos_z[a] - rc); k <= slicing_.index_exact(atoms_.pos_z[a] + rc); ++k)
        members_[std::size_t(k)].push_back(a);
    }
  }
  const auto& t = options_.tilt;
  if (!(std::isfinite(t[0]) && std::isfinite(t[1])) || std::hypot(t[0], t[1]) > kMaxTiltMrad)
    throw InputError("potential tilt: expected at most " + std::to_string(kMaxTiltMrad) + " mrad; found (" +
                     std::to_string(t[0]) + ", " + std::to_string(t[1]) + ") mrad");
}

std::vector<double> Potential::slice_shifts() const {
  const auto& t = options_.tilt;
  if (t[0] == 0 && t[1] == 0) return {};
  std::vector<double> s;
  for (int64_t k = 0; k < num_slices(); ++k) {
    const double z = slicing_.start[std::size_t(k)];
    s.push_back(-z * std::tan(1e-3 * t[0]));
    s.push_back(-z * std::tan(1e-3 * t[1]));
  }
  return s;
}

void Potential::slice(int64_t k, float* out) const {
  if (k < 0 || k >= num_slices())
    throw InputError("slice: expected an index in [0, " + std::to_string(num_slices()) + "); found " + std::to_string(k));
  if (!kept_.empty()) {
    std::copy_n(kept_.data() + k * grid_.pixels(), grid_.pixels(), out);
    return;
  }
  const auto& members = members_.at(std::size_t(k));
  const int64_t ny = grid_.ny, nx = grid_.nx;
  const double dx = grid_.dx, dy = grid_.dy;
  const bool finite = options_.projection == Projection::finite;
  if (!finite && options_.form == PotentialForm::sampled) {
    // One group per element, in the order of the elements' first atoms in the slice.
    std::vector<SampledGroup> groups;
    std::map<int, std::size_t> group_of;
    for (int64_t a : members) {
      const int z = atoms_.z[a];
      if (!group_of.count(z)) {
        group_of[z] = groups.size();
        groups.push_back({&spectra_.at(z), {}, {}});
      }
      SampledGroup& g = groups[group_of[z]];
      g.x.push_back(atoms_.x[a]);
      g.y.push_back(atoms_.y[a]);
    }
    sampled_slice(grid_, groups, out);
    return;
  }
  const bool sampled = options_.form == PotentialForm::sampled;  // finite projection, point samples
  const double r_core = 0.5 * std::min(dx, dy);
  const double z_k = slicing_.start[std::size_t(k)];
  // Rows in parallel, atoms within a row in sequence: no two threads write the same pixel, even
  // when an atom's disc is wider than the cell and wraps onto itself.
#pragma omp parallel for schedule(dynamic, 4)
  for (int64_t iy = 0; iy < ny; ++iy) {
    // Each pixel sums its atoms in double, in the order of the slice's atoms, and is rounded once:
    // exactly what the backend's ProjectAtoms does, so the two give the same floats.
    std::vector<double> row(std::size_t(nx), 0.0);
    for (int64_t a : members) {
      const ProjectedTable& t = tables_.at(atoms_.z[a]);
      const double ax = atoms_.x[a], ay = atoms_.y[a], rc = t.r_cut();
      // Finite projection: the slab [z_k, z_k + dz_k] relative to the atom.
      const SlabTable* slab = finite ? &slab_tables_.at(atoms_.z[a]) : nullptr;
      const double z0 = z_k - atoms_.pos_z[a], z1 = z0 + slicing_.thickness[std::size_t(k)];
      const auto value = [&](double r) { return slab ? (*slab)(r, z0, z1) : t(r); };
      const auto iy0 = int64_t(std::floor((ay - rc) / dy)), iy1 = int64_t(std::ceil((ay + rc) / dy));
      // Every unwrapped row index j in [iy0, iy1] that lands on this row.
      for (int64_t j = iy0 + wrap(iy - iy0, ny); j <= iy1; j += ny) {
        const double ry = double(j) * dy - ay;
        const double rx_max2 = rc * rc - ry * ry;
        if (rx_max2 <= 0) continue;
        const double rx_max = std::sqrt(rx_max2);
        const auto ix0 = int64_t(std::ceil((ax - rx_max) / dx)), ix1 = int64_t(std::floor((ax + rx_max) / dx));
        for (int64_t i = ix0; i <= ix1; ++i) {
          const double rx = double(i) * dx - ax;
          row[std::size_t(wrap(i, nx))] +=
              sampled ? value(std::max(std::sqrt(rx * rx + ry * ry), r_core)) : pixel_value(value, rx, ry, dx, dy);
        }
      }
    }
    for (int64_t ix = 0; ix < nx; ++ix) out[iy * nx + ix] = float(row[std::size_t(ix)]);
  }
}

SliceBins Potential::bins(int64_t tile) const {
  if (!backend_sampled()) throw InternalError("Potential::bins: infinite projection, pixel_average form only");
  SliceBins b;
  b.tile = tile;
  b.tiles_x = (grid_.nx + tile - 1) / tile;
  b.tiles_y = (grid_.ny + tile - 1) / tile;
  const int64_t tiles = b.tiles_x * b.tiles_y, nx = grid_.nx, ny = grid_.ny;
  const double dx = grid_.dx, dy = grid_.dy;
  std::map<int, int32_t> index;
  for (const auto& [z, t] : tables_) {
    index[z] = int32_t(b.elements.size());
    b.elements.push_back(z);
  }
  struct Entry {
    int64_t bin;
    double x, y;
    int32_t shift_x, shift_y, table;
  };
  std::vector<Entry> entries;
  entries.reserve(std::size_t(atoms_.size()) * 64);
  for (int64_t k = 0; k < num_slices(); ++k)
    for (int64_t a : members_[std::size_t(k)]) {
      const double ax = atoms_.x[a], ay = atoms_.y[a], rc = tables_.at(atoms_.z[a]).r_cut();
      // Unwrapped pixel ranges of the disc; each whole-cell image covers its part within [0, n).
      const auto iy0 = int64_t(std::floor((ay - rc) / dy)), iy1 = int64_t(std::ceil((ay + rc) / dy));
      const auto ix0 = int64_t(std::floor((ax - rc) / dx)), ix1 = int64_t(std::ceil((ax + rc) / dx));
      const auto image = [](int64_t i, int64_t n) { return i >= 0 ? i / n : -((-i + n - 1) / n); };
      for (int64_t oy = image(iy0, ny); oy <= image(iy1, ny); ++oy)
        for (int64_t ox = image(ix0, nx); ox <= image(ix1, nx); ++ox) {
          const int64_t y0 = std::max<int64_t>(iy0 - oy * ny, 0), y1 = std::min<int64_t>(iy1 - oy * ny, ny - 1);
          const int64_t x0 = std::max<int64_t>(ix0 - ox * nx, 0), x1 = std::min<int64_t>(ix1 - ox * nx, nx - 1);
          if (y0 > y1 || x0 > x1) continue;
          for (int64_t ty = y0 / tile; ty <= y1 / tile; ++ty)
            for (int64_t tx = x0 / tile; tx <= x1 / tile; ++tx)
              entries.push_back({k * tiles + ty * b.tiles_x + tx, ax, ay, int32_t(ox * nx), int32_t(oy * ny),
                                 index.at(atoms_.z[a])});
        }
    }
  // Counting sort by bin, stable: within a tile, entries keep the order of the atoms.
  b.start.assign(std::size_t(num_slices() * tiles + 1), 0);
  for (const auto& e : entries) ++b.start[std::size_t(e.bin + 1)];
  for (std::size_t i = 1; i < b.start.size(); ++i) b.start[i] += b.start[i - 1];
  if (entries.size() > std::size_t(INT32_MAX)) throw InputError("potential: too many atom images for the slice bins");
  b.x.resize(entries.size());
  b.y.resize(entries.size());
  b.shift_x.resize(entries.size());
  b.shift_y.resize(entries.size());
  b.table.resize(entries.size());
  std::vector<int32_t> next(b.start.begin(), b.start.end() - 1);
  for (const auto& e : entries) {
    const auto j = std::size_t(next[std::size_t(e.bin)]++);
    b.x[j] = e.x, b.y[j] = e.y, b.shift_x[j] = e.shift_x, b.shift_y[j] = e.shift_y, b.table[j] = e.table;
  }
  return b;
}

std::vector<float> Potential::all_slices() const {
  std::vector<float> v(std::size_t(num_slices() * grid_.pixels()));
  // Slices side by side, each on one thread: the sampled form's FFTs of one slice scale poorly
  // over threads (a 1024^2 slice took as long on 16 cores as on 2), its slices not at all.
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t k = 0; k < num_slices(); ++k) slice(k, v.data() + k * grid_.pixels());
  return v;
}

}  // namespace phasis::ms
