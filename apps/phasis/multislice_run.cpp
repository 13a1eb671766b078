// phasis multislice run CONFIG.toml: a multislice simulation from a TOML file (multislice_config.hpp).
// Probe waves give STEM: annular, segmented and pixelated detectors over a scan; a plane wave gives
// the exit wave and an HRTEM image through the [hrtem] CTF. Everything is checked before the first
// slice is computed, and files are written only once the simulation has finished, so a bad
// config or a failed run leaves nothing behind.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "commands.hpp"
#include "multislice_config.hpp"
#include "phasis/core/device.hpp"
#include "phasis/core/error.hpp"
#include "phasis/fft/fft.hpp"
#include "phasis/exec/events.hpp"
#include "phasis/io/atomic_output.hpp"
#include "phasis/io/cxi.hpp"
#include "phasis/io/hdf5.hpp"
#include "phasis/io/image.hpp"
#include "phasis/multislice/elements.hpp"
#include "phasis/multislice/energy.hpp"
#include "phasis/multislice/multislice.hpp"
#include "phasis/multislice/phonons.hpp"
#include "phasis/multislice/stem.hpp"
#include "phasis/multislice/structure.hpp"

namespace phasis::cli {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

ms::Atoms build_atoms(const MsConfig& c) {
  ms::Atoms atoms;
  if (!c.crystal.empty()) {
    atoms = ms::crystal(c.crystal, c.repeat[0], c.repeat[1], c.repeat[2], c.zone_axis);
  } else {
    require_input_file(c.file, "structure.file");
    atoms = ms::repeat(ms::read_atoms(c.file), 1, 1, 1);
    if (atoms.cell[0] <= 0 || atoms.cell[1] <= 0 || atoms.cell[2] <= 0 || c.vacuum > 0) ms::center_in_box(atoms, c.vacuum);
    atoms = ms::repeat(atoms, c.repeat[0], c.repeat[1], c.repeat[2]);
  }
  ms::check_atoms(atoms);
  if (c.phonons > 1) {
    std::map<int, double> sigma;
    for (const auto& [sym, s] : c.sigma) sigma[ms::atomic_number(sym)] = s;
    if (sigma.empty() && atoms.sigma.empty())
      throw InputError("phonons.sigma: expected an rms displacement per element for " + std::to_string(c.phonons) +
                       " configurations; found none");
    if (!sigma.empty()) ms::set_sigmas(atoms, sigma);
  }
  return atoms;
}

std::vector<ms::Position> build_scan(const MsConfig& c, const ms::Atoms& atoms, std::array<int64_t, 2>& shape) {
  const ms::Position start = c.scan_start ? ms::Position{(*c.scan_start)[0], (*c.scan_start)[1]} : ms::Position{0, 0};
  if (c.scan == "grid") {
    const ms::Position end = c.scan_end ? ms::Position{(*c.scan_end)[0], (*c.scan_end)[1]}
                                        : ms::Position{atoms.cell[0], atoms.cell[1]};
    shape = {c.scan_gpts[1], c.scan_gpts[0]};
    return ms::grid_scan(start, end, c.scan_gpts[0], c.scan_gpts[1], c.endpoint);
  }
  if (c.scan == "line") {
    const ms::Position end = c.scan_end ? ms::Position{(*c.scan_end)[0], (*c.scan_end)[1]} : ms::Position{atoms.cell[0], 0};
    if (c.scan_points < 1) throw InputError("scan.points: expected at least 1; found " + std::to_string(c.scan_points));
    shape = {1, c.scan_points};
    return ms::line_scan(start, end, c.scan_points);
  }
  if (c.custom.empty()) throw InputError("scan.positions: expected at least one [x, y] position for a custom scan");
  shape = {1, int64_t(c.custom.size())};
  return c.custom;
}

/// What a run produces, in host memory, before anything is written.
struct MsResult {
  // STEM
  std::vector<ms::Position> positions;
  std::array<int64_t, 2> scan_shape{0, 0};
  std::vector<Array<double>> readings;  // per detector: (n), (n, rings, segments) or (n, my, mx)
  Array<double> mean_pattern;           // (my, mx), centred; empty without a pixelated detector
  // HRTEM
  Array<Complex<float>> exit_wave;      // (ny, nx), first configuration
  Array<double> exit_intensity, image;  // (ny, nx), ensemble means; vacuum = 1
};

// STEM with annular detectors only: the library's fused path (detectors read on the device), one
// set-up (plans, propagators, masks, probe spectrum) for every configuration.
void stem_annular_only(const MsConfig& c, const ms::Atoms& atoms, const ms::Grid& g, MsResult& r, ms::StemTimings& t,
                       exec::EventSink* events) {
  ms::StemOptions o;
  o.probe = c.probe;
  for (const auto& d : c.detectors) o.detectors.push_back({d.ring.inner, d.ring.outer});
  o.batch = c.batch;
  o.fused_fft = c.fused_fft;
  o.phonons = c.phonons;
  o.seed = c.seed;
  o.timings = &t;
  const int64_t n = int64_t(r.positions.size());
  o.events = events;
  const Array<double> mean = ms::stem_annular(parse_device(c.device), parse_precision(c.precision), atoms, g, c.potential, r.positions, o);
  for (std::size_t d = 0; d < c.detectors.size(); ++d) {
    Array<double> v(Shape{n});
    for (int64_t j = 0; j < n; ++j) v[j] = mean[int64_t(d) * n + j];
    r.readings.push_back(std::move(v));
  }
}

// STEM with any detectors: exit waves back to the host, detectors read from their patterns.
template <class T>
void stem_general(const MsConfig& c, const ms::Atoms& atoms, const ms::Grid& g, MsResult& r, ms::StemTimings& t,
                  exec::EventSink* events) {
  const int64_t n = int64_t(r.positions.size());
  const int64_t my = ms::pixelated_shape(g).first, mx = ms::pixelated_shape(g).second;
  for (const auto& d : c.detectors) {
    if (d.type == "annular") r.readings.emplace_back(Shape{n});
    if (d.type == "segmented") r.readings.emplace_back(Shape{n, d.ring.rings, d.ring.segments});
    if (d.type == "pixelated") r.readings.emplace_back(Shape{n, my, mx});
    r.readings.back().zero();
  }
  const double w = 1.0 / double(c.phonons);
  // Reads every detector from one batch of exit waves (host memory), positions [j0, j0 + batch).
  auto read = [&](int64_t j0, const Array<Complex<T>>& waves) {
    const Array<double> patterns = ms::diffraction_patterns(waves);
    for (std::size_t d = 0; d < c.detectors.size(); ++d) {
      const MsDetector& det = c.detectors[d];
      Array<double>& out = r.readings[d];
      if (det.type == "pixelated") {
        const Array<double> crop = ms::pixelated_crop(patterns, g);
        for (int64_t i = 0; i < crop.size(); ++i) out[j0 * my * mx + i] += w * crop[i];
      } else {
        ms::SegmentedDetector s = det.ring;
        if (det.type == "annular") s.rings = s.segments = 1;
        const Array<double> v = ms::segmented_detect(patterns, g, c.energy, s);
        for (int64_t i = 0; i < v.size(); ++i) out[j0 * v.shape()[1] + i] += w * v[i];
      }
    }
  };
  ms::StemOptions o;
  o.probe = c.probe;
  o.batch = c.batch;
  o.timings = &t;
  exec::ProgressMeter meter(events, "phonons", c.phonons, "configurations");
  for (int64_t k = 0; k < c.phonons; ++k) {
    const auto t0 = Clock::now();
    const auto tp = Clock::now();
    exec::ScopedSpan span(events, "configuration", "chunk", 0, k);
    const ms::Potential pot(c.phonons > 1 ? ms::frozen_phonon(atoms, c.seed, k) : atoms, g, c.potential);
    t.potential += since(tp);
    ms::stem_exit_waves<T>(parse_device(c.device), pot, r.positions, o, read);
    meter.update(k + 1, {{"positions/s", double(n) / std::max(since(t0), 1e-9)}});
  }
  for (std::size_t d = 0; d < c.detectors.size(); ++d)
    if (c.detectors[d].type == "pixelated" && r.mean_pattern.empty()) {
      r.mean_pattern = Array<double>(Shape{my, mx});
      r.mean_pattern.zero();
      for (int64_t j = 0; j < n; ++j)
        for (int64_t i = 0; i < my * mx; ++i) r.mean_pattern[i] += r.readings[d][j * my * mx + i] / double(n);
    }
}

template <class T>
void hrtem(const MsConfig& c, const ms::Atoms& atoms, const ms::Grid& g, MsResult& r, exec::EventSink* events) {
  const int64_t pix = g.pixels();
  r.exit_intensity = Array<double>(Shape{g.ny, g.nx});
  r.image = Array<double>(Shape{g.ny, g.nx});
  r.exit_intensity.zero();
  r.image.zero();
  // Plane waves have unit total intensity (waves.hpp); times the pixel count, vacuum reads 1.
  const double w = double(pix) / double(c.phonons);
  exec::ProgressMeter meter(events, "phonons", c.phonons, "configurations");
  for (int64_t k = 0; k < c.phonons; ++k) {
    exec::ScopedSpan span(events, "configuration", "chunk", 0, k);
    const ms::Potential pot(c.phonons > 1 ? ms::frozen_phonon(atoms, c.seed, k) : atoms, g, c.potential);
    Array<Complex<T>> wave = ms::plane_wave<T>(g, 1);
    ms::multislice<T>(parse_device(c.device), wave, pot, c.energy);
    const Array<double> img = ms::hrtem_image(wave, g, c.energy, c.ctf);
    for (int64_t i = 0; i < pix; ++i) {
      r.exit_intensity[i] += w * (double(wave[i].re) * wave[i].re + double(wave[i].im) * wave[i].im);
      r.image[i] += w * img[i];
    }
    if (k == 0) {
      r.exit_wave = Array<Complex<float>>(Shape{g.ny, g.nx});
      const float s = float(std::sqrt(double(pix)));
      for (int64_t i = 0; i < pix; ++i) r.exit_wave[i] = {float(wave[i].re) * s, float(wave[i].im) * s};
    }
    meter.update(k + 1);
  }
}

void write_gray(const std::string& path, const Array<double>& a, int64_t h, int64_t w) {
  std::vector<float> f(std::size_t(h * w));
  for (int64_t i = 0; i < h * w; ++i) f[std::size_t(i)] = float(a[i]);
  write_png_gray(path, f.data(), h, w);
}

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

/// The 4D-STEM data of the first pixelated detector as a CXI ptychography file. Frames are the
/// centred patterns cropped to a square of M pixels, times the dose. The ptychography code takes
/// the object pixel as lambda z / (M p) with lambda = h c / E (cxi.hpp), and this file stores the
/// electrons' kinetic energy, so the detector geometry is chosen to make that the pixel the crop
/// implies, extent / M: z = 1 m and p = lambda z / extent along each axis.
/// The cell is periodic, so a pattern does not change when the exit wave is shifted circularly:
/// each frame's window is written as starting half a cell before its probe position, which puts
/// the probe in the middle of the frame, as ptychography solvers expect.
/// The truth stored with it (entry_1/phasis_truth) is the thin-specimen object exp(i sigma v_z),
/// v_z the whole projected potential of the static lattice, band-limited to the crop and tiled over
/// the scan, and the incident probe; it is exact only where the projection approximation holds.
void write_stem_cxi(const std::string& path, const MsConfig& c, const ms::Atoms& atoms, const ms::Grid& g,
                    const MsResult& r, std::size_t d) {
  const Array<double>& px = r.readings[d];
  const int64_t n = px.shape()[0], my = px.shape()[1], mx = px.shape()[2], m = std::min(my, mx);
  PtychoData data;
  data.intensities = Array<float>(Shape{n, m, m});
  const int64_t oy = (my - m) / 2, ox = (mx - m) / 2;
  for (int64_t j = 0; j < n; ++j)
    for (int64_t y = 0; y < m; ++y)
      for (int64_t x = 0; x < m; ++x)
        data.intensities[(j * m + y) * m + x] = float(c.cxi_dose * px[(j * my + y + oy) * mx + x + ox]);
  const double ext = g.extent_x(), pixel = ext / double(m);  // Angstrom
  data.translations = Array<double>(Shape{n, 3});
  double lo_y = 1e300, lo_x = 1e300, hi_y = -1e300, hi_x = -1e300;
  for (int64_t j = 0; j < n; ++j) {
    const double x = r.positions[std::size_t(j)].first - ext / 2, y = r.positions[std::size_t(j)].second - ext / 2;
    data.translations[j * 3 + 0] = x * 1e-10;
    data.translations[j * 3 + 1] = y * 1e-10;
    data.translations[j * 3 + 2] = 0;
    lo_x = std::min(lo_x, x), hi_x = std::max(hi_x, x), lo_y = std::min(lo_y, y), hi_y = std::max(hi_y, y);
  }
  data.geometry.energy_J = c.energy * 1.602176634e-19;
  data.geometry.distance_m = 1.0;
  const double lambda = data.geometry.wavelength_m();
  data.geometry.pixel_x_m = lambda * data.geometry.distance_m / (ext * 1e-10);
  data.geometry.pixel_y_m = data.geometry.pixel_x_m;

  PtychoTruth truth;
  {
    const ms::Potential pot(atoms, g, c.potential);
    const std::vector<float> v = pot.all_slices();
    const double sigma = ms::interaction_parameter(c.energy);
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
    const Array<Complex<double>> p0 = ms::probe<double>(g, c.probe, {{ext / 2, ext / 2}});
    Array<Complex<double>> p(Shape{g.ny, g.nx});
    for (int64_t i = 0; i < g.pixels(); ++i) p[i] = p0[i];
    truth.probe = fourier_resample(p, g.ny, g.nx, m);
  }
  write_cxi(path, data, &truth);
}

struct RunArgs {
  std::string config, output, cxi, trace;
  bool pictures = true;
};

void run(const RunArgs& a) {
  MsConfig c = read_ms_config(a.config);
  if (!a.cxi.empty()) c.cxi = a.cxi;
  std::string out = a.output.empty() ? std::filesystem::path(a.config).stem().string() + ".h5" : a.output;
  require_output_path(out, a.config);
  if (!c.cxi.empty()) require_output_path(c.cxi, a.config);
  if (!a.trace.empty()) require_output_path(a.trace, a.config);

  // --- checks, in the order a user would fix them ---
  ms::wavelength(c.energy);  // energy > 0
  if (c.phonons < 1) throw InputError("phonons.configurations: expected at least 1; found " + std::to_string(c.phonons));
  if (c.batch < 1) throw InputError("run.batch: expected at least 1; found " + std::to_string(c.batch));
  if (!(c.cxi_dose > 0)) throw InputError("run.cxi_dose: expected a positive number of electrons per frame");
  const ms::Atoms atoms = build_atoms(c);
  const ms::Grid g = c.gpts ? ms::grid_from_gpts(atoms.cell[0], atoms.cell[1], (*c.gpts)[0], (*c.gpts)[1])
                            : ms::grid_from_sampling(atoms.cell[0], atoms.cell[1], *c.sampling);
  ms::check_grid(g);
  if (!(c.potential.slice_thickness > 0))
    throw InputError("potential.slice_thickness: expected a positive length in Angstrom");
  MsResult r;
  bool general = false;
  std::size_t pixelated = c.detectors.size();
  if (c.wave == "probe") {
    if (c.detectors.empty()) throw InputError("config: expected at least one [[detector]] for a probe (wave.type = probe)");
    r.positions = build_scan(c, atoms, r.scan_shape);
    ms::probe<float>(g, c.probe, {r.positions[0]});  // semiangle within the antialiased limit
    for (std::size_t d = 0; d < c.detectors.size(); ++d) {
      const MsDetector& det = c.detectors[d];
      if (det.type == "pixelated") {
        if (pixelated == c.detectors.size()) pixelated = d;
      } else {
        ms::SegmentedDetector s = det.ring;
        if (det.type == "annular") s.rings = s.segments = 1;
        ms::check_segmented(s, g, c.energy);
      }
      general = general || det.type != "annular";
    }
    if (!c.cxi.empty() && pixelated == c.detectors.size())
      throw InputError("cxi output: expected a [[detector]] of type pixelated to write 4D-STEM data from");
    if (!c.cxi.empty() && (g.ny != g.nx || std::abs(g.extent_x() - g.extent_y()) > 1e-9 * g.extent_x()))
      throw InputError("cxi output: expected a square cell and grid (the ptychography frames are square); found " +
                       std::to_string(g.nx) + " x " + std::to_string(g.ny) + " pixels over " +
                       std::to_string(g.extent_x()) + " x " + std::to_string(g.extent_y()) + " A");
  } else {
    if (!c.detectors.empty()) throw InputError("config: detectors need a probe (wave.type = probe); found a plane wave");
    if (!c.cxi.empty()) throw InputError("cxi output: expected a probe scan (wave.type = probe); found a plane wave");
    ms::hrtem_image(ms::plane_wave<float>(g, 1), g, c.energy, c.ctf);  // CTF parameters
  }
  std::printf("multislice: %lld atoms, cell %.3f x %.3f x %.3f A, grid %lld x %lld (%.4f x %.4f A), %s, %s %s\n",
              (long long)atoms.size(), atoms.cell[0], atoms.cell[1], atoms.cell[2], (long long)g.nx, (long long)g.ny,
              g.dx, g.dy, c.wave == "probe" ? "STEM" : "HRTEM", c.device.c_str(), c.precision.c_str());
  std::fflush(stdout);

  // The GPU's context is made before the clock starts, and timed on its own: it is paid once per
  // process, whatever the simulation.
  double device_start = 0;
  if (c.device == "cuda" && cuda_available()) {
    const auto td = Clock::now();
    Array<float> touch(Shape{1}, Memory::device);
    device_start = since(td);
  }
  const auto t0 = Clock::now();
  const bool f = c.precision == "float";
  ms::StemTimings stages;
  // Progress (rate and ETA) on stdout; with --trace, the chunks' spans (batches of positions per
  // configuration, or whole configurations) in a Chrome trace.
  exec::ProgressBar bar(stdout, 0.0);
  exec::ChromeTrace trace;
  exec::FanOut events({&bar, a.trace.empty() ? nullptr : &trace});
  if (c.wave == "plane") f ? hrtem<float>(c, atoms, g, r, &events) : hrtem<double>(c, atoms, g, r, &events);
  else if (general) f ? stem_general<float>(c, atoms, g, r, stages, &events) : stem_general<double>(c, atoms, g, r, stages, &events);
  else stem_annular_only(c, atoms, g, r, stages, &events);
  const double seconds = since(t0);
  nlohmann::json stage_json;
  if (c.wave == "probe") {
    // Each stage synchronises the device at its end, so device time is counted where it is spent.
    std::printf("stages: device start %.3f s | setup %.3f s, potential %.3f s, probes %.3f s, propagation %.3f s, "
                "detection %.3f s, other %.3f s, total %.3f s\n",
                device_start, stages.setup, stages.potential, stages.probes, stages.propagation, stages.detection,
                seconds - stages.total(), seconds);
    stage_json = {{"device_start", device_start}, {"setup", stages.setup}, {"potential", stages.potential},
                  {"probes", stages.probes}, {"propagation", stages.propagation}, {"detection", stages.detection}};
  }

  // --- output: HDF5 through a temporary name, then pictures and CXI ---
  nlohmann::json params = c.to_json();
  params["grid"] = {{"gpts", {g.nx, g.ny}}, {"sampling", {g.dx, g.dy}}, {"extent", {g.extent_x(), g.extent_y()}}};
  params["wavelength_A"] = ms::wavelength(c.energy);
  params["antialias_cutoff_mrad"] = 1e3 * ms::antialias_angle(g, c.energy);
  params["atoms"] = atoms.size();
  params["cell"] = atoms.cell;
  params["seconds"] = seconds;
  if (!stage_json.is_null()) params["stage_seconds"] = stage_json;
  AtomicOutput output(out);
  {
    h5::File file = h5::File::create(output.temp_path());
    file.write_attr("/", "parameters", params.dump());
    file.write_attr("/", "units", "lengths Angstrom, angles mrad, energies eV; detector readings: share of the beam");
    if (c.wave == "probe") {
      Array<double> pos(Shape{int64_t(r.positions.size()), 2});
      for (std::size_t j = 0; j < r.positions.size(); ++j) pos[int64_t(j) * 2] = r.positions[j].first, pos[int64_t(j) * 2 + 1] = r.positions[j].second;
      file.create_groups("stem");
      file.write("stem/positions", pos);
      std::vector<double> shape{double(r.scan_shape[0]), double(r.scan_shape[1])};
      file.write("stem/scan_shape", shape.data(), {2});
      for (std::size_t d = 0; d < c.detectors.size(); ++d) {
        const std::string ds = "stem/" + c.detectors[d].name;
        file.write(ds, r.readings[d]);
        file.write_attr(ds, "type", c.detectors[d].type);
        file.write_attr(ds, "parameters", params["detectors"][d].dump());
      }
      if (!r.mean_pattern.empty()) file.write("stem/mean_diffraction", r.mean_pattern);
    } else {
      file.create_groups("hrtem");
      file.write("hrtem/exit_wave", r.exit_wave);
      file.write("hrtem/exit_intensity", r.exit_intensity);
      file.write("hrtem/image", r.image);
    }
    file.close();
  }
  output.commit();
  std::printf("wrote %s (%.2f s)\n", out.c_str(), seconds);
  if (a.pictures) {
    const std::string stem = (std::filesystem::path(out).parent_path() / std::filesystem::path(out).stem()).string();
    std::vector<std::string> written;
    if (c.wave == "plane") {
      write_gray(stem + "_exit_intensity.png", r.exit_intensity, g.ny, g.nx);
      write_gray(stem + "_hrtem.png", r.image, g.ny, g.nx);
      written = {stem + "_exit_intensity.png", stem + "_hrtem.png"};
    } else {
      if (c.scan == "grid")
        for (std::size_t d = 0; d < c.detectors.size(); ++d)
          if (c.detectors[d].type == "annular") {
            write_gray(stem + "_" + c.detectors[d].name + ".png", r.readings[d], r.scan_shape[0], r.scan_shape[1]);
            written.push_back(stem + "_" + c.detectors[d].name + ".png");
          }
      if (!r.mean_pattern.empty()) {
        // Logarithmic: the bright field is orders of magnitude above the dark field.
        Array<double> lg(r.mean_pattern.shape());
        for (int64_t i = 0; i < lg.size(); ++i) lg[i] = std::log10(std::max(r.mean_pattern[i], 1e-12));
        write_gray(stem + "_mean_diffraction.png", lg, lg.shape()[0], lg.shape()[1]);
        written.push_back(stem + "_mean_diffraction.png");
      }
    }
    for (const auto& w : written) std::printf("wrote %s\n", w.c_str());
  }
  if (!c.cxi.empty()) {
    write_stem_cxi(c.cxi, c, atoms, g, r, pixelated);
    std::printf("wrote %s (4D-STEM, %lld frames)\n", c.cxi.c_str(), (long long)r.positions.size());
  }
  if (!a.trace.empty()) {
    trace.name_worker(0, describe(parse_device(c.device)));
    trace.write(a.trace);
    std::printf("wrote %s (trace, %zu spans)\n", a.trace.c_str(), trace.spans().size());
  }
}

}  // namespace

void add_multislice_run(CLI::App& multislice) {
  auto* cmd = multislice.add_subcommand("run", "Run a multislice simulation (STEM or HRTEM) from a TOML config");
  auto a = std::make_shared<RunArgs>();
  cmd->add_option("config", a->config, "TOML config (docs/multislice.md lists the keys)")->required();
  cmd->add_option("-o,--output", a->output, "HDF5 result file (default: the config's name with .h5, here)");
  cmd->add_option("--cxi", a->cxi, "Also write the pixelated detector's 4D-STEM data as a CXI ptychography file");
  cmd->add_flag("!--no-pictures", a->pictures, "Do not write PNG pictures");
  cmd->add_option("--trace", a->trace,
                  "Write a Chrome trace (JSON; Perfetto and chrome://tracing open it): one span per chunk of work");
  cmd->callback([a] { run(*a); });
}

}  // namespace phasis::cli
