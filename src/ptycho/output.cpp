// Reconstruction file and pictures (see output.hpp).
#include "phasis/ptycho/output.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <vector>

#include "monitor/canvas.hpp"
#include "monitor/colour_bar.hpp"
#include "phasis/core/error.hpp"
#include "phasis/io/atomic_output.hpp"
#include "phasis/io/hdf5.hpp"
#include "phasis/io/image.hpp"

namespace phasis {

namespace {

Array<Complex<float>> to_float(const Array<Complex<double>>& a) {
  Array<Complex<float>> out(a.shape());
  for (int64_t i = 0; i < a.size(); ++i) out[i] = {float(a[i].re), float(a[i].im)};
  return out;
}

/// Bar chart of mode occupancies: one bar per mode, height = occupancy, on a 10% grid.
void write_occupancy_chart(const std::string& path, const std::vector<double>& occ) {
  const int64_t bar = 40, gap = 12, h = 200, w = int64_t(occ.size()) * (bar + gap) + gap;
  monitor::Canvas c(h, w);
  for (int t = 0; t <= 10; ++t) c.rect(h - 1 - (h - 1) * t / 10, 0, h - (h - 1) * t / 10, w, {220, 220, 220});
  for (size_t a = 0; a < occ.size(); ++a) {
    const int64_t top = h - 1 - int64_t(std::lround(occ[a] * (h - 1)));
    c.rect(top, gap + int64_t(a) * (bar + gap), h, (int64_t(a) + 1) * (bar + gap), {40, 90, 170});
  }
  c.write_png(path);
}

/// Error per iteration, log10 on the vertical axis with a grey line per decade, blue line.
void write_error_curve(const std::string& path, const std::vector<double>& errors) {
  const int64_t h = 240, w = 480, pad = 10;
  double lo = 1e300, hi = -1e300;
  for (double e : errors)
    if (e > 0 && std::isfinite(e)) lo = std::min(lo, std::log10(e)), hi = std::max(hi, std::log10(e));
  if (lo > hi) return;  // nothing positive to draw
  lo = std::floor(lo), hi = std::max(std::ceil(hi), lo + 1);
  auto row = [&](double v) { return pad + int64_t(std::lround((hi - v) / (hi - lo) * double(h - 1 - 2 * pad))); };
  auto col = [&](size_t i) {
    return pad + int64_t(std::lround(double(i) / double(std::max<size_t>(errors.size() - 1, 1)) * double(w - 1 - 2 * pad)));
  };
  monitor::Canvas c(h, w);
  for (double d = lo; d <= hi; ++d) c.rect(row(d), 0, row(d) + 1, w, {215, 215, 215});
  for (size_t i = 0; i + 1 < errors.size(); ++i) {
    if (!(errors[i] > 0 && errors[i + 1] > 0 && std::isfinite(errors[i]) && std::isfinite(errors[i + 1]))) continue;
    c.line(row(std::log10(errors[i])), col(i), row(std::log10(errors[i + 1])), col(i + 1), {30, 80, 170}, 3);
  }
  c.write_png(path);
}

/// The object pixels the scan lights: sum_j |P(r - r_j)|^2 of probe mode 0 over the frames at
/// least 1% of its peak (1 = lit).
std::vector<uint8_t> lit_region(const Array<Complex<float>>& probe, const PtychoProblem& pr, int64_t h, int64_t w) {
  const int64_t m = probe.shape()[1];
  std::vector<double> cover(size_t(h * w), 0.0);
  for (int64_t j = 0; j < pr.offsets.shape()[0]; ++j)
    for (int64_t y = 0; y < m; ++y)
      for (int64_t x = 0; x < m; ++x) {
        const int64_t oy = pr.offsets[2 * j] + y, ox = pr.offsets[2 * j + 1] + x;
        if (oy >= 0 && oy < h && ox >= 0 && ox < w) cover[size_t(oy * w + ox)] += norm2(probe[y * m + x]);
      }
  const double peak = *std::max_element(cover.begin(), cover.end());
  std::vector<uint8_t> lit(cover.size(), 0);
  for (size_t i = 0; i < cover.size(); ++i) lit[i] = peak > 0 && cover[i] >= 0.01 * peak;
  return lit;
}

}  // namespace

std::string path_stem(const std::string& path) {
  std::filesystem::path p(path);
  return (p.parent_path() / p.stem()).string();
}

void write_reconstruction(const std::string& path, const DmResult& r, const PtychoProblem& pr, const std::string& input,
                          const std::string& parameters_json) {
  AtomicOutput output(path);
  {
    h5::File f = h5::File::create(output.temp_path());
    // A single mode is stored as a plain 2D array, as every reader expects; modes add a first axis.
    auto squeezed = [](const Array<Complex<double>>& a) {
      Array<Complex<double>> c = a.to(Memory::host);
      if (c.shape()[0] == 1) c.reshape(Shape{c.shape()[1], c.shape()[2]});
      return c;
    };
    if (r.precision == "double") {
      f.write("object", squeezed(r.object));
      f.write("probe", squeezed(r.probe));
    } else {
      f.write("object", to_float(squeezed(r.object)));
      f.write("probe", to_float(squeezed(r.probe)));
    }
    f.write("probe_occupancy", r.occupancy.data(), {int64_t(r.occupancy.size())});
    const double origin[2] = {pr.origin_y, pr.origin_x}, pixel[2] = {pr.pixel_y_m, pr.pixel_x_m};
    f.write("object_origin", origin, {2});
    f.write("pixel_size", pixel, {2});
    f.write_attr("pixel_size", "units", "m");
    f.write("fourier_error", r.fourier_error.data(), {int64_t(r.fourier_error.size())});
    f.write("iteration_seconds", r.iteration_seconds.data(), {int64_t(r.iteration_seconds.size())});
    f.write_scalar("r_factor", r.r_factor);
    f.write_attr("r_factor", "definition", "sum |a - A| / sum A over valid pixels: a the model's amplitudes, A the data's");
    f.write("offsets", pr.offsets);
    if (!r.positions.empty()) {
      f.write("positions_given", r.positions_given);
      f.write("positions", r.positions);
      f.write_attr("positions", "units", "object pixels (y, x) of each frame's corner");
    }
    f.write_attr("/", "phasis_version", "0.1.0");
    f.write_attr("/", "algorithm", "dm");
    f.write_attr("/", "device", r.device);
    f.write_attr("/", "precision", r.precision);
    f.write_attr("/", "input", input);
    f.write_attr("/", "parameters", parameters_json);
    f.close();
  }
  output.commit();
}

void write_checkpoint(const std::string& path, const SolverStart& state, const CheckpointInfo& info) {
  AtomicOutput output(path);
  {
    h5::File f = h5::File::create(output.temp_path());
    // In the run's precision (float values convert to double and back exactly); one mode squeezed,
    // as in a result.
    auto put = [&](const char* name, const Array<Complex<double>>& a, bool squeeze) {
      if (a.size() == 0) return;
      Array<Complex<double>> c = a.to(Memory::host);
      if (squeeze && c.shape().rank == 3 && c.shape()[0] == 1) c.reshape(Shape{c.shape()[1], c.shape()[2]});
      if (info.precision == "double") f.write(name, c);
      else f.write(name, to_float(c));
    };
    put("object", state.object, true);
    put("probe", state.probe, true);
    put("exit_waves", state.exit_waves, false);
    if (!state.occupancy.empty()) f.write("occupancy", state.occupancy.data(), {int64_t(state.occupancy.size())});
    const double origin[2] = {info.origin_y, info.origin_x}, pixel[2] = {info.pixel_y_m, info.pixel_x_m};
    f.write("object_origin", origin, {2});
    f.write("pixel_size", pixel, {2});
    f.write("fourier_error", state.errors.data(), {int64_t(state.errors.size())});
    f.write("iteration_seconds", state.seconds.data(), {int64_t(state.seconds.size())});
    f.write_scalar<int32_t>("checkpoint_stage", state.stage);
    f.write_scalar<int32_t>("checkpoint_iteration", state.iteration);
    f.write_attr("/", "checkpoint", "iterations done: " + std::to_string(state.errors.size()) + "; stage " +
                                        std::to_string(state.stage + 1) + " of " + info.algorithm + " at its iteration " +
                                        std::to_string(state.iteration) +
                                        (state.exit_waves.size() ? "; exit waves saved (exact resume)" : "; object and probe only"));
    f.write_attr("/", "algorithm", info.algorithm);
    f.write_attr("/", "precision", info.precision);
    f.write_attr("/", "input", info.input);
    f.close();
  }
  output.commit();
}

SolverStart read_start(const std::string& path, std::string* algorithm) {
  SolverStart s;
  Reconstruction rec = read_reconstruction(path);  // checks object, probe and origin
  h5::File f = h5::File::open_read(path);
  auto finite = [&](const char* name, const Array<Complex<double>>& a) {
    for (int64_t i = 0; i < a.size(); ++i)
      if (!std::isfinite(a[i].re) || !std::isfinite(a[i].im))
        throw InputError("'" + path + "' " + name + ": expected finite values; found " +
                         (std::isnan(a[i].re) || std::isnan(a[i].im) ? "NaN" : "infinity") + " at element " + std::to_string(i));
  };
  s.object = f.read_array<Complex<double>>("object");  // every object mode (rec keeps the first)
  s.probe = std::move(rec.probe);
  finite("object", s.object);
  finite("probe", s.probe);
  if (algorithm) algorithm->clear();
  if (!f.exists("checkpoint_iteration")) return s;  // a result: a fresh start from its object and probe
  s.stage = int(f.read_scalar("checkpoint_stage"));
  s.iteration = int(f.read_scalar("checkpoint_iteration"));
  if (s.stage < 0 || s.iteration < 1)
    throw InputError("'" + path + "' checkpoint_stage, checkpoint_iteration: expected a stage >= 0 and iterations >= 1; found " +
                     std::to_string(s.stage) + " and " + std::to_string(s.iteration));
  if (f.exists("exit_waves")) {
    if (f.rank("exit_waves") != 4 || !f.is_complex("exit_waves"))
      throw InputError("'" + path + "' exit_waves: expected a 4D complex dataset (frames, modes, frame); found another");
    s.exit_waves = f.read_array<Complex<double>>("exit_waves");
    finite("exit_waves", s.exit_waves);
  }
  if (f.exists("occupancy")) {
    const Array<double> o = f.read_array<double>("occupancy");
    s.occupancy.assign(o.data(), o.data() + o.size());
  }
  s.errors.assign(rec.errors.data(), rec.errors.data() + rec.errors.size());
  if (f.exists("iteration_seconds")) {
    const Array<double> t = f.read_array<double>("iteration_seconds");
    s.seconds.assign(t.data(), t.data() + t.size());
  }
  if (s.seconds.size() != s.errors.size()) s.seconds.assign(s.errors.size(), 0.0);
  if (algorithm && f.has_attr("/", "algorithm")) *algorithm = f.read_attr_string("/", "algorithm");
  return s;
}

Reconstruction read_reconstruction(const std::string& path) {
  h5::File f = h5::File::open_read(path);
  Reconstruction rec;
  for (const char* d : {"object", "probe", "object_origin"})
    if (!f.exists(d)) throw InputError("'" + path + "' " + d + ": expected a phasis reconstruction; dataset missing");
  const int rank = f.rank("object");
  if ((rank != 2 && rank != 3) || !f.is_complex("object"))
    throw InputError("'" + path + "' object: expected a 2D complex dataset (or 3D with object modes)");
  rec.object = f.read_array<Complex<double>>("object");
  if (rank == 3) {  // object modes: the first is the object
    Array<Complex<double>> first(Shape{rec.object.shape()[1], rec.object.shape()[2]});
    for (int64_t i = 0; i < first.size(); ++i) first[i] = rec.object[i];
    rec.object = std::move(first);
  }
  rec.probe = f.read_array<Complex<double>>("probe");
  Array<double> origin = f.read_array<double>("object_origin");
  if (origin.size() != 2) throw InputError("'" + path + "' object_origin: expected 2 values; found " + std::to_string(origin.size()));
  rec.origin_y = origin[0];
  rec.origin_x = origin[1];
  if (f.exists("pixel_size")) {
    Array<double> pixel = f.read_array<double>("pixel_size");
    if (pixel.size() == 2) rec.pixel_y_m = pixel[0], rec.pixel_x_m = pixel[1];
  }
  if (f.exists("fourier_error")) rec.errors = f.read_array<double>("fourier_error");
  return rec;
}

std::string write_reconstruction_pictures(const std::string& path, const DmResult& r, const PtychoProblem* problem) {
  const std::string stem = path_stem(path);
  Array<Complex<float>> obj = to_float(r.object), probe = to_float(r.probe);
  const int64_t oh = obj.shape()[1], ow = obj.shape()[2], k = probe.shape()[0], m = probe.shape()[1];
  // The lit region's bounding box (the whole object without a problem).
  int64_t y0 = 0, y1 = oh, x0 = 0, x1 = ow;
  std::vector<uint8_t> lit;
  if (problem && problem->offsets.size() > 0) {
    lit = lit_region(probe, *problem, oh, ow);
    y0 = oh, y1 = 0, x0 = ow, x1 = 0;
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t x = 0; x < ow; ++x)
        if (lit[size_t(y * ow + x)]) y0 = std::min(y0, y), y1 = std::max(y1, y + 1), x0 = std::min(x0, x), x1 = std::max(x1, x + 1);
    if (y0 >= y1) y0 = 0, y1 = oh, x0 = 0, x1 = ow, lit.clear();
  }
  const int64_t h = y1 - y0, w = x1 - x0;
  Array<float> amp(Shape{h, w}), phase(Shape{h, w});  // object mode 0, cropped
  std::vector<float> lit_amp, lit_phase;  // the values the grey scales come from
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      const Complex<float> v = obj[(y + y0) * ow + x + x0];
      amp[y * w + x] = abs(v), phase[y * w + x] = arg(v);
      if (lit.empty() || lit[size_t((y + y0) * ow + x + x0)]) lit_amp.push_back(abs(v)), lit_phase.push_back(arg(v));
    }
  // Grey levels over the 0.5-99.5 percentile range: a weak phase object fills the scale, and a few
  // wild pixels at the scan's edge do not wash it out.
  auto robust_range = [](std::vector<float> v) {
    const size_t lo = v.size() / 200, hi = v.size() - 1 - v.size() / 200;
    std::nth_element(v.begin(), v.begin() + lo, v.end());
    const float vlo = v[lo];
    std::nth_element(v.begin(), v.begin() + hi, v.end());
    return std::pair<float, float>(vlo, std::max(v[hi], vlo + 1e-6f));
  };
  const auto [plo, phi] = robust_range(std::move(lit_phase));
  const auto [alo, ahi] = robust_range(std::move(lit_amp));
  monitor::write_gray_with_colour_bar(stem + "_object_phase.png", phase.data(), h, w, plo, phi, "rad");
  monitor::write_gray_with_colour_bar(stem + "_object_amplitude.png", amp.data(), h, w, alo, ahi, "amplitude");
  // Object mode 0 above; probe modes side by side, hue = phase, brightness = amplitude.
  // Each mode scaled to its own peak, so weak modes stay visible; the occupancy chart gives powers.
  Array<Complex<float>> row(Shape{m, k * m});
  for (int64_t a = 0; a < k; ++a) {
    float peak = 0;
    for (int64_t p = 0; p < m * m; ++p) peak = std::max(peak, abs(probe[a * m * m + p]));
    const float s = peak > 0 ? 1 / peak : 1;
    for (int64_t y = 0; y < m; ++y)
      for (int64_t x = 0; x < m; ++x) row[y * k * m + a * m + x] = probe[(a * m + y) * m + x] * s;
  }
  write_png_complex(stem + "_probe.png", row.data(), m, k * m);
  if (k > 1) write_occupancy_chart(stem + "_probe_occupancy.png", r.occupancy);
  if (r.fourier_error.size() >= 2) write_error_curve(stem + "_error.png", r.fourier_error);
  if (!r.positions.empty() && r.positions_given.size() == r.positions.size())
    write_positions_picture(stem + "_positions.png", r.positions_given, r.positions, kPositionExaggeration);
  return stem;
}

}  // namespace phasis
