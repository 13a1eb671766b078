#include "phasis/spi/simulate.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <string>

#include "phasis/core/error.hpp"
#include "phasis/multislice/atoms.hpp"
#include "phasis/multislice/structure.hpp"
#include "phasis/multislice/elements.hpp"
#include "phasis/spi/transform.hpp"

namespace phasis::spi {

namespace {
constexpr double kElectronRadius = 2.8179403262e-5;  // A

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}

// Smallest even grid that holds the molecule and each atom's blurred density to 1e-9 of its peak.
int64_t grid_for(const Molecule& m, double voxel) {
  double r = 0, widest = m.b_factor;
  for (const Atom& a : m.atoms) {
    r = std::max(r, std::sqrt(a.position[0] * a.position[0] + a.position[1] * a.position[1] +
                              a.position[2] * a.position[2]));
    for (int i = 0; i < 4; ++i)
      if (a.a[i] != 0) widest = std::max(widest, a.b[i] + m.b_factor);
  }
  const double margin = std::sqrt(std::log(1e9) * widest) / (2 * std::numbers::pi);
  const int64_t n = static_cast<int64_t>(std::ceil(2 * (r + margin) / voxel)) + 2;
  return std::max<int64_t>(16, n + (n % 2));
}
}  // namespace

Molecule read_molecule(const std::string& path, double b_factor) {
  const ms::Atoms atoms = ms::read_atoms(path);
  if (atoms.size() == 0) throw InputError("spi structure '" + path + "': expected at least one atom; found none");
  double c[3] = {0, 0, 0};
  for (int64_t i = 0; i < atoms.size(); ++i) c[0] += atoms.x[i], c[1] += atoms.y[i], c[2] += atoms.pos_z[i];
  for (double& v : c) v /= double(atoms.size());
  Molecule m;
  m.b_factor = b_factor;
  for (int64_t i = 0; i < atoms.size(); ++i)
    m.atoms.push_back(it92_atom(ms::element_symbol(atoms.z[i]), {atoms.x[i] - c[0], atoms.y[i] - c[1], atoms.pos_z[i] - c[2]}));
  return m;
}

SpiDataset simulate(const Molecule& molecule, const SimulateSettings& s, exec::EventSink* events) {
  if (molecule.atoms.empty()) throw InputError("spi simulate: expected a structure with atoms; found none");
  if (s.pixels < 2 || !(s.pixel_size > 0) || !(s.distance > 0))
    throw InputError("spi simulate: expected at least 2 pixels and a positive pixel size and distance");
  if (!(s.photon_energy > 0) || !(s.photons > 0) || !(s.beam_diameter > 0))
    throw InputError("spi simulate: expected a positive photon energy, photon count and beam diameter");
  if (s.images < 1) throw InputError("spi simulate: expected at least one image; found " + std::to_string(s.images));
  if (!(s.voxel > 0) || s.batch < 1) throw InputError("spi simulate: expected a positive voxel and batch");
  if (!(s.beamstop >= 0)) throw InputError("spi simulate: expected a beam-stop radius >= 0 pixels");
  SpiDataset d;
  d.photon_energy = s.photon_energy;
  d.detector = {s.pixels, s.pixel_size, s.distance, wavelength_of(s.photon_energy)};
  d.images = s.images;
  d.s = pixel_coordinates(d.detector);
  const int64_t m = s.pixels * s.pixels;
  double s_max = 0;
  for (int64_t j = 0; j < m; ++j)
    s_max = std::max(s_max, std::sqrt(d.s[0][j] * d.s[0][j] + d.s[1][j] * d.s[1][j] + d.s[2][j] * d.s[2][j]));
  if (!s.direct && s.voxel > 1 / (2 * s_max))
    throw InputError("spi simulate: expected a voxel <= 1 / (2 s_max) = " + num(1 / (2 * s_max)) +
                     " A for the detector's corners; found " + num(s.voxel) + " A");

  // Photons per |F|^2 at each pixel: fluence x r_e^2 x solid angle x polarisation.
  const double fluence = s.photons / (std::numbers::pi * std::pow(s.beam_diameter * 1e10 / 2, 2));  // 1/A^2
  std::vector<double> factor(m);
  d.mask.assign(m, 1);
  const double centre = (s.pixels - 1) / 2.0;
  for (int64_t r = 0; r < s.pixels; ++r)
    for (int64_t c = 0; c < s.pixels; ++c) {
      const double x = (c - centre) * s.pixel_size, y = (r - centre) * s.pixel_size;
      const double len = std::sqrt(x * x + y * y + s.distance * s.distance), cos2t = s.distance / len;
      const double solid = s.pixel_size * s.pixel_size * cos2t * cos2t * cos2t / (s.distance * s.distance);
      const double pol = s.polarisation ? 1 - (x / len) * (x / len) : 1.0;
      factor[r * s.pixels + c] = fluence * kElectronRadius * kElectronRadius * solid * pol;
      if (std::hypot(c - centre, r - centre) < s.beamstop) d.mask[r * s.pixels + c] = 0;
    }

  d.orientations = random_rotations(s.images, s.seed);
  const int64_t n = grid_for(molecule, s.voxel);
  const std::vector<double> density = density_grid(molecule, n, s.voxel);
  d.density.assign(density.begin(), density.end());
  d.density_n = n, d.density_voxel = s.voxel;

  d.intensities.assign(static_cast<size_t>(s.images * m), 0.0f);
  exec::ProgressMeter meter(events, "simulate", s.images, "images");
  if (!s.direct) {
    GridTransform<float> transform(density.data(), n, s.voxel, 1e-6);
    std::vector<float> batch;
    for (int64_t i0 = 0; i0 < s.images; i0 += s.batch) {
      const int64_t i1 = std::min(s.images, i0 + s.batch);
      std::vector<Rotation> rots(d.orientations.begin() + i0, d.orientations.begin() + i1);
      batch.resize(static_cast<size_t>((i1 - i0) * m));
      transform.intensities(rots, m, d.s[0].data(), d.s[1].data(), d.s[2].data(), true, batch.data());
      for (int64_t k = 0; k < (i1 - i0) * m; ++k) d.intensities[i0 * m + k] = float(batch[k] * factor[k % m]);
      meter.update(i1);
    }
  } else {
    std::vector<double> px(m), py(m), pz(m);
    for (int64_t i = 0; i < s.images; ++i) {
      rotate_points(d.orientations[i], m, d.s[0].data(), d.s[1].data(), d.s[2].data(), px.data(), py.data(), pz.data());
      const auto f = molecular_transform_direct(molecule, m, px.data(), py.data(), pz.data());
      for (int64_t j = 0; j < m; ++j) d.intensities[i * m + j] = float(norm2(f[j]) * factor[j]);
      meter.update(i + 1);
    }
  }
  if (s.poisson) {
    // One generator per image, seeded from (seed, image): the draws do not depend on the threads.
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < s.images; ++i) {
      std::mt19937_64 rng(s.seed * 0x9E3779B97F4A7C15ULL + uint64_t(i) + 1);
      for (int64_t j = 0; j < m; ++j) {
        float& v = d.intensities[i * m + j];
        v = v > 0 ? float(std::poisson_distribution<int64_t>(double(v))(rng)) : 0.0f;
      }
    }
  }
  for (int64_t i = 0; i < s.images; ++i)
    for (int64_t j = 0; j < m; ++j)
      if (!d.mask[j]) d.intensities[i * m + j] = 0;
  return d;
}

}  // namespace phasis::spi
