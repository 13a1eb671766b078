// Multislice, propagation and annular detection written once against a backend B (CpuBackend or
// CudaBackend) and a real type T. multislice_cpu.cpp and multislice_cuda.cu instantiate it; nothing
// else includes this file (but tests of the CPU backend). Memory on the backend: the batch of waves,
// every potential slice, and one propagator per distinct slice thickness (ny x nx each).
#pragma once

#include <cmath>
#include <cstring>
#include <algorithm>
#include <map>
#include <memory>
#include <type_traits>
#include <string>
#include <vector>

#include "phasis/core/array.hpp"
#include "phasis/core/error.hpp"
#include "phasis/multislice/detectors.hpp"
#include "phasis/multislice/energy.hpp"
#include "phasis/multislice/grid.hpp"
#include "multislice/multislice_kernels.hpp"
#include "phasis/multislice/potential.hpp"
#include "phasis/multislice/potential_kernels.hpp"

namespace phasis::ms {

/// Throws InputError unless waves is (batch >= 1, ny, nx) of the grid.
template <class T>
void check_waves(const Array<Complex<T>>& waves, const Grid& g) {
  const Shape& s = waves.shape();
  if (s.rank != 3 || s[0] < 1 || s[1] != g.ny || s[2] != g.nx)
    throw InputError("waves: expected shape (batch, " + std::to_string(g.ny) + ", " + std::to_string(g.nx) +
                     "); found " + s.str());
}

/// Host arrays packed into one buffer, each at an 8-byte aligned offset, so that they reach the
/// backend in one allocation and one copy.
class PackedUpload {
 public:
  /// Reserves room for v's bytes; returns its offset.
  template <class V>
  std::size_t add(const std::vector<V>& v) {
    const std::size_t at = (bytes_.size() + 7) & ~std::size_t(7);
    bytes_.resize(at + v.size() * sizeof(V));
    if (!v.empty()) std::memcpy(bytes_.data() + at, v.data(), v.size() * sizeof(V));
    return at;
  }
  /// Overwrites what add() put at `at` (same size).
  template <class V>
  void put(std::size_t at, const std::vector<V>& v) {
    if (!v.empty()) std::memcpy(bytes_.data() + at, v.data(), v.size() * sizeof(V));
  }
  /// Makes `dev` (kept between calls) hold at least the buffer's bytes on memory m; returns its data.
  char* place(Array<char>& dev, Memory m) const {
    const int64_t n = std::max<int64_t>(8, int64_t(bytes_.size()));
    if (dev.size() < n || dev.memory() != m) dev = Array<char>(Shape{n}, m);
    return dev.data();
  }
  /// Copies the buffer to `dev` (place()d before), in the order of the backend's work.
  void upload(Array<char>& dev) const {
    if (!bytes_.empty()) copy_bytes(dev.data(), dev.memory(), bytes_.data(), Memory::host, bytes_.size());
  }

 private:
  std::vector<char> bytes_;
};

/// Every slice of the potential into `slices` on backend B (num_slices x ny x nx; reallocated only
/// if its shape or memory differ), and their thicknesses. Infinite projection, pixel_average form
/// (Potential::backend_sampled): sampled on the backend, pixel by pixel, from the atoms binned on
/// tiles (`bins`, Potential::bins of this potential, ProjectAtoms) with the same tables and core
/// averaging as Potential::slice, the bins and tables uploaded through `staging` (kept between
/// calls); otherwise (the sampled form, built with FFTs, and the finite projection): computed on
/// the host (Potential::slice) and copied, so every backend runs on the same floats.
template <class B>
void backend_slices(const B& b_, const Potential& pot, const SliceBins* bins, Array<float>& slices, Array<char>& staging,
                    std::vector<double>& thickness) {
  const Grid& g = pot.grid();
  const Shape shape{pot.num_slices(), g.ny, g.nx};
  if (!(slices.shape() == shape) || slices.memory() != B::memory) slices = Array<float>(shape, B::memory);
  thickness.clear();
  for (int64_t k = 0; k < pot.num_slices(); ++k) thickness.push_back(pot.thickness(k));
  if (!pot.backend_sampled()) {
    Array<float> host(shape);
    for (int64_t k = 0; k < pot.num_slices(); ++k) pot.slice(k, host.data() + k * g.pixels());
    slices.assign(host);
    return;
  }
  if (!bins) throw InternalError("backend_slices: expected the potential's bins for the infinite projection");
  const SliceBins& b = *bins;
  // The tables' values, one after another, and views whose pointers are on the backend.
  std::vector<double> values;
  std::vector<std::size_t> offsets;
  for (int z : b.elements) {
    offsets.push_back(values.size());
    values.insert(values.end(), pot.table(z).values().begin(), pot.table(z).values().end());
  }
  std::vector<TableView> views;
  for (int z : b.elements) views.push_back(pot.table(z).view());
  PackedUpload pack;
  const std::size_t at_values = pack.add(values), at_views = pack.add(views), at_start = pack.add(b.start),
                    at_table = pack.add(b.table), at_x = pack.add(b.x), at_y = pack.add(b.y), at_sx = pack.add(b.shift_x),
                    at_sy = pack.add(b.shift_y);
  // The views point into the buffer on the backend: its address is known once it is placed.
  const char* base = pack.place(staging, B::memory);
  const auto on = [base](std::size_t at) { return base + at; };
  for (std::size_t t = 0; t < views.size(); ++t)
    views[t].values = reinterpret_cast<const double*>(on(at_values)) + offsets[t];
  pack.put(at_views, views);
  pack.upload(staging);
  b_.for_each(pot.num_slices() * g.pixels(),
              ProjectAtoms{slices.data(), reinterpret_cast<const int32_t*>(on(at_start)),
                           reinterpret_cast<const double*>(on(at_x)), reinterpret_cast<const double*>(on(at_y)),
                           reinterpret_cast<const int32_t*>(on(at_sx)), reinterpret_cast<const int32_t*>(on(at_sy)),
                           reinterpret_cast<const int32_t*>(on(at_table)), reinterpret_cast<const TableView*>(on(at_views)),
                           g.ny, g.nx, b.tile, b.tiles_x, b.tiles_x * b.tiles_y, g.dy, g.dx});
}

/// backend_slices into a new array, the bins made here.
template <class B>
Array<float> backend_slices(const B& b_, const Potential& pot, std::vector<double>& thickness) {
  Array<float> slices;
  Array<char> staging;
  const SliceBins b = pot.backend_sampled() ? pot.bins() : SliceBins{};
  backend_slices<B>(b_, pot, &b, slices, staging, thickness);
  b_.synchronize();  // the staging buffer is freed on return
  return slices;
}

template <class B, class T>
class MultisliceEngine {
 public:
  MultisliceEngine(const B& backend, const Grid& grid, double energy_ev, int64_t batch)
      : b_(backend), grid_(grid), lambda_(wavelength(energy_ev)), sigma_(interaction_parameter(energy_ev)), batch_(batch),
        pix_(grid.pixels()) {}

  /// The transmission functions of `ns` slices (ns x ny x nx on the backend) into t (reallocated
  /// only if its shape or memory differ): exp(i sigma v_k), band-limited to the antialiasing
  /// aperture, F^-1[A F[exp(i sigma v_k)]], as abTEM does to every slice (and Kirkland's book
  /// prescribes): a wave within 2/3 of the grid's band times a transmission within it has
  /// frequencies up to 4/3 of the band, which wrap to outside the aperture, where the propagator
  /// removes them. Without the band limit, a transmission's content between 2/3 and the grid's
  /// edge (strong for the sampled potential, whose core is not smoothed) wraps into the aperture:
  /// SrTiO3's HAADF signal at 0.061 A sampling rose by 14%.
  /// `shifts` (Potential::slice_shifts: (sx, sy) per slice, or empty): each slice's band-limited
  /// transmission function moved by its shift, exactly (the specimen tilt's shear).
  void transmissions(const float* slices, int64_t ns, Array<Complex<T>>& t, const std::vector<double>& shifts = {}) {
    const Shape shape{ns, grid_.ny, grid_.nx};
    if (!(t.shape() == shape) || t.memory() != B::memory) t = Array<Complex<T>>(shape, B::memory);
    b_.for_each(ns * pix_, TransmissionFunction<T>{t.data(), slices, T(sigma_)});
    if (!slice_plan_ || slice_plan_batch_ != ns) {
      slice_plan_ = b_.template fft<T>(std::vector<int>{int(grid_.ny), int(grid_.nx)}, ns);
      slice_plan_batch_ = ns;
    }
    slice_plan_->forward(t.data());
    multiply(t.data(), propagator(0.0), ns);  // A / N: the aperture, the round trip's 1/N
    if (!shifts.empty()) {
      if (int64_t(shifts.size()) != 2 * ns)
        throw InternalError("transmissions: expected 2 shifts per slice; found " + std::to_string(shifts.size()));
      Array<double> host(Shape{ns, 2});
      for (int64_t i = 0; i < 2 * ns; ++i) host[i] = shifts[std::size_t(i)];
      const Array<double> dev = host.to(B::memory);
      b_.for_each(ns * pix_, ShiftSpectra<T>{t.data(), dev.data(), grid_.ny, grid_.nx, grid_.dy, grid_.dx});
    }
    slice_plan_->inverse(t.data());
  }

  /// psi <- psi t for a transmission function t (ny x nx, on the backend; transmissions()).
  void transmit(Complex<T>* waves, const Complex<T>* t) { multiply(waves, t, batch_); }

  /// waves[b] <- waves[b] factor for each of `count` waves (ny x nx each).
  void multiply(Complex<T>* waves, const Complex<T>* factor, int64_t count) {
    if constexpr (B::memory == Memory::host) b_.for_each(count * grid_.ny, MultiplyRows<T>{waves, factor, grid_.ny, grid_.nx});
    else b_.for_each(pix_, MultiplyGrid<T>{waves, factor, pix_, count});
  }

  /// Fresnel propagation over dz with the antialiasing aperture.
  void propagate(Complex<T>* waves, double dz) {
    plan().forward(waves);
    multiply(waves, propagator(dz), batch_);
    plan().inverse(waves);
  }

  /// The last step of propagate() without its inverse FFT: psi <- P_dz F[psi], which is 1/N times
  /// the FFT of the wave propagate() would leave. A detector reads it directly (annular_spectrum with
  /// scale N), which saves the inverse FFT and the detector's forward FFT.
  void propagate_to_spectrum(Complex<T>* waves, double dz) {
    plan().forward(waves);
    multiply(waves, propagator(dz), batch_);
  }

  /// Slices [first, last) of `t` (transmissions(): num_slices x ny x nx on the backend) with their
  /// thicknesses.
  void run(Complex<T>* waves, const Complex<T>* t, const std::vector<double>& thickness, int64_t first, int64_t last) {
    for (int64_t k = first; k < last; ++k) {
      transmit(waves, t + k * pix_);
      propagate(waves, thickness[std::size_t(k)]);
    }
  }

  /// Slices [first, last) of the potential, all made on the backend first (backend_slices,
  /// transmissions).
  void run(Complex<T>* waves, const Potential& pot, int64_t first, int64_t last) {
    std::vector<double> thickness;
    const Array<float> slices = backend_slices<B>(b_, pot, thickness);
    Array<Complex<T>> t;
    transmissions(slices.data(), pot.num_slices(), t, pot.slice_shifts());
    run(waves, t.data(), thickness, first, last);
  }

  /// Unnormalised inverse FFT of the batch (a probe's spectrum to real space).
  void inverse(Complex<T>* waves) { plan().inverse(waves); }

  /// One mask per detector on the backend: 1 on the pixels with lambda |k| in [inner, outer).
  std::vector<Array<uint8_t>> annular_masks(const std::vector<AnnularDetector>& detectors) const {
    std::vector<Array<uint8_t>> masks;
    for (const auto& d : detectors) {
      masks.emplace_back(Shape{grid_.ny, grid_.nx}, B::memory);
      b_.for_each(pix_, AnnularMask{masks.back().data(), grid_.ny, grid_.nx, grid_.dy, grid_.dx, 1e-3 * d.inner / lambda_,
                                    1e-3 * d.outer / lambda_});
    }
    return masks;
  }

  /// Annular detector readings, [detector][wave], for masks from annular_masks(); overwrites waves
  /// with their (unnormalised) Fourier transform.
  std::vector<std::vector<double>> annular(Complex<T>* waves, const std::vector<Array<uint8_t>>& masks) {
    plan().forward(waves);
    return annular_spectrum(waves, masks, 1.0 / double(pix_));
  }

  /// Annular readings from spectra: scale times the sum of |spectrum|^2 over each mask.
  std::vector<std::vector<double>> annular_spectrum(const Complex<T>* spectra, const std::vector<Array<uint8_t>>& masks,
                                                    double scale) {
    std::vector<std::vector<double>> out;
    for (const auto& m : masks) {
      out.emplace_back(static_cast<std::size_t>(batch_));
      b_.sum_segments(batch_, pix_, MaskedIntensity<T>{spectra, m.data(), pix_, scale}, out.back().data());
    }
    return out;
  }

  std::vector<std::vector<double>> annular(Complex<T>* waves, const std::vector<AnnularDetector>& detectors) {
    return annular(waves, annular_masks(detectors));
  }
  /// exp(-i pi lambda dz k^2) / N inside the aperture, 0 outside (FresnelPropagator); built on the
  /// backend once per thickness.
  const Complex<T>* propagator(double dz) {
    auto it = propagators_.find(dz);
    if (it != propagators_.end()) return it->second.data();
    const double k_max = antialias_cutoff(grid_);
    Array<Complex<T>> p(Shape{grid_.ny, grid_.nx}, B::memory);
    b_.for_each(pix_, FresnelPropagator<T>{p.data(), grid_.ny, grid_.nx, grid_.dy, grid_.dx, lambda_ * dz, k_max * k_max,
                                           1.0 / double(pix_)});
    return propagators_.emplace(dz, std::move(p)).first->second.data();
  }

  /// The interaction parameter sigma of exp(i sigma v).
  double sigma() const { return sigma_; }

 private:
  const B& b_;
  Grid grid_;
  double lambda_, sigma_;
  int64_t batch_, pix_;
  /// The batch's FFT plan, made on first use: a run whose transforms all go through the fused
  /// kernels (fused_multislice.hpp) never makes one (a cuFFT plan of 196 x 512^2 and its work area
  /// cost milliseconds).
  const typename B::template Fft<T>& plan() {
    if (!plan_) plan_ = b_.template fft<T>(std::vector<int>{int(grid_.ny), int(grid_.nx)}, batch_);
    return *plan_;
  }

  std::unique_ptr<typename B::template Fft<T>> plan_;
  std::unique_ptr<typename B::template Fft<T>> slice_plan_;  // transmissions(): one transform per slice
  int64_t slice_plan_batch_ = 0;
  std::map<double, Array<Complex<T>>> propagators_;
};

template <class B, class T>
void run_multislice(const B& b_, Array<Complex<T>>& waves, const Potential& pot, double energy_ev, int64_t first, int64_t last) {
  check_waves(waves, pot.grid());
  if (last < 0) last = pot.num_slices();
  if (first < 0 || first > last || last > pot.num_slices())
    throw InputError("slices: expected a range within [0, " + std::to_string(pot.num_slices()) + "]; found [" +
                     std::to_string(first) + ", " + std::to_string(last) + ")");
  MultisliceEngine<B, T> engine(b_, pot.grid(), energy_ev, waves.shape()[0]);
  Array<Complex<T>> dev = waves.to(B::memory);
  engine.run(dev.data(), pot, first, last);
  b_.synchronize();
  waves.assign(dev);
}

template <class B, class T>
void run_propagate(const B& b_, Array<Complex<T>>& waves, const Grid& grid, double energy_ev, double dz) {
  check_waves(waves, grid);
  MultisliceEngine<B, T> engine(b_, grid, energy_ev, waves.shape()[0]);
  Array<Complex<T>> dev = waves.to(B::memory);
  engine.propagate(dev.data(), dz);
  b_.synchronize();
  waves.assign(dev);
}

template <class B, class T>
std::vector<double> run_annular(const B& b_, const Array<Complex<T>>& waves, const Grid& grid, double energy_ev,
                                const AnnularDetector& d) {
  check_waves(waves, grid);
  check_detector(d, grid, energy_ev);
  MultisliceEngine<B, T> engine(b_, grid, energy_ev, waves.shape()[0]);
  Array<Complex<T>> dev = waves.to(B::memory);
  return engine.annular(dev.data(), {d}).front();
}

}  // namespace phasis::ms
