// Multislice, propagation and annular detection written once against a backend B (CpuBackend or
// CudaBackend) and a real type T. multislice_cpu.cpp and multislice_cuda.cu instantiate it; nothing
// else includes this file. Memory on the backend: the batch of waves, one potential slice, and one
// propagator per distinct slice thickness (ny x nx each).
#pragma once

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "phasis/core/array.hpp"
#include "phasis/core/error.hpp"
#include "phasis/multislice/detectors.hpp"
#include "phasis/multislice/energy.hpp"
#include "phasis/multislice/grid.hpp"
#include "phasis/multislice/multislice_kernels.hpp"
#include "phasis/multislice/potential.hpp"

namespace phasis::ms {

/// Throws InputError unless waves is (batch >= 1, ny, nx) of the grid.
template <class T>
void check_waves(const Array<Complex<T>>& waves, const Grid& g) {
  const Shape& s = waves.shape();
  if (s.rank != 3 || s[0] < 1 || s[1] != g.ny || s[2] != g.nx)
    throw InputError("waves: expected shape (batch, " + std::to_string(g.ny) + ", " + std::to_string(g.nx) +
                     "); found " + s.str());
}

template <class B, class T>
class MultisliceEngine {
 public:
  MultisliceEngine(const Grid& grid, double energy_ev, int64_t batch)
      : grid_(grid), lambda_(wavelength(energy_ev)), sigma_(interaction_parameter(energy_ev)), batch_(batch),
        pix_(grid.pixels()), plan_({int(grid.ny), int(grid.nx)}, batch) {}

  /// psi <- psi exp(i sigma v) for v (ny x nx, on the backend).
  void transmit(Complex<T>* waves, const float* v) {
    B::for_each(batch_ * pix_, Transmit<T>{waves, v, pix_, T(sigma_)});
  }

  /// Fresnel propagation over dz with the antialiasing aperture.
  void propagate(Complex<T>* waves, double dz) {
    plan_.forward(waves);
    B::for_each(batch_ * pix_, MultiplyGrid<T>{waves, propagator(dz), pix_});
    plan_.inverse(waves);
  }

  /// Slices [first, last) of `slices` (num_slices x ny x nx on the backend) with their thicknesses.
  void run(Complex<T>* waves, const float* slices, const std::vector<double>& thickness, int64_t first, int64_t last) {
    for (int64_t k = first; k < last; ++k) {
      transmit(waves, slices + k * pix_);
      propagate(waves, thickness[std::size_t(k)]);
    }
  }

  /// Slices [first, last) of the potential, computed one at a time on the host.
  void run(Complex<T>* waves, const Potential& pot, int64_t first, int64_t last) {
    Array<float> host(Shape{grid_.ny, grid_.nx});
    Array<float> slice(Shape{grid_.ny, grid_.nx}, B::memory);
    for (int64_t k = first; k < last; ++k) {
      pot.slice(k, host.data());
      slice.assign(host);
      transmit(waves, slice.data());
      propagate(waves, pot.thickness(k));
    }
  }

  /// Unnormalised inverse FFT of the batch (a probe's spectrum to real space).
  void inverse(Complex<T>* waves) { plan_.inverse(waves); }

  /// One mask per detector on the backend: 1 on the pixels with lambda |k| in [inner, outer).
  std::vector<Array<uint8_t>> annular_masks(const std::vector<AnnularDetector>& detectors) const {
    std::vector<Array<uint8_t>> masks;
    Array<uint8_t> mask(Shape{grid_.ny, grid_.nx});
    for (const auto& d : detectors) {
      const double k_in = 1e-3 * d.inner / lambda_, k_out = 1e-3 * d.outer / lambda_;
      for (int64_t iy = 0; iy < grid_.ny; ++iy)
        for (int64_t ix = 0; ix < grid_.nx; ++ix) {
          const double k = std::hypot(fft_frequency(ix, grid_.nx, grid_.dx), fft_frequency(iy, grid_.ny, grid_.dy));
          mask[iy * grid_.nx + ix] = k >= k_in && k < k_out;
        }
      masks.push_back(mask.to(B::memory));
    }
    return masks;
  }

  /// Annular detector readings, [detector][wave], for masks from annular_masks(); overwrites waves
  /// with their (unnormalised) Fourier transform.
  std::vector<std::vector<double>> annular(Complex<T>* waves, const std::vector<Array<uint8_t>>& masks) {
    plan_.forward(waves);
    std::vector<std::vector<double>> out;
    for (const auto& m : masks) {
      out.emplace_back(static_cast<std::size_t>(batch_));
      B::sum_segments(batch_, pix_, MaskedIntensity<T>{waves, m.data(), pix_, T(1.0 / double(pix_))}, out.back().data());
    }
    return out;
  }

  std::vector<std::vector<double>> annular(Complex<T>* waves, const std::vector<AnnularDetector>& detectors) {
    return annular(waves, annular_masks(detectors));
  }

 private:
  /// exp(-i pi lambda dz k^2) / N inside the aperture, 0 outside; built once per thickness in
  /// double, so the phase is exact before rounding to T.
  const Complex<T>* propagator(double dz) {
    auto it = propagators_.find(dz);
    if (it != propagators_.end()) return it->second.data();
    const double k_max = antialias_cutoff(grid_), inv_n = 1.0 / double(pix_);
    Array<Complex<T>> p(Shape{grid_.ny, grid_.nx});
    for (int64_t iy = 0; iy < grid_.ny; ++iy) {
      const double ky = fft_frequency(iy, grid_.ny, grid_.dy);
      for (int64_t ix = 0; ix < grid_.nx; ++ix) {
        const double kx = fft_frequency(ix, grid_.nx, grid_.dx), k2 = kx * kx + ky * ky;
        const double phase = -kPi * lambda_ * dz * k2;
        p[iy * grid_.nx + ix] = k2 < k_max * k_max ? Complex<T>(T(std::cos(phase) * inv_n), T(std::sin(phase) * inv_n))
                                                   : Complex<T>(T(0), T(0));
      }
    }
    return propagators_.emplace(dz, p.to(B::memory)).first->second.data();
  }

  Grid grid_;
  double lambda_, sigma_;
  int64_t batch_, pix_;
  typename B::template Fft<T> plan_;
  std::map<double, Array<Complex<T>>> propagators_;
};

template <class B, class T>
void run_multislice(Array<Complex<T>>& waves, const Potential& pot, double energy_ev, int64_t first, int64_t last) {
  check_waves(waves, pot.grid());
  if (last < 0) last = pot.num_slices();
  if (first < 0 || first > last || last > pot.num_slices())
    throw InputError("slices: expected a range within [0, " + std::to_string(pot.num_slices()) + "]; found [" +
                     std::to_string(first) + ", " + std::to_string(last) + ")");
  MultisliceEngine<B, T> engine(pot.grid(), energy_ev, waves.shape()[0]);
  Array<Complex<T>> dev = waves.to(B::memory);
  engine.run(dev.data(), pot, first, last);
  B::synchronize();
  waves.assign(dev);
}

template <class B, class T>
void run_propagate(Array<Complex<T>>& waves, const Grid& grid, double energy_ev, double dz) {
  check_waves(waves, grid);
  MultisliceEngine<B, T> engine(grid, energy_ev, waves.shape()[0]);
  Array<Complex<T>> dev = waves.to(B::memory);
  engine.propagate(dev.data(), dz);
  B::synchronize();
  waves.assign(dev);
}

template <class B, class T>
std::vector<double> run_annular(const Array<Complex<T>>& waves, const Grid& grid, double energy_ev,
                                const AnnularDetector& d) {
  check_waves(waves, grid);
  check_detector(d, grid, energy_ev);
  MultisliceEngine<B, T> engine(grid, energy_ev, waves.shape()[0]);
  Array<Complex<T>> dev = waves.to(B::memory);
  return engine.annular(dev.data(), {d}).front();
}

}  // namespace phasis::ms
