// The specimen potential cut into slices along the beam (z), each projected onto the grid.
// Slices: slicing.hpp (by default equal slices that divide the cell; an atom on a boundary, to
// kBoundaryTolerance of the slice thickness, belongs to the slice that starts there).
// Infinite projection: every atom belongs to the slice that holds its centre and contributes its
// whole projected potential v_z(|r - r_atom|) there (atoms outside [0, cell z) go to the first or
// last slice). Two forms put it on the grid:
//  - sampled (the default, as abTEM): v_z band-limited to the grid and sampled at the grid
//    points, built in Fourier space from the analytic transform of v_z (sampled_potential.hpp);
//    computed on the host for every backend;
//  - pixel_average: v_z from a log-spaced table (projected_table.hpp) at each pixel, averaged over
//    8 x 8 sub-samples for pixels near an atom's core (potential_kernels.hpp), within the cutoff
//    radius; the backends sample these slices themselves from the atoms binned on tiles (bins(),
//    backend_slices in multislice_impl.hpp), with the same arithmetic, so both give the same floats.
// Finite projection: every atom contributes to each slice its potential integrated over that
// slice's z-range, integral_{z_k}^{z_k + dz_k} V(|r - r_atom|) dz, in every slice within its cutoff
// radius along z; what reaches beyond the cell's top or bottom is lost. Slower to build, but right
// for slices thinner than an atom's potential. Sampled: the slab integral at the pixel's distance
// from the atom, that distance held at least half the smaller pixel side (abTEM's finite
// projection does the same with its inner cutoff); pixel_average: as above.
// The cell is periodic in x and y, so a potential that reaches past an edge wraps around. Values
// are in V Angstrom; the transmission function of slice k is exp(i sigma v_k).
#pragma once

#include <array>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "phasis/multislice/atoms.hpp"
#include "phasis/multislice/grid.hpp"
#include "phasis/multislice/parametrization.hpp"
#include "phasis/multislice/projected_table.hpp"
#include "phasis/multislice/slab_table.hpp"
#include "phasis/multislice/slicing.hpp"

namespace phasis::ms {

enum class Projection { infinite, finite };
enum class PotentialForm { sampled, pixel_average };

/// "sampled", "pixel_average" (configs and result files); parse_potential_form throws InputError
/// for anything else.
const char* to_string(PotentialForm f);
PotentialForm parse_potential_form(const std::string& s);

struct PotentialOptions {
  Parametrization parametrization = Parametrization::lobato;
  double slice_thickness = 1.0;   // Angstrom, requested: see `slicing`
  double cutoff_fraction = 1e-3;  // share of each atom's projected integral left outside its cutoff radius
                                  // (pixel_average and finite projection; the sampled infinite form has none)
  Projection projection = Projection::infinite;
  SliceMode slicing = SliceMode::equal;  // equal slices dividing the cell, or fixed (last one short)
  PotentialForm form = PotentialForm::sampled;
  // Specimen tilt (tx, ty) [mrad], abTEM's model: the beam along (tan tx, tan ty, 1), applied as a
  // shear of the slices: the multislice engine moves slice k's band-limited transmission function
  // by -z_k (tan tx, tan ty), z_k its start (slice_shifts), a phase on its spectrum, exact for any
  // sub-pixel shift. The slices themselves (slice(), outputs) stay unsheared. At most
  // kMaxTiltMrad (crystal.hpp) in magnitude.
  std::array<double, 2> tilt{0, 0};
};

/// The atoms of every slice binned on square tiles of the grid, so that a slice can be sampled one
/// pixel at a time (ProjectAtoms, potential_kernels.hpp): entry e is an image of an atom (its centre
/// and the whole-cell shift in pixels that takes a pixel of the grid to the unwrapped pixel next to
/// that atom), listed on every tile its cutoff disc reaches. Infinite projection only.
struct SliceBins {
  int64_t tile = 0, tiles_x = 0, tiles_y = 0;  // tile edge [pixels]; tiles per row and column
  std::vector<int32_t> start;                  // (slice, tile) -> first entry, then the entry count
  std::vector<double> x, y;                    // entries: atom centres [Angstrom]
  std::vector<int32_t> shift_x, shift_y;       // entries: pixel shifts (pixel ix is ix + shift_x next to the atom)
  std::vector<int32_t> table;                  // entries: index into elements
  std::vector<int> elements;                   // atomic number per table index
};

class Potential {
 public:
  /// The grid must span the cell's x and y lengths (to 1e-6 relative). Throws InputError for an
  /// empty or invalid cell, a mismatched grid, or a non-positive slice thickness.
  Potential(const Atoms& atoms, const Grid& grid, const PotentialOptions& options = {});
  /// The same atoms' potential on `like`'s grid and options, reusing its tables for the elements it
  /// has (frozen phonon configurations tabulate once); other elements are tabulated here.
  Potential(const Atoms& atoms, const Potential& like);

  const Grid& grid() const { return grid_; }
  int64_t num_slices() const { return slicing_.count(); }
  double thickness(int64_t k) const { return slicing_.thickness.at(std::size_t(k)); }
  const Slicing& slicing() const { return slicing_; }
  /// The tilt's shift of each slice, (sx, sy) per slice [Angstrom] = -z_k (tan tx, tan ty); empty
  /// without a tilt (PotentialOptions::tilt).
  std::vector<double> slice_shifts() const;
  /// Whether backends sample the slices themselves from bins() (infinite projection,
  /// pixel_average); otherwise they copy Potential::slice's.
  bool backend_sampled() const {
    return options_.projection == Projection::infinite && options_.form == PotentialForm::pixel_average;
  }
  /// Atoms (indices into the Atoms given) that contribute to slice k: those whose centre lies in it
  /// (infinite projection), or whose cutoff sphere reaches into it (finite projection).
  const std::vector<int64_t>& atoms_in_slice(int64_t k) const { return members_.at(std::size_t(k)); }

  /// Writes slice k's projected potential (ny x nx, row-major) [V Angstrom] to out.
  void slice(int64_t k, float* out) const;
  /// Every slice: num_slices x ny x nx.
  std::vector<float> all_slices() const;
  /// Computes every slice now and keeps them, so that later slice() calls copy them: the STEM
  /// ensemble has its worker thread build the next configuration's host-made slices (sampled form,
  /// finite projection) while the backend runs the current one.
  void keep_slices() { kept_ = all_slices(); }
  /// The atoms binned on tiles of `tile` pixels for the backend's slice builder. Throws
  /// InternalError unless backend_sampled().
  SliceBins bins(int64_t tile = 16) const;
  const PotentialOptions& options() const { return options_; }

  /// The tabulated projection of element z on this grid (must occur in the atoms).
  const ProjectedTable& table(int z) const { return tables_.at(z); }
  /// The tabulated slab integrals of element z (finite projection only).
  const SlabTable& slab_table(int z) const { return slab_tables_.at(z); }

 private:
  void build();

  Atoms atoms_;
  Grid grid_;
  PotentialOptions options_;
  Slicing slicing_;
  std::vector<std::vector<int64_t>> members_;
  std::map<int, std::vector<double>> spectra_;  // sampled infinite form: sampled_spectrum per element
  std::vector<float> kept_;                     // keep_slices(): every slice, or empty
  std::map<int, ProjectedTable> tables_;
  std::map<int, SlabTable> slab_tables_;
};

}  // namespace phasis::ms
