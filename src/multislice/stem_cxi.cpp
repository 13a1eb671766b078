// The 4D-STEM data of a simulation as a CXI ptychography file (outputs.hpp: write_stem_cxi).
// The ptychography code takes the object pixel as lambda z / (M p) with lambda = h c / E (cxi.hpp),
// and this file stores the electrons' kinetic energy, so the detector geometry is chosen to make
// that the pixel the crop implies, extent / M: z = 1 m and p = lambda z / extent along each axis.
// The cell is periodic, so a pattern does not change when the exit wave is shifted circularly:
// each frame's window is written as starting half a cell before its probe position, which puts
// the probe in the middle of the frame, as ptychography solvers expect.
// The truth (entry_1/phasis_truth) is exact only where the projection approximation holds.
#include <algorithm>
#include <cmath>
#include <string>

#include "phasis/core/error.hpp"
#include "phasis/fft/fft.hpp"
#include "phasis/io/cxi.hpp"
#include "phasis/multislice/energy.hpp"
#include "phasis/multislice/outputs.hpp"

namespace phasis::ms {
namespace {

/// f (ny x nx, periodic, band-limited) resampled on m x m pixels over the same extent (m odd, at
/// most the band the grid holds): the frequencies |k| <= m / 2 of its FFT, transformed back.
Array<Complex<float>> fourier_resample(const Array<Complex<double>>& f, int64_t ny, int64_t nx, int64_t m) {
  Array<Complex<double>> F = f.to(Memory::host);
  FftwPlan<double>({int(ny), int(nx)}, 1).forward(F.data());
  Array<Complex<double>> c(Shape{m, m});
  c.zero();
  const int64_t h = m / 2;
  for (int64_t y = -h; y <= h; ++y)
    for (int64_t x = -h; x <= h; ++x)
      c[((y + m) % m) * m + (x + m) % m] = F[((y + ny) % ny) * nx + (x + nx) % nx] * (1.0 / double(ny * nx));
  FftwPlan<double>({int(m), int(m)}, 1).inverse(c.data());
  Array<Complex<float>> out(Shape{m, m});
  for (int64_t i = 0; i < m * m; ++i) out[i] = {float(c[i].re), float(c[i].im)};
  return out;
}

/// The thin-specimen object exp(i sigma v_z) of the static lattice (v_z the whole projected
/// potential), band-limited to the crop of m pixels and tiled over the scan [lo, hi] (Angstrom,
/// relative to the frames' windows), and the incident probe at the cell's centre.
PtychoTruth thin_specimen_truth(const Simulation& s, int64_t m, double lo_y, double lo_x, double hi_y, double hi_x) {
  const Grid& g = s.grid;
  const double ext = g.extent_x(), pixel = ext / double(m);
  PtychoTruth truth;
  const Potential pot(s.atoms, g, s.potential);
  const std::vector<float> v = pot.all_slices();
  const double sigma = interaction_parameter(s.energy);
  Array<Complex<double>> t(Shape{g.ny, g.nx});
  for (int64_t i = 0; i < g.pixels(); ++i) {
    double vz = 0;
    for (int64_t k = 0; k < pot.num_slices(); ++k) vz += v[std::size_t(k * g.pixels() + i)];
    t[i] = {std::cos(sigma * vz), std::sin(sigma * vz)};
  }
  const Array<Complex<float>> cell = fourier_resample(t, g.ny, g.nx, m);
  truth.origin_y = std::floor(lo_y / pixel) - 1;
  truth.origin_x = std::floor(lo_x / pixel) - 1;
  const int64_t h = int64_t(std::ceil(hi_y / pixel)) + m + 2 - int64_t(truth.origin_y);
  const int64_t w = int64_t(std::ceil(hi_x / pixel)) + m + 2 - int64_t(truth.origin_x);
  truth.object = Array<Complex<float>>(Shape{h, w});
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      const int64_t cy = ((y + int64_t(truth.origin_y)) % m + m) % m, cx = ((x + int64_t(truth.origin_x)) % m + m) % m;
      truth.object[y * w + x] = cell[cy * m + cx];
    }
  ProbeOptions po = s.probe;
  po.energy = s.energy;
  const Array<Complex<double>> p0 = probe<double>(g, po, {{ext / 2, ext / 2}});
  Array<Complex<double>> p(Shape{g.ny, g.nx});
  for (int64_t i = 0; i < g.pixels(); ++i) p[i] = p0[i];
  truth.probe = fourier_resample(p, g.ny, g.nx, m);
  return truth;
}

}  // namespace

void check_stem_cxi(const Simulation& s, double dose) {
  const Grid& g = s.grid;
  if (!(dose > 0)) throw InputError("cxi dose: expected a positive number of electrons per frame; found " + std::to_string(dose));
  if (s.wave != WaveKind::probe) throw InputError("cxi output: expected a probe scan (wave.type = probe); found a plane wave");
  if (first_pixelated(s) == s.detectors.size())
    throw InputError("cxi output: expected a [[detector]] of type pixelated to write 4D-STEM data from; found none");
  if (g.ny != g.nx || std::abs(g.extent_x() - g.extent_y()) > 1e-9 * g.extent_x())
    throw InputError("cxi output: expected a square cell and grid (the ptychography frames are square); found " +
                     std::to_string(g.nx) + " x " + std::to_string(g.ny) + " pixels over " +
                     std::to_string(g.extent_x()) + " x " + std::to_string(g.extent_y()) + " A");
}

void write_stem_cxi(const std::string& path, const Simulation& s, const SimulationResult& r, double dose) {
  check_stem_cxi(s, dose);
  const std::size_t d = first_pixelated(s);
  if (r.readings.size() != s.detectors.size())
    throw InputError("cxi output: expected readings of " + std::to_string(s.detectors.size()) + " detectors; found " +
                     std::to_string(r.readings.size()));
  const Array<double>& px = r.readings[d];
  const int64_t n = px.shape()[0], my = px.shape()[1], mx = px.shape()[2], m = std::min(my, mx);
  PtychoData data;
  data.intensities = Array<float>(Shape{n, m, m});
  const int64_t oy = (my - m) / 2, ox = (mx - m) / 2;
  for (int64_t j = 0; j < n; ++j)
    for (int64_t y = 0; y < m; ++y)
      for (int64_t x = 0; x < m; ++x)
        data.intensities[(j * m + y) * m + x] = float(dose * px[(j * my + y + oy) * mx + x + ox]);
  const double ext = s.grid.extent_x();  // Angstrom
  data.translations = Array<double>(Shape{n, 3});
  double lo_y = 1e300, lo_x = 1e300, hi_y = -1e300, hi_x = -1e300;
  for (int64_t j = 0; j < n; ++j) {
    const double x = s.positions[std::size_t(j)].first - ext / 2, y = s.positions[std::size_t(j)].second - ext / 2;
    data.translations[j * 3 + 0] = x * 1e-10;
    data.translations[j * 3 + 1] = y * 1e-10;
    data.translations[j * 3 + 2] = 0;
    lo_x = std::min(lo_x, x), hi_x = std::max(hi_x, x), lo_y = std::min(lo_y, y), hi_y = std::max(hi_y, y);
  }
  data.geometry.energy_J = s.energy * 1.602176634e-19;
  data.geometry.distance_m = 1.0;
  const double lambda = data.geometry.wavelength_m();
  data.geometry.pixel_x_m = lambda * data.geometry.distance_m / (ext * 1e-10);
  data.geometry.pixel_y_m = data.geometry.pixel_x_m;
  const PtychoTruth truth = thin_specimen_truth(s, m, lo_y, lo_x, hi_y, hi_x);
  write_cxi(path, data, &truth);
}

}  // namespace phasis::ms
