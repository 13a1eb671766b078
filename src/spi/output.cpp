#include "phasis/spi/output.hpp"

#include <algorithm>
#include <cmath>

#include "monitor/canvas.hpp"
#include "phasis/core/error.hpp"
#include "phasis/io/atomic_output.hpp"
#include "phasis/io/hdf5.hpp"
#include "phasis/io/image.hpp"

#if PHASIS_HAVE_GEMMI
#include <gemmi/ccp4.hpp>
#endif

namespace phasis::spi {

namespace {
// The model file; volumes in float (a result) or double (a checkpoint, resumed bit for bit).
void write_model_file(const std::string& path, const MtipResult& r, const std::string& input, const std::string& parameters,
                      bool full_precision) {
  AtomicOutput output(path);
  {
    h5::File f = h5::File::create(output.temp_path());
    const int64_t n = r.n;
    auto cube = [&](const std::string& name, const std::vector<double>& v) {
      if (full_precision) {
        f.write(name, v.data(), {n, n, n});
      } else {
        std::vector<float> w(v.begin(), v.end());
        f.write(name, w.data(), {n, n, n});
      }
      f.write_attr(name, "voxel", r.voxel);
    };
    cube("density", r.density);
    cube("autocorrelation", r.autocorrelation);
    cube("merged", r.merged);
    f.write("support", r.support.data(), {n, n, n});
    const int64_t images = int64_t(r.orientations.size());
    f.write("orientations", r.orientations.front().data(), {images, 3, 3});
    std::vector<int32_t> idx(r.reference_index.begin(), r.reference_index.end());
    f.write("reference_index", idx.data(), {images});
    f.create_groups("generations");
    const int64_t g = int64_t(r.generations.size());
    auto series = [&](const std::string& name, auto get) {
      std::vector<double> v;
      for (const auto& m : r.generations) v.push_back(get(m));
      f.write("generations/" + name, v.data(), {g});
    };
    series("matching_distance", [](const GenerationMetrics& m) { return m.matching_distance; });
    series("max_frequency", [](const GenerationMetrics& m) { return m.max_frequency; });
    series("lambda", [](const GenerationMetrics& m) { return m.lambda; });
    series("cg_residual", [](const GenerationMetrics& m) { return m.cg_residual; });
    series("cg_iterations", [](const GenerationMetrics& m) { return double(m.cg_iterations); });
    series("phasing_error", [](const GenerationMetrics& m) { return m.phasing_error; });
    series("seconds_matching", [](const GenerationMetrics& m) { return m.seconds_slicing_matching; });
    series("seconds_merging", [](const GenerationMetrics& m) { return m.seconds_merging; });
    series("seconds_phasing", [](const GenerationMetrics& m) { return m.seconds_phasing; });
    const int64_t l = g ? int64_t(r.generations.front().lambdas.size()) : 0;
    for (const char* which : {"lambda", "misfit", "deviation"}) {
      std::vector<double> v;
      for (const auto& m : r.generations) {
        const auto& src = std::string(which) == "lambda" ? m.lambdas : std::string(which) == "misfit" ? m.misfit : m.deviation;
        v.insert(v.end(), src.begin(), src.end());
      }
      if (l > 0 && int64_t(v.size()) == g * l) f.write(std::string("generations/lcurve_") + which, v.data(), {g, l});
    }
    f.write_attr("/", "parameters", parameters);
    f.write_attr("/", "input", input);
    f.write_attr("/", "interrupted", r.interrupted ? "yes" : "no");
    if (full_precision) f.write_attr("/", "checkpoint", "generations done: " + std::to_string(g));
    f.close();
  }
  output.commit();
}
}  // namespace

void write_model(const std::string& path, const MtipResult& r, const std::string& input, const std::string& parameters) {
  write_model_file(path, r, input, parameters, false);
}

void write_checkpoint(const std::string& path, const MtipResult& r, const std::string& input, const std::string& parameters) {
  write_model_file(path, r, input, parameters, true);
}

MtipResult read_checkpoint(const std::string& path) {
  const h5::File f = h5::File::open_read(path);
  if (!f.has_attr("/", "checkpoint"))
    throw InputError("'" + path + "': expected a checkpoint of phasis spi reconstruct (--checkpoint-every); found no checkpoint attribute");
  MtipResult r;
  const ModelFile m = read_model(path);
  r.n = m.n, r.voxel = m.voxel, r.orientations = m.orientations;
  const int64_t cells = r.n * r.n * r.n;
  auto cube = [&](const char* name) {
    std::vector<double> v(static_cast<size_t>(cells));
    f.read(name, v.data(), cells);
    return v;
  };
  r.density = cube("density"), r.autocorrelation = cube("autocorrelation"), r.merged = cube("merged");
  r.support.resize(size_t(cells));
  f.read("support", r.support.data(), cells);
  const int64_t images = int64_t(r.orientations.size());
  std::vector<int32_t> idx(static_cast<size_t>(images));
  f.read("reference_index", idx.data(), images);
  r.reference_index.assign(idx.begin(), idx.end());
  const int64_t g = f.shape("generations/lambda").at(0);
  auto series = [&](const std::string& name) {
    std::vector<double> v(static_cast<size_t>(g));
    f.read("generations/" + name, v.data(), g);
    return v;
  };
  const auto distance = series("matching_distance"), freq = series("max_frequency"), lambda = series("lambda"),
             residual = series("cg_residual"), iterations = series("cg_iterations"), error = series("phasing_error"),
             t_match = series("seconds_matching"), t_merge = series("seconds_merging"), t_phase = series("seconds_phasing");
  std::vector<double> lcurve[3];
  int64_t l = 0;
  if (f.exists("generations/lcurve_lambda")) {
    l = f.shape("generations/lcurve_lambda").at(1);
    const char* names[3] = {"lambda", "misfit", "deviation"};
    for (int k = 0; k < 3; ++k) {
      lcurve[k].resize(size_t(g * l));
      f.read(std::string("generations/lcurve_") + names[k], lcurve[k].data(), g * l);
    }
  }
  for (int64_t i = 0; i < g; ++i) {
    GenerationMetrics gm;
    gm.matching_distance = distance[i], gm.max_frequency = freq[i], gm.lambda = lambda[i], gm.cg_residual = residual[i];
    gm.cg_iterations = int(iterations[i]), gm.phasing_error = error[i];
    gm.seconds_slicing_matching = t_match[i], gm.seconds_merging = t_merge[i], gm.seconds_phasing = t_phase[i];
    if (l > 0) {
      gm.lambdas.assign(lcurve[0].begin() + i * l, lcurve[0].begin() + (i + 1) * l);
      gm.misfit.assign(lcurve[1].begin() + i * l, lcurve[1].begin() + (i + 1) * l);
      gm.deviation.assign(lcurve[2].begin() + i * l, lcurve[2].begin() + (i + 1) * l);
    }
    r.generations.push_back(std::move(gm));
  }
  return r;
}

ModelFile read_model(const std::string& path) {
  const h5::File f = h5::File::open_read(path);
  ModelFile m;
  if (!f.exists("density")) throw InputError(h5::message(path, "density", "a dataset (a phasis spi model?)", "nothing there"));
  const auto shape = f.shape("density");
  if (shape.size() != 3 || shape[0] != shape[1] || shape[0] != shape[2] || shape[0] < 4)
    throw InputError(h5::message(path, "density", "a cube of at least 4 voxels a side", std::to_string(shape.size()) + " dimensions"));
  m.n = shape[0];
  m.density.resize(m.n * m.n * m.n);
  std::vector<float> d(m.density.size());
  f.read("density", d.data(), int64_t(d.size()));
  m.density.assign(d.begin(), d.end());
  m.voxel = f.read_attr_double("density", "voxel");
  if (f.exists("orientations")) {
    const auto os = f.shape("orientations");
    if (os.size() != 3 || os[1] != 3 || os[2] != 3)
      throw InputError(h5::message(path, "orientations", "(images, 3, 3)", std::to_string(os.size()) + " dimensions"));
    m.orientations.resize(os[0]);
    f.read("orientations", m.orientations.front().data(), os[0] * 9);
  }
  return m;
}

void write_mrc(const std::string& path, const std::vector<double>& density, int64_t n, double voxel) {
#if PHASIS_HAVE_GEMMI
  AtomicOutput output(path);
  {
    gemmi::Ccp4<float> map;
    map.grid.set_size(int(n), int(n), int(n));
    const double edge = n * voxel;
    map.grid.set_unit_cell(gemmi::UnitCell(edge, edge, edge, 90, 90, 90));
    map.grid.spacegroup = &gemmi::get_spacegroup_p1();
    // gemmi's grid has x fastest, then y, then z: the layout of density already.
    for (size_t i = 0; i < density.size(); ++i) map.grid.data[i] = float(density[i]);
    map.update_ccp4_header(2);
    try {
      map.write_ccp4_map(output.temp_path());
    } catch (const std::exception& e) {
      throw InputError("cannot write '" + path + "': " + e.what());
    }
  }
  output.commit();
#else
  (void)density, (void)n, (void)voxel;
  throw InputError("cannot write '" + path + "': this phasis was built without gemmi (CCP4/MRC maps)");
#endif
}

namespace {
// Three n x n panels side by side, each scaled to the range of all three, enlarged by whole pixels
// to at least 256 rows (a 48^3 density would otherwise be a stamp).
void write_panels(const std::string& path, const std::vector<std::vector<float>>& panels, int64_t n) {
  const int64_t k = std::max<int64_t>(1, (256 + n - 1) / n), side = n * k, gap = 2 * k, w = 3 * side + 2 * gap;
  float lo = 1e30f, hi = -1e30f;
  for (const auto& p : panels)
    for (float v : p) lo = std::min(lo, v), hi = std::max(hi, v);
  std::vector<float> img(side * w, lo);
  for (int p = 0; p < 3; ++p)
    for (int64_t r = 0; r < side; ++r)
      for (int64_t c = 0; c < side; ++c) img[r * w + p * (side + gap) + c] = panels[p][(r / k) * n + c / k];
  write_png_gray(path, img.data(), side, w, lo, hi > lo ? hi : lo + 1);
}
}  // namespace

void write_density_pictures(const std::string& stem, const std::vector<double>& rho, int64_t n) {
  auto at = [&](int64_t z, int64_t y, int64_t x) { return float(rho[(z * n + y) * n + x]); };
  const int64_t c = n / 2;
  std::vector<std::vector<float>> slices(3, std::vector<float>(n * n)), proj(3, std::vector<float>(n * n, 0.0f));
  for (int64_t a = 0; a < n; ++a)
    for (int64_t b = 0; b < n; ++b) {
      slices[0][a * n + b] = at(c, a, b);  // z = centre: rows y, columns x
      slices[1][a * n + b] = at(a, c, b);  // y = centre: rows z, columns x
      slices[2][a * n + b] = at(a, b, c);  // x = centre: rows z, columns y
      for (int64_t t = 0; t < n; ++t) {
        proj[0][a * n + b] += at(t, a, b);
        proj[1][a * n + b] += at(a, t, b);
        proj[2][a * n + b] += at(a, b, t);
      }
    }
  write_panels(stem + "_slices.png", slices, n);
  write_panels(stem + "_projections.png", proj, n);
}

void write_fsc_picture(const std::string& path, const FscCurve& fsc) {
  const int64_t h = 240, w = 480, pad = 10;
  if (fsc.fsc.size() < 2) return;
  auto row = [&](double v) { return pad + int64_t(std::lround((1 - std::clamp(v, -0.2, 1.0)) / 1.2 * double(h - 1 - 2 * pad))); };
  auto col = [&](size_t i) { return pad + int64_t(std::lround(double(i) / double(fsc.fsc.size() - 1) * double(w - 1 - 2 * pad))); };
  monitor::Canvas c(h, w);
  for (double level : {0.0, 0.143, 0.5, 1.0}) {
    const bool threshold = level == 0.5 || level == 0.143;  // the two usual resolution criteria, tinted
    c.rect(row(level), 0, row(level) + 1, w, threshold ? monitor::Rgb{230, 215, 150} : monitor::Rgb{215, 215, 215});
  }
  for (size_t i = 0; i + 1 < fsc.fsc.size(); ++i)
    c.line(row(fsc.fsc[i]), col(i), row(fsc.fsc[i + 1]), col(i + 1), {30, 80, 170}, 3);
  c.write_png(path);
}

}  // namespace phasis::spi
