// The band-limited, grid-sampled projected potential built in Fourier space; see sampled_potential.hpp.
#include "multislice/sampled_potential.hpp"

#include <cmath>
#include <cstdint>

#include <omp.h>

#include "phasis/core/array.hpp"
#include "phasis/core/complex.hpp"
#include "phasis/fft/fft.hpp"

namespace phasis::ms {
namespace {

int64_t wrap(int64_t i, int64_t n) { return ((i % n) + n) % n; }

}  // namespace

std::vector<double> sampled_spectrum(const RadialPotential& p, const Grid& g) {
  std::vector<double> w(std::size_t(g.pixels()));
  for (int64_t iy = 0; iy < g.ny; ++iy)
    for (int64_t ix = 0; ix < g.nx; ++ix) {
      const double qy = fft_frequency(iy, g.ny, g.dy), qx = fft_frequency(ix, g.nx, g.dx);
      const double x = std::hypot(qx * g.dx, qy * g.dy), s = x > 0 ? std::sin(x) / x : 1.0;
      w[std::size_t(iy * g.nx + ix)] = p.projected_fourier(std::hypot(qx, qy)) / (g.dx * g.dy * s);
    }
  return w;
}

void sampled_slice(const Grid& g, const std::vector<SampledGroup>& groups, float* out) {
  const int64_t ny = g.ny, nx = g.nx, n = g.pixels();
  Array<Complex<double>> sum(Shape{n}), deltas(Shape{n});
  for (int64_t p = 0; p < n; ++p) sum[p] = {0, 0};
  if (groups.empty()) {
    for (int64_t p = 0; p < n; ++p) out[p] = 0;
    return;
  }
  // Inside a parallel loop over slices (Potential::all_slices) each slice is one thread's.
  const FftwPlan<double> plan({int(ny), int(nx)}, 1, omp_in_parallel() ? 1 : 0);
  for (const SampledGroup& grp : groups) {
    for (int64_t p = 0; p < n; ++p) deltas[p] = {0, 0};
    for (std::size_t a = 0; a < grp.x.size(); ++a) {
      // Pixel (iy, ix) sits at (ix dx, iy dy); the atom's weight goes to the four around it.
      const double u = grp.x[a] / g.dx, v = grp.y[a] / g.dy, fu = std::floor(u), fv = std::floor(v);
      const double wx = u - fu, wy = v - fv;
      const int64_t x0 = wrap(int64_t(fu), nx), x1 = wrap(int64_t(fu) + 1, nx);
      const int64_t y0 = wrap(int64_t(fv), ny), y1 = wrap(int64_t(fv) + 1, ny);
      deltas[y0 * nx + x0].re += (1 - wx) * (1 - wy);
      deltas[y0 * nx + x1].re += wx * (1 - wy);
      deltas[y1 * nx + x0].re += (1 - wx) * wy;
      deltas[y1 * nx + x1].re += wx * wy;
    }
    plan.forward(deltas.data());
    const std::vector<double>& w = *grp.spectrum;
    for (int64_t p = 0; p < n; ++p) sum[p] += deltas[p] * w[std::size_t(p)];
  }
  plan.inverse(sum.data());
  for (int64_t p = 0; p < n; ++p) out[p] = float(sum[p].re / double(n));
}

}  // namespace phasis::ms
