// Reconstruction file and pictures (see output.hpp).
#include "phasis/ptycho/output.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "phasis/core/error.hpp"
#include "phasis/io/hdf5.hpp"
#include "phasis/io/image.hpp"

namespace phasis {

namespace {

Array<Complex<float>> to_float(const Array<Complex<double>>& a) {
  Array<Complex<float>> out(a.shape());
  for (int64_t i = 0; i < a.size(); ++i) out[i] = {float(a[i].re), float(a[i].im)};
  return out;
}

/// Runs `write(tmp)` and renames tmp to `path`; removes tmp when anything fails.
template <class F>
void write_atomically(const std::string& path, F write) {
  const std::string tmp = path + ".tmp-" + std::to_string(getpid());
  try {
    write(tmp);
    std::filesystem::rename(tmp, path);
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw;
  }
}

}  // namespace

std::string path_stem(const std::string& path) {
  std::filesystem::path p(path);
  return (p.parent_path() / p.stem()).string();
}

void write_reconstruction(const std::string& path, const DmResult& r, const PtychoProblem& pr, const std::string& input,
                          const std::string& parameters_json) {
  write_atomically(path, [&](const std::string& tmp) {
    h5::File f = h5::File::create(tmp);
    if (r.precision == "double") {
      f.write("object", r.object);
      f.write("probe", r.probe);
    } else {
      f.write("object", to_float(r.object));
      f.write("probe", to_float(r.probe));
    }
    const double origin[2] = {pr.origin_y, pr.origin_x}, pixel[2] = {pr.pixel_y_m, pr.pixel_x_m};
    f.write("object_origin", origin, {2});
    f.write("pixel_size", pixel, {2});
    f.write_attr("pixel_size", "units", "m");
    f.write("fourier_error", r.fourier_error.data(), {int64_t(r.fourier_error.size())});
    f.write("iteration_seconds", r.iteration_seconds.data(), {int64_t(r.iteration_seconds.size())});
    f.write("offsets", pr.offsets);
    f.write_attr("/", "phasis_version", "0.1.0");
    f.write_attr("/", "algorithm", "dm");
    f.write_attr("/", "device", r.device);
    f.write_attr("/", "precision", r.precision);
    f.write_attr("/", "input", input);
    f.write_attr("/", "parameters", parameters_json);
    f.close();
  });
}

Reconstruction read_reconstruction(const std::string& path) {
  h5::File f = h5::File::open_read(path);
  Reconstruction rec;
  for (const char* d : {"object", "probe", "object_origin"})
    if (!f.exists(d)) throw InputError("'" + path + "' " + d + ": expected a phasis reconstruction; dataset missing");
  if (f.rank("object") != 2 || !f.is_complex("object"))
    throw InputError("'" + path + "' object: expected a 2D complex dataset");
  rec.object = f.read_array<Complex<double>>("object");
  rec.probe = f.read_array<Complex<double>>("probe");
  Array<double> origin = f.read_array<double>("object_origin");
  if (origin.size() != 2) throw InputError("'" + path + "' object_origin: expected 2 values; found " + std::to_string(origin.size()));
  rec.origin_y = origin[0];
  rec.origin_x = origin[1];
  if (f.exists("fourier_error")) rec.errors = f.read_array<double>("fourier_error");
  return rec;
}

std::string write_reconstruction_pictures(const std::string& path, const DmResult& r) {
  const std::string stem = path_stem(path);
  Array<Complex<float>> obj = to_float(r.object), probe = to_float(r.probe);
  const int64_t h = obj.shape()[0], w = obj.shape()[1], m = probe.shape()[0];
  Array<float> amp(Shape{h, w}), phase(Shape{h, w});
  for (int64_t i = 0; i < amp.size(); ++i) amp[i] = abs(obj[i]), phase[i] = arg(obj[i]);
  // Grey levels over the 0.5-99.5 percentile range: a weak phase object fills the scale, and a few
  // wild pixels at the scan's edge do not wash it out.
  auto robust_range = [](const Array<float>& a) {
    std::vector<float> v(a.data(), a.data() + a.size());
    const size_t lo = v.size() / 200, hi = v.size() - 1 - v.size() / 200;
    std::nth_element(v.begin(), v.begin() + lo, v.end());
    const float vlo = v[lo];
    std::nth_element(v.begin(), v.begin() + hi, v.end());
    return std::pair<float, float>(vlo, std::max(v[hi], vlo + 1e-6f));
  };
  const auto [plo, phi] = robust_range(phase);
  const auto [alo, ahi] = robust_range(amp);
  write_png_gray(stem + "_object_phase.png", phase.data(), h, w, plo, phi);
  write_png_gray(stem + "_object_amplitude.png", amp.data(), h, w, alo, ahi);
  write_png_complex(stem + "_probe.png", probe.data(), m, m);
  return stem;
}

}  // namespace phasis
