// Turns file contents into a solver problem: positions in object pixels, amplitudes, mask.
#include "phasis/ptycho/problem.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "phasis/core/error.hpp"
#include "phasis/fft/fft.hpp"

namespace phasis {

template <class T>
void fftshift2(T* data, int64_t h, int64_t w, bool inverse) {
  std::vector<T> tmp(data, data + h * w);
  // Forward moves element (y, x) to ((y + h/2) % h, ...) for the un-shift direction of a centred
  // pattern: centre (h/2) goes to 0. For odd sizes the inverse uses the other half.
  const int64_t sy = inverse ? h / 2 : (h + 1) / 2, sx = inverse ? w / 2 : (w + 1) / 2;
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) data[((y + sy) % h) * w + (x + sx) % w] = tmp[y * w + x];
}
template void fftshift2(float*, int64_t, int64_t, bool);
template void fftshift2(double*, int64_t, int64_t, bool);
template void fftshift2(uint8_t*, int64_t, int64_t, bool);
template void fftshift2(Complex<float>*, int64_t, int64_t, bool);
template void fftshift2(Complex<double>*, int64_t, int64_t, bool);

Array<int64_t> positions_in_pixels(const Array<double>& t, double pixel_y_m, double pixel_x_m) {
  const int64_t n = t.shape()[0];
  Array<int64_t> pos(Shape{n, 2});
  for (int64_t j = 0; j < n; ++j) {
    const double x = t[j * 3 + 0], y = t[j * 3 + 1];
    if (!std::isfinite(x) || !std::isfinite(y))
      throw InputError("entry_1/sample_1/geometry_1/translation: expected finite positions; found a non-finite value at frame " +
                       std::to_string(j));
    pos[j * 2 + 0] = std::llround(y / pixel_y_m);
    pos[j * 2 + 1] = std::llround(x / pixel_x_m);
  }
  return pos;
}

Array<Complex<float>> probe_from_mean_intensity(const std::vector<double>& mean, int64_t m) {
  const int64_t pix = m * m;
  Array<Complex<float>> probe(Shape{m, m});
  for (int64_t p = 0; p < pix; ++p) probe[p] = {float(std::sqrt(mean[p])), 0.f};
  FftwPlan<float> plan({int(m), int(m)}, 1, 1);
  plan.inverse(probe.data());
  // Unitary scale: the unnormalised inverse carries a factor M relative to the unitary one.
  const float s = 1.f / float(m);
  for (int64_t p = 0; p < pix; ++p) probe[p] *= s;
  fftshift2(probe.data(), m, m, /*inverse=*/true);
  return probe;
}

namespace {

/// Sum over frames of the intensity pattern (FFT-shifted, from amplitudes).
std::vector<double> intensity_sum(const Array<float>& amplitudes, int64_t m) {
  const int64_t n = amplitudes.empty() ? 0 : amplitudes.shape()[0], pix = m * m;
  std::vector<double> sum(pix, 0.0);
  for (int64_t j = 0; j < n; ++j)
    for (int64_t p = 0; p < pix; ++p) sum[p] += double(amplitudes[j * pix + p]) * amplitudes[j * pix + p];
  return sum;
}

}  // namespace

ScanLayout scan_layout(const Array<double>& translations, const PtychoGeometry& geometry, int64_t m, int64_t padding) {
  ScanLayout pr;
  const int64_t n = translations.shape()[0];
  pr.pixel_y_m = geometry.object_pixel_y_m(m);
  pr.pixel_x_m = geometry.object_pixel_x_m(m);

  Array<int64_t> pos = positions_in_pixels(translations, pr.pixel_y_m, pr.pixel_x_m);
  int64_t min_y = pos[0], max_y = pos[0], min_x = pos[1], max_x = pos[1];
  for (int64_t j = 0; j < n; ++j) {
    min_y = std::min(min_y, pos[j * 2]);
    max_y = std::max(max_y, pos[j * 2]);
    min_x = std::min(min_x, pos[j * 2 + 1]);
    max_x = std::max(max_x, pos[j * 2 + 1]);
  }
  // A scan whose frames overlap spans at most about sqrt(N) frame widths per axis in a compact
  // scan, and N frame widths in a line scan; anything wider has a position far outside the rest.
  const int64_t limit = std::max<int64_t>(n * m, 4 * m);
  if (max_y - min_y > limit || max_x - min_x > limit) {
    std::vector<int64_t> ys(n), xs(n);
    for (int64_t j = 0; j < n; ++j) ys[j] = pos[j * 2], xs[j] = pos[j * 2 + 1];
    std::nth_element(ys.begin(), ys.begin() + n / 2, ys.end());
    std::nth_element(xs.begin(), xs.begin() + n / 2, xs.end());
    int64_t worst = 0, worst_d = -1;
    for (int64_t j = 0; j < n; ++j) {
      int64_t d = std::max(std::llabs(pos[j * 2] - ys[n / 2]), std::llabs(pos[j * 2 + 1] - xs[n / 2]));
      if (d > worst_d) worst_d = d, worst = j;
    }
    throw InputError("entry_1/sample_1/geometry_1/translation: expected positions within " + std::to_string(limit) +
                     " object pixels of each other; frame " + std::to_string(worst) + " lies " +
                     std::to_string(worst_d) + " pixels from the scan's median");
  }
  pr.origin_y = double(min_y - padding);
  pr.origin_x = double(min_x - padding);
  pr.object_h = max_y - min_y + m + 2 * padding;
  pr.object_w = max_x - min_x + m + 2 * padding;
  pr.offsets = Array<int32_t>(Shape{n, 2});
  pr.positions = Array<double>(Shape{n, 2});
  for (int64_t j = 0; j < n; ++j) {
    pr.offsets[j * 2] = int32_t(pos[j * 2] - min_y + padding);
    pr.offsets[j * 2 + 1] = int32_t(pos[j * 2 + 1] - min_x + padding);
    // The same corner before rounding: offsets are these rounded to the nearest pixel (min_y,
    // min_x and padding are whole pixels), so a solver that refines positions starts from them.
    pr.positions[j * 2] = translations[j * 3 + 1] / pr.pixel_y_m - double(min_y) + double(padding);
    pr.positions[j * 2 + 1] = translations[j * 3 + 0] / pr.pixel_x_m - double(min_x) + double(padding);
  }
  return pr;
}

PtychoProblem make_problem(PtychoData&& data, int64_t padding) {
  std::vector<int64_t> all(data.translations.shape()[0]);
  for (size_t j = 0; j < all.size(); ++j) all[j] = int64_t(j);
  return make_part_problem(std::move(data), all, nullptr, padding);
}

PtychoProblem make_part_problem(PtychoData&& data, const std::vector<int64_t>& part, comm::Communicator* parts,
                                int64_t padding) {
  const int64_t n = int64_t(part.size()), m = data.intensities.shape()[1];
  if (data.intensities.shape()[0] != n)
    throw InternalError("make_part_problem: intensities hold " + std::to_string(data.intensities.shape()[0]) +
                        " frames for a part of " + std::to_string(n));
  const ScanLayout layout = scan_layout(data.translations, data.geometry, m, padding);
  PtychoProblem pr;
  pr.object_h = layout.object_h, pr.object_w = layout.object_w;
  pr.origin_y = layout.origin_y, pr.origin_x = layout.origin_x;
  pr.pixel_y_m = layout.pixel_y_m, pr.pixel_x_m = layout.pixel_x_m;
  pr.frames = n;
  pr.frame_size = m;
  pr.frame_ids = part;
  pr.offsets = Array<int32_t>(Shape{n, 2});
  pr.positions = Array<double>(Shape{n, 2});
  for (int64_t j = 0; j < n; ++j) {
    pr.offsets[j * 2] = layout.offsets[part[j] * 2];
    pr.offsets[j * 2 + 1] = layout.offsets[part[j] * 2 + 1];
    pr.positions[j * 2] = layout.positions[part[j] * 2];
    pr.positions[j * 2 + 1] = layout.positions[part[j] * 2 + 1];
  }

  // Amplitudes in place of intensities, DC moved to [0, 0] to match the FFT's layout.
  pr.amplitudes = std::move(data.intensities);
  for (int64_t j = 0; j < n; ++j) {
    float* f = pr.amplitudes.data() + j * m * m;
    for (int64_t p = 0; p < m * m; ++p) f[p] = std::sqrt(f[p]);
    fftshift2(f, m, m);
  }
  if (data.valid.empty()) {
    pr.valid = Array<uint8_t>(Shape{m, m});
    for (int64_t p = 0; p < m * m; ++p) pr.valid[p] = 1;
  } else {
    pr.valid = std::move(data.valid);
    fftshift2(pr.valid.data(), m, m);
  }
  if (!data.probe.empty()) {
    // Scaled so that its power is the mean frame power (Parseval, unitary FFT: a unit object
    // passes all of it), whatever units the file's writer used.
    pr.probe = std::move(data.probe);
    pr.probe_from_file = true;
    pr.probe_source = data.probe_source;
    double probe_power = 0;
    for (int64_t p = 0; p < m * m; ++p) {
      const double v = norm2(pr.probe[p]);
      if (!std::isfinite(v))
        throw InputError("probe (" + data.probe_source + "): expected finite values; found " +
                         (std::isnan(v) ? std::string("NaN") : std::string("infinity")) + " at pixel (" +
                         std::to_string(p / m) + ", " + std::to_string(p % m) + ")");
      probe_power += v;
    }
    double data_power = 0;
    for (int64_t i = 0; i < pr.amplitudes.size(); ++i) data_power += double(pr.amplitudes[i]) * pr.amplitudes[i];
    if (parts) parts->sum(&data_power, 1, Memory::host);
    data_power /= double(layout.offsets.shape()[0]);
    if (!(probe_power > 1e-30 * data_power) || !(probe_power > 0))
      throw InputError("probe (" + data.probe_source + "): expected a probe with power; found " +
                       (probe_power == 0 ? std::string("all zero") : "a power of " + std::to_string(probe_power)));
    pr.probe_scale = std::sqrt(data_power / probe_power);
    for (int64_t p = 0; p < m * m; ++p) pr.probe[p] = pr.probe[p] * float(pr.probe_scale);
  } else {
    pr.probe_source = "mean diffraction pattern";
    // The mean over every frame of the scan, whichever part holds them.
    std::vector<double> mean = intensity_sum(pr.amplitudes, m);
    if (parts) parts->sum(mean.data(), int64_t(mean.size()), Memory::host);
    const double frames = double(layout.offsets.shape()[0]);
    for (double& v : mean) v /= frames;
    pr.probe = probe_from_mean_intensity(mean, m);
  }
  return pr;
}

}  // namespace phasis
