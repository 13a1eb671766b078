// phasis multislice run CONFIG.toml: a multislice simulation from a TOML file (multislice_config.hpp).
// The CLI reads the file, builds the atoms and the scan, and hands the library a Simulation
// (phasis/multislice/simulation.hpp), which checks and runs it; the library's writers
// (outputs.hpp) make the HDF5 file, the PNGs and the CXI file. Everything is checked before the
// first slice is computed, and files are written only once the simulation has finished, so a bad
// config or a failed run leaves nothing behind.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <cstdio>
#include <string>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "phasis/core/device.hpp"
#include "phasis/core/error.hpp"
#include "phasis/exec/events.hpp"
#include "phasis/fft/fft.hpp"
#include "phasis/exec/interrupt.hpp"
#include "phasis/comm/mpi.hpp"
#include "rank_spans.hpp"
#include "resource_profile.hpp"
#include "phasis/monitor/report.hpp"
#include "live_options.hpp"
#include "phasis/multislice/config.hpp"
#include "phasis/multislice/elements.hpp"
#include "phasis/multislice/energy.hpp"
#include "phasis/multislice/outputs.hpp"
#include "phasis/multislice/simulation.hpp"

namespace phasis::cli {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct RunArgs {
  std::string config, output, cxi, trace, profile, resume;
  bool pictures = true, report = true;
  LiveArgs live;
};

/// Detector d's readings as a raster picture (grid scans with one value per position), else none.
std::vector<monitor::Picture> reading_pictures(const ms::Simulation& s, const ms::SimulationResult& r, int64_t max_side) {
  std::vector<monitor::Picture> out;
  const int64_t rows = s.scan_shape[0], cols = s.scan_shape[1];
  if (s.scan != ms::ScanKind::grid || rows * cols < 1) return out;
  monitor::Renderer renderer;
  renderer.max_side = max_side;
  for (size_t d = 0; d < r.readings.size() && d < s.detectors.size(); ++d) {
    if (r.readings[d].shape().rank != 1 || r.readings[d].size() != rows * cols) continue;
    Array<float> image(Shape{rows, cols});
    for (int64_t j = 0; j < rows * cols; ++j) image[j] = float(r.readings[d][j]);
    for (monitor::Picture& p : renderer.render(exec::Snapshot{d == 0 ? "stem_image" : "detector_" + s.detectors[d].name, 0,
                                                              std::move(image)})) {
      p.title = "detector " + s.detectors[d].name;
      out.push_back(std::move(p));
    }
  }
  return out;
}

void run(const RunArgs& a) {
  ms::MsConfig c = ms::read_ms_config(a.config);
  if (!a.cxi.empty()) c.cxi = a.cxi;
  std::string out = a.output.empty() ? std::filesystem::path(a.config).stem().string() + ".h5" : a.output;
  require_output_path(out, a.config);
  if (!c.cxi.empty()) require_output_path(c.cxi, a.config);
  if (!a.trace.empty()) require_output_path(a.trace, a.config);
  if (!a.profile.empty()) require_output_path(a.profile + "_trace.json", a.config);
  const Device device = parse_device(c.device);
  const Precision precision = parse_precision(c.precision);
  ms::Execution x = ms::execution_from_config(c);
  if (c.fft_planning == "measure") set_fftw_planning(FftPlanning::measure);
  comm::Mpi world;
  const bool root = world.rank() == 0;  // under mpirun only rank 0 prints and writes
  if (world.size() > 1 && x.scheduler != ms::Scheduler::mpi && x.scheduler != ms::Scheduler::automatic)
    throw InputError("run scheduler: expected mpi (or auto) under mpirun with " + std::to_string(world.size()) + " ranks; found " +
                     c.scheduler);

  // --- checks, in the order a user would fix them: the config's keys, then the library's ---
  ms::Simulation s = ms::simulation_from_config(c);
  const bool stem = s.wave == ms::WaveKind::probe;
  // STEM is written batch by batch to OUT.partial, renamed to OUT once complete; --resume
  // continues such a file (the same configuration, its batches).
  const std::string identity = ms::resume_identity(c, s);
  std::string partial = out + ".partial";
  int64_t resume_batches = 0;
  if (!a.resume.empty()) {
    if (!stem) throw InputError("--resume: expected a STEM run (HRTEM runs are written whole at the end); found a plane wave");
    require_input_file(a.resume, "partial result to resume");
    const ms::PartialStem p = ms::read_partial_stem(a.resume);
    if (p.identity != identity)
      throw InputError("--resume '" + a.resume + "': expected a partial result of " + a.config +
                       "; found one of another configuration (its physics, scan or detectors differ)");
    // The same batches as the interrupted run, whatever the memory free now.
    s.batch = p.batch;
    const ms::Chunking first = ms::plan_chunking(s, x, precision);
    if (first.batch != p.batch) x.chunk_memory = int64_t(std::ceil(double(p.batch) * first.bytes_per_position)) + 1;
    partial = a.resume;
    resume_batches = p.batches_done;
  }
  const ms::Atoms& atoms = s.atoms;
  const ms::Grid& g = s.grid;
  if (root) {  // the other ranks of an mpirun say nothing
    std::printf("multislice: %lld atoms, cell %.3f x %.3f x %.3f A, grid %lld x %lld (%.4f x %.4f A), %s, %s %s\n",
                (long long)atoms.size(), atoms.cell[0], atoms.cell[1], atoms.cell[2], (long long)g.nx, (long long)g.ny,
                g.dx, g.dy, c.wave == "probe" ? "STEM" : "HRTEM", c.device.c_str(), c.precision.c_str());
    if (s.supercell && s.supercell->rows != std::array<std::array<int, 3>, 3>{{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}}) {
      // The cell cut from the crystal, and how far it was strained to make it orthogonal.
      const auto& sc = *s.supercell;
      const auto v = [](const std::array<int, 3>& r) { return ms::zone_axis_text(r); };
      std::printf("structure: zone axis %s, simulation cell x %s y %s z %s of the crystal's a, b, c: %lld cells, strain %.3g (tolerance %.3g)\n",
                  v(sc.zone_axis).c_str(), v(sc.rows[0]).c_str(), v(sc.rows[1]).c_str(), v(sc.rows[2]).c_str(),
                  (long long)sc.cells, sc.strain, c.orient.strain_tolerance);
    }
    {
      // The slicing actually used, which differs from the requested thickness unless it divides the
      // cell (equal slicing); the result file records it per slice.
      const ms::Slicing sl = ms::make_slicing(atoms.cell[2], s.potential.slice_thickness, s.potential.slicing);
      const double last = sl.thickness.back();
      const std::string tail = last != sl.thickness[0] ? ", the last " + std::to_string(last) + " A" : "";
      std::printf("slices: %lld, %s, %.6f A thick%s (requested %.6f A); potential %s, %s projection\n",
                  (long long)sl.count(), ms::to_string(s.potential.slicing), sl.thickness[0], tail.c_str(),
                  s.potential.slice_thickness, ms::to_string(s.potential.form),
                  s.potential.projection == ms::Projection::finite ? "finite" : "infinite");
    }
  }
  std::fflush(stdout);
  // The live view listens before any work: a port in use ends the command here.
  std::unique_ptr<monitor::LiveView> live = start_live(a.live, "multislice run " + a.config);
  if (live) live->set_info("config", a.config), live->set_info("output", out), live->set_info("device", c.device);

  // The GPU's context is made before the clock starts, and timed on its own: it is paid once per
  // process, whatever the simulation.
  double device_start = 0;
  if (device.is_cuda() && cuda_available()) {
    const auto td = Clock::now();
    Array<float> touch(Shape{1}, Memory::device);
    device_start = since(td);
  }
  // Progress (rate and ETA) on stdout; with --trace, the chunks' spans (batches of positions per
  // configuration, or whole configurations) in a Chrome trace.
  exec::ProgressBar bar(stdout, 1.0);
  exec::ChromeTrace trace(world.rank());
  const bool tracing = !a.trace.empty() || !a.profile.empty();
  exec::FanOut events({root ? &bar : nullptr, tracing ? &trace : nullptr, root ? live.get() : nullptr});
  ms::RunControl control;
  control.keep_readings = !c.cxi.empty();  // the CXI file needs every pattern; else they stream to the file
  control.first_batch = resume_batches;
  std::unique_ptr<ms::StemFileWriter> writer;
  if (stem && root) {
    const ms::Chunking plan = ms::plan_chunking(s, x, precision);
    writer = std::make_unique<ms::StemFileWriter>(partial, s, plan, identity, !a.resume.empty());
    control.on_batch = [&](const ms::StemBatch& b) { writer->write(b); };
    std::printf("chunks: %lld (%lld batches of %lld positions x %lld configurations), %s scheduler, %zu worker%s%s%s\n",
                (long long)plan.chunks, (long long)plan.batches, (long long)plan.batch, (long long)plan.configurations,
                ms::to_string(plan.scheduler),
                plan.workers.size(), plan.workers.size() == 1 ? "" : "s",
                plan.ranks > 1 ? (" on each of " + std::to_string(plan.ranks) + " ranks").c_str() : "",
                resume_batches ? (", resuming after batch " + std::to_string(resume_batches)).c_str() : "");
    std::fflush(stdout);
  }
  const exec::InterruptGuard interrupts;
  const ResourceProfile profile(a.profile);
  if (tracing) world.barrier();  // the ranks' common moment for their spans
  const double since = exec::now_seconds();
  ms::SimulationResult r = ms::run(s, x, precision, &events, control);
  profile.finish();
  for (std::size_t w = 0; w < r.chunking.workers.size(); ++w)  // the trace's rows: the queue's workers
    trace.name_worker(world.rank() * int(r.chunking.workers.size()) + int(w),
                      (world.size() > 1 ? "rank " + std::to_string(world.rank()) + " " : std::string()) + describe(r.chunking.workers[w]));
  if (tracing && stem) gather_rank_spans(world, trace, since, int(r.chunking.workers.size()), "chunk");
  if (!root) return;  // rank 0 writes everything
  if (stem && r.batches_done < r.chunking.batches) {
    std::printf("stopped after %lld of %lld batches; %s holds them; continue with the same command and --resume %s\n",
                (long long)r.batches_done, (long long)r.chunking.batches, partial.c_str(), partial.c_str());
    throw StoppedEarly{128 + (exec::stop_signal() ? exec::stop_signal() : 2)};
  }
  if (stem) writer->load(r, !c.cxi.empty() && !a.resume.empty());
  const ms::StemTimings& stages = r.timings;
  if (!r.lost_beyond_aperture.empty()) {
    double mean = 0, most = 0;
    for (int64_t i = 0; i < r.lost_beyond_aperture.size(); ++i)
      mean += r.lost_beyond_aperture[i] / double(r.lost_beyond_aperture.size()), most = std::max(most, r.lost_beyond_aperture[i]);
    std::printf("lost beyond the antialiasing aperture: %.3g of the beam (mean), %.3g (max)\n", mean, most);
  }
  if (s.wave == ms::WaveKind::plane) {
    // The brightest indexed spots; the whole table is hrtem/spots.
    std::printf("spots: %zu of at least %.3g of the beam", r.spots.size(), s.spot_threshold);
    for (std::size_t k = 0; k < std::min<std::size_t>(r.spots.size(), 4); ++k)
      std::printf("%s (%g %g %g) %.4g", k ? "," : ";", r.spots[k].h, r.spots[k].k, r.spots[k].l, r.spots[k].intensity);
    std::printf("\n");
  }
  nlohmann::json stage_json;
  if (s.wave == ms::WaveKind::probe) {
    // Each stage synchronises the device at its end, so device time is counted where it is spent;
    // with several workers the stages are their sums (worker-seconds), beside the run's wall time.
    const std::size_t workers = r.chunking.workers.size();
    std::printf("stages%s: device start %.3f s | setup %.3f s, potential %.3f s, probes %.3f s, propagation %.3f s, "
                "detection %.3f s | wall %.3f s\n",
                workers > 1 ? (" (summed over " + std::to_string(workers) + " workers)").c_str() : "", device_start, stages.setup,
                stages.potential, stages.probes, stages.propagation, stages.detection, r.seconds);
    stage_json = {{"device_start", device_start}, {"setup", stages.setup}, {"potential", stages.potential},
                  {"probes", stages.probes}, {"propagation", stages.propagation}, {"detection", stages.detection}};
  }

  // --- output: HDF5, then pictures and CXI (each through a temporary name) ---
  nlohmann::json params = nlohmann::json::parse(c.to_json());
  params["grid"] = {{"gpts", {g.nx, g.ny}}, {"sampling", {g.dx, g.dy}}, {"extent", {g.extent_x(), g.extent_y()}}};
  params["wavelength_A"] = ms::wavelength(c.energy);
  params["antialias_cutoff_mrad"] = 1e3 * ms::antialias_angle(g, c.energy);
  params["atoms"] = atoms.size();
  params["cell"] = atoms.cell;
  if (s.supercell)
    params["supercell"] = {{"zone_axis", s.supercell->zone_axis}, {"rows", s.supercell->rows},
                           {"cells", s.supercell->cells}, {"strain", s.supercell->strain}};
  params["seconds"] = r.seconds;
  if (!stage_json.is_null()) params["stage_seconds"] = stage_json;
  if (!stages.path.empty()) params["propagation_path"] = stages.path;  // the strategy that ran
  if (stem) writer->finish(out, r, params.dump());
  else ms::write_simulation(out, s, r, params.dump());
  std::printf("wrote %s (%.2f s)\n", out.c_str(), r.seconds);
  if (a.pictures) {
    const std::string prefix = (std::filesystem::path(out).parent_path() / std::filesystem::path(out).stem()).string();
    write_pictures_or_warn([&] {
      for (const auto& w : ms::write_pictures(prefix, s, r)) std::printf("wrote %s\n", w.c_str());
    });
  }
  const std::string stem_path = (std::filesystem::path(out).parent_path() / std::filesystem::path(out).stem()).string();
  if (a.report) write_pictures_or_warn([&] {
    monitor::Report report;
    report.title = "phasis multislice run: " + a.config;
    report.summary = {{"config", a.config}, {"output", out}, {"device", c.device + " (" + c.precision + ")"},
                      {"kind", c.wave == "probe" ? "STEM, " + std::to_string(s.positions.size()) + " positions" : "HRTEM"},
                      {"atoms", std::to_string(atoms.size())},
                      {"grid", std::to_string(g.nx) + " x " + std::to_string(g.ny)}};
    report.pictures = reading_pictures(s, r, 1024);
    if (r.image.size() > 0) {
      Array<float> image(Shape{r.image.shape()[0], r.image.shape()[1]});
      for (int64_t i = 0; i < image.size(); ++i) image[i] = float(r.image[i]);
      for (monitor::Picture& p : monitor::Renderer().render(exec::Snapshot{"hrtem_image", 0, std::move(image)}))
        report.pictures.push_back(std::move(p));
    }
    report.timings = {{"run", r.seconds}};
    if (!stage_json.is_null())
      for (auto it = stage_json.begin(); it != stage_json.end(); ++it) report.timings.emplace_back(it.key(), it.value().get<double>());
    report.parameters_json = params.dump();
    monitor::write_html_report(stem_path + "_report.html", report);
    std::printf("wrote %s_report.html\n", stem_path.c_str());
  });
  if (live) {
    const int64_t rows = s.scan_shape[0], cols = s.scan_shape[1];  // the whole image, last
    if (s.scan == ms::ScanKind::grid && !r.readings.empty() && r.readings[0].shape().rank == 1 &&
        r.readings[0].size() == rows * cols && rows > 0) {
      Array<float> image(Shape{rows, cols});
      for (int64_t j = 0; j < image.size(); ++j) image[j] = float(r.readings[0][j]);
      live->show(exec::Snapshot{"stem_image", s.phonons - 1, std::move(image)});
    }
    live->finish("done");
  }
  if (!c.cxi.empty()) {
    ms::write_stem_cxi(c.cxi, s, r, c.cxi_dose);
    std::printf("wrote %s (4D-STEM, %lld frames)\n", c.cxi.c_str(), (long long)s.positions.size());
  }
  if (!a.trace.empty()) {
    trace.write(a.trace);
    std::printf("wrote %s (trace, %zu spans)\n", a.trace.c_str(), trace.spans().size());
  }
  for (const std::string& w : profile.write(trace)) std::printf("wrote %s\n", w.c_str());
}

}  // namespace

void add_multislice_run(CLI::App& multislice) {
  auto* cmd = multislice.add_subcommand("run", "Run a multislice simulation (STEM or HRTEM) from a TOML config");
  auto a = std::make_shared<RunArgs>();
  cmd->add_option("config", a->config, "TOML config (docs/multislice.md lists the keys)")->required();
  cmd->add_option("-o,--output", a->output, "HDF5 result file (default: the config's name with .h5, here)");
  cmd->add_option("--cxi", a->cxi, "Also write the pixelated detector's 4D-STEM data as a CXI ptychography file");
  cmd->add_flag("!--no-pictures", a->pictures, "Do not write PNG pictures");
  cmd->add_flag("!--no-report", a->report, "Do not write the HTML report (OUT_report.html)");
  cmd->add_option("--resume", a->resume,
                  "Continue a stopped or killed STEM run from its partial result (OUT.partial), skipping the batches done");
  cmd->add_option("--profile", a->profile,
                  "Write PREFIX_trace.json (a span per chunk and worker), PREFIX_resources.csv (CPU, memory, GPU over "
                  "time) and PREFIX_profile.png (both drawn)");
  cmd->add_option("--trace", a->trace,
                  "Write a Chrome trace (JSON; Perfetto and chrome://tracing open it): one span per chunk of work");
  add_live_options(*cmd, a->live);
  cmd->callback([a] { run(*a); });
}

}  // namespace phasis::cli
