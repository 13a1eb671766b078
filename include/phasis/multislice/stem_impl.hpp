// STEM over one potential, written once against a backend B and a real type T (see stem.hpp);
// multislice_cpu.cpp and multislice_cuda.cu instantiate it.
#pragma once

#include <algorithm>
#include <memory>
#include <vector>

#include "phasis/core/array.hpp"
#include "phasis/multislice/multislice_impl.hpp"
#include "phasis/multislice/stem.hpp"
#include "phasis/multislice/waves.hpp"

namespace phasis::ms {

inline void check_stem_options(const Grid& grid, const std::vector<Position>& positions, const StemOptions& o) {
  if (positions.empty()) throw InputError("stem: expected at least one probe position");
  if (o.detectors.empty()) throw InputError("stem: expected at least one detector");
  if (o.batch < 1) throw InputError("stem batch: expected at least 1 position; found " + std::to_string(o.batch));
  if (o.phonons < 1) throw InputError("stem phonons: expected at least 1 configuration; found " + std::to_string(o.phonons));
  for (const auto& d : o.detectors) check_detector(d, grid, o.probe.energy);
}

/// Every slice of the potential on backend B (num_slices x ny x nx), and their thicknesses.
template <class B>
Array<float> backend_slices(const Potential& pot, std::vector<double>& thickness) {
  const Grid& g = pot.grid();
  Array<float> slices(Shape{pot.num_slices(), g.ny, g.nx}, B::memory);
  Array<float> host(Shape{pot.num_slices(), g.ny, g.nx});
  for (int64_t k = 0; k < pot.num_slices(); ++k) pot.slice(k, host.data() + k * g.pixels());
  slices.assign(host);
  thickness.clear();
  for (int64_t k = 0; k < pot.num_slices(); ++k) thickness.push_back(pot.thickness(k));
  return slices;
}

template <class B, class T>
void run_stem_waves(const Potential& pot, const std::vector<Position>& positions, const StemOptions& o,
                    const ExitWaveSink<T>& sink) {
  const Grid& g = pot.grid();
  if (positions.empty()) throw InputError("stem: expected at least one probe position");
  if (o.batch < 1) throw InputError("stem batch: expected at least 1 position; found " + std::to_string(o.batch));
  const auto n = int64_t(positions.size());
  const int64_t batch = std::min(o.batch, n);
  std::vector<double> thickness;
  const Array<float> slices = backend_slices<B>(pot, thickness);
  MultisliceEngine<B, T> engine(g, o.probe.energy, batch);
  std::unique_ptr<MultisliceEngine<B, T>> tail;
  if (n % batch) tail = std::make_unique<MultisliceEngine<B, T>>(g, o.probe.energy, n % batch);
  for (int64_t j0 = 0; j0 < n; j0 += batch) {
    const int64_t nb = std::min(batch, n - j0);
    auto& e = nb == batch ? engine : *tail;
    const std::vector<Position> part(positions.begin() + j0, positions.begin() + j0 + nb);
    Array<Complex<T>> waves = probe<T>(g, o.probe, part).to(B::memory);
    e.run(waves.data(), slices.data(), thickness, 0, pot.num_slices());
    B::synchronize();
    sink(j0, waves.to(Memory::host));
  }
}

template <class B, class T>
Array<double> run_stem(const Potential& pot, const std::vector<Position>& positions, const StemOptions& o) {
  const Grid& g = pot.grid();
  check_stem_options(g, positions, o);
  const auto n = int64_t(positions.size()), nd = int64_t(o.detectors.size());
  const int64_t batch = std::min(o.batch, n);
  std::vector<double> thickness;
  const Array<float> slices = backend_slices<B>(pot, thickness);

  MultisliceEngine<B, T> engine(g, o.probe.energy, batch);
  std::unique_ptr<MultisliceEngine<B, T>> tail;
  if (n % batch) tail = std::make_unique<MultisliceEngine<B, T>>(g, o.probe.energy, n % batch);
  Array<double> out(Shape{nd, n});
  for (int64_t j0 = 0; j0 < n; j0 += batch) {
    const int64_t nb = std::min(batch, n - j0);
    auto& e = nb == batch ? engine : *tail;
    const std::vector<Position> part(positions.begin() + j0, positions.begin() + j0 + nb);
    Array<Complex<T>> waves = probe<T>(g, o.probe, part).to(B::memory);
    e.run(waves.data(), slices.data(), thickness, 0, pot.num_slices());
    const auto r = e.annular(waves.data(), o.detectors);
    for (int64_t d = 0; d < nd; ++d)
      for (int64_t j = 0; j < nb; ++j) out[d * n + j0 + j] = r[std::size_t(d)][std::size_t(j)];
  }
  B::synchronize();
  return out;
}

}  // namespace phasis::ms
