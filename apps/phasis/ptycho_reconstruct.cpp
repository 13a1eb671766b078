// phasis ptycho reconstruct IN.cxi -o OUT.h5: reconstruction by any registered solver with progress, result
// file and pictures.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>

#include "checkpoint_writer.hpp"
#include "commands.hpp"
#include "live_options.hpp"
#include "phasis/comm/mpi.hpp"
#include "phasis/core/array.hpp"
#include "phasis/core/device.hpp"
#include "phasis/core/error.hpp"
#include "phasis/exec/events.hpp"
#include "phasis/exec/interrupt.hpp"
#include "phasis/io/cxi.hpp"
#include "phasis/ptycho/counting.hpp"
#include "phasis/monitor/render.hpp"
#include "phasis/monitor/report.hpp"
#include "phasis/ptycho/chain.hpp"
#include "phasis/ptycho/distributed.hpp"
#include "phasis/ptycho/dm.hpp"
#include "phasis/ptycho/output.hpp"
#include "phasis/ptycho/lsqml.hpp"
#include "phasis/ptycho/ml.hpp"
#include "phasis/ptycho/pie.hpp"
#include "phasis/ptycho/problem.hpp"
#include "phasis/ptycho/reconstruct.hpp"
#include "phasis/ptycho/streaming.hpp"

namespace phasis::cli {

namespace {

struct ReconstructArgs {
  std::string input, output, algorithm = "dm", device = "auto", precision = "float";
  DmOptions dm;  // the options every solver shares, and DM's (ER's) own
  double raar_beta = RaarOptions().beta;
  std::optional<double> pie_alpha, pie_beta;  // unset: each engine's default (epie 1, 1; rpie 0.1, 1)
  int64_t mini_batch = PieOptions().mini_batch;
  uint64_t seed = PieOptions().seed;
  std::string noise = "poisson";
  double smoothness = MlOptions().object_smoothness;
  std::optional<int64_t> lsqml_batch;  // unset: LSQML's default (LsqmlOptions::mini_batch)
  std::string partition = "spatial";
  std::string devices_text;
  double gpu_memory_gib = 0;
  std::string reduce = "auto";
  int threads = 0;
  std::string trace;
  std::string probe_file;
  std::string fourier_relax = "auto";  // a number of Poisson variances, or auto (ptycho/counting.hpp)
  std::string probe_model;         // --probe-model: aperture | gaussian (the simulator's optics)
  SimulationOptions probe_model_options;
  int checkpoint_every = 0;
  std::string resume;
  bool pictures = true, quiet = false, report = true;
  LiveArgs live;
  StreamOptions stream;  // input tcp://HOST:PORT: frames arrive while the solver runs
};

bool is_stream_address(const std::string& input) {
  return input.rfind("tcp://", 0) == 0 || input.rfind("ipc://", 0) == 0 || input.rfind("file:", 0) == 0;
}

/// Frames received and frames in the solver per iteration, beside the output: OUT_stream.csv.
void write_stream_timeline(const std::string& path, const StreamStats& s) {
  std::ofstream f(path + ".tmp");
  // Arrivals are wall-clock times (seconds since 1970), written to the microsecond.
  f << "seconds,iteration,received,in_solver,grow_seconds,newest_arrival,oldest_arrival\n";
  char arrivals[64];
  for (const StreamSample& x : s.timeline) {
    std::snprintf(arrivals, sizeof arrivals, "%.6f,%.6f", x.newest_arrival, x.oldest_arrival);
    f << x.t << ',' << x.iteration << ',' << x.received << ',' << x.in_solver << ',' << x.grow_seconds << ',' << arrivals
      << '\n';
  }
  f.close();
  if (!f || std::rename((path + ".tmp").c_str(), path.c_str()) != 0) {
    std::remove((path + ".tmp").c_str());
    throw InputError("stream timeline " + path + ": expected a writable file; found it could not be written");
  }
}

/// "0,1" -> {0, 1}; empty -> {}.
std::vector<int> parse_devices(const std::string& text) {
  std::vector<int> out;
  size_t at = 0;
  while (at < text.size()) {
    const size_t end = std::min(text.find(',', at), text.size());
    const std::string word = text.substr(at, end - at);
    char* stop = nullptr;
    const long v = std::strtol(word.c_str(), &stop, 10);
    if (word.empty() || *stop || v < 0 || v > 1024)
      throw InputError("--devices: expected GPU numbers separated by commas (e.g. 0,1); found '" + text + "'");
    out.push_back(int(v));
    at = end + 1;
  }
  return out;
}

void run(const ReconstructArgs& a) {
  const bool streamed = is_stream_address(a.input);
  if (!streamed) require_input_file(a.input, "input CXI file");
  require_output_path(a.output, streamed ? "" : a.input);
  if (streamed) require_output_path(path_stem(a.output) + "_stream.csv");
  if (a.dm.iterations < 1) throw InputError("--iterations: expected at least 1; found " + std::to_string(a.dm.iterations));
  const Device device = parse_device(a.device, a.threads);
  const Precision precision = parse_precision(a.precision);

  // Progress (rate and ETA) on stdout: redrawn on a terminal, a line per iteration elsewhere (only the
  // last with --quiet); with --trace, every part's iterations as spans of a Chrome trace.
  exec::ProgressBar bar(stdout, a.quiet ? 1e300 : 0.0);
  exec::ChromeTrace trace(comm::Mpi().rank());
  if (a.checkpoint_every < 0)
    throw InputError("--checkpoint-every: expected iterations >= 0 (0: none); found " + std::to_string(a.checkpoint_every));
  // The state goes to OUT.checkpoint.h5 every N iterations and when a stop request ends the run.
  CheckpointWriter checkpoint(path_stem(a.output) + ".checkpoint.h5",
                              CheckpointInfo{0, 0, 0, 0, a.algorithm, a.precision, a.input});
  require_output_path(checkpoint.path(), a.input);
  if (!a.trace.empty()) require_output_path(a.trace, a.input);
  // The live view listens before any work: a port in use ends the command here.
  std::unique_ptr<monitor::LiveView> live = start_live(a.live, "ptycho reconstruct " + a.input);
  exec::FanOut events({&bar, a.trace.empty() ? nullptr : &trace, live.get()});
  if (live) {
    live->set_info("input", a.input);
    live->set_info("output", a.output);
    live->set_info("algorithm", a.algorithm);
    live->set_info("device", a.device + " (" + a.precision + ")");
  }
  const double started = exec::now_seconds();
  auto announce = [&](const DistributedRun& r) {
    checkpoint.set_geometry(r.layout.origin_y, r.layout.origin_x, r.layout.pixel_y_m, r.layout.pixel_x_m);
    if (live)
      live->show(exec::Snapshot{"coverage", 0, monitor::scan_coverage(r.layout.offsets, r.frame_size, r.layout.object_h,
                                                                      r.layout.object_w)});
    // Printed by the writer once the partition is known, before the first iteration.
    const int64_t n = r.layout.offsets.shape()[0];
    std::printf("%lld frames of %lld x %lld; object %lld x %lld; %s on %s (%s)", (long long)n, (long long)r.frame_size,
                (long long)r.frame_size, (long long)r.layout.object_h, (long long)r.layout.object_w, a.algorithm.c_str(),
                kind_name(device), a.precision.c_str());
    if (r.parts > 1) std::printf("; %d parts, %s partition, sums by %s\n%s", r.parts, a.partition.c_str(),
                                 r.reduction.c_str(), describe(r.partition).c_str());
    else std::printf("\n");
    std::fflush(stdout);
  };
  DmOptions dm = a.dm;
  // auto: the power bound for photon counts (counting.hpp); streams: the frames are not there yet.
  const FourierRelax relax = parse_fourier_relax(a.fourier_relax);
  std::string relax_note;
  dm.fourier_relax = !relax.automatic ? relax.value : streamed ? 0.0 : counting_relax(a.input, relax_note);
  if (!relax_note.empty() && !a.quiet) std::printf("%s\n", relax_note.c_str());
  if (!(a.gpu_memory_gib >= 0)) throw InputError("--gpu-memory: expected >= 0 GiB; found " + std::to_string(a.gpu_memory_gib));
  dm.device_memory_limit = int64_t(a.gpu_memory_gib * double(1ll << 30));
  DistributedOptions dist;
  dist.partition = a.partition;
  dist.devices = parse_devices(a.devices_text);
  dist.reduce = a.reduce;
  if (!a.probe_file.empty()) require_input_file(a.probe_file, "probe file");
  dist.probe_file = a.probe_file;
  if (!a.probe_model.empty()) {
    if (!a.probe_file.empty()) throw InputError("--probe-model and --probe: expected one start for the probe; found both");
    dist.probe_model = a.probe_model;
    dist.probe_model_options = a.probe_model_options;
    // The name now, before any reading; the numbers against the file's frame size when it is read.
    if (a.probe_model != "aperture" && a.probe_model != "gaussian")
      throw InputError("probe model: expected aperture or gaussian; found '" + a.probe_model + "'");
  }
  // --resume: a checkpoint continues its run where it stopped (the same chain, its stage and
  // iteration, for dm/raar/er its exit waves); a result's object and probe start a new run.
  std::shared_ptr<SolverStart> resumed;
  if (!a.resume.empty()) {
    require_input_file(a.resume, "result or checkpoint to resume");
    if (!a.probe_file.empty() || !a.probe_model.empty())
      throw InputError(std::string("--resume and ") + (a.probe_file.empty() ? "--probe-model" : "--probe") +
                       ": expected one start for the probe; found both");
    std::string was;
    resumed = std::make_shared<SolverStart>(read_start(a.resume, &was));
    if (!was.empty()) {
      const auto then = parse_chain(was, a.dm.iterations), now = parse_chain(a.algorithm, a.dm.iterations);
      bool same = size_t(resumed->stage) < now.size() && resumed->stage < int(then.size());
      for (int st = 0; same && st <= resumed->stage; ++st) same = then[st].first == now[st].first;
      if (!same)
        throw InputError("--resume '" + a.resume + "': expected --algorithm of the checkpoint's run ('" + was +
                         "', at its stage " + std::to_string(resumed->stage + 1) + "); found '" + a.algorithm + "'");
    }
    std::printf("resuming from %s (%zu iterations done there%s)\n", a.resume.c_str(), resumed->errors.size(),
                was.empty() ? "; a new run from its object and probe"
                            : resumed->exit_waves.size() ? "; exit waves included: continues exactly" : "; object and probe");
  }
  // One solver or a chain ("dm:50,er:20"): each stage its solver's own options, the shared ones
  // from the flags, its iterations from the chain (else --iterations).
  SolverSettings settings;
  settings.shared = dm;
  settings.raar_beta = a.raar_beta;
  settings.pie_alpha = a.pie_alpha;
  settings.pie_beta = a.pie_beta;
  settings.mini_batch = a.mini_batch;
  settings.seed = a.seed;
  settings.noise = a.noise == "gaussian" ? NoiseModel::gaussian : NoiseModel::poisson;
  settings.smoothness = a.smoothness;
  settings.lsqml_batch = a.lsqml_batch;
  // Every iteration may send snapshots to the live view, when its encoder is free (none is copied
  // for nobody); checkpoints take the solver's state through their policy, not snapshots.
  const SolverChain chain = make_chain(a.algorithm, settings, resumed, live ? 1 : 0, checkpoint.policy(a.checkpoint_every));
  int planned = 0;
  for (const SolverStage& stage : chain) planned += stage.options->iterations;
  // Ctrl-C or SIGTERM: the iteration in progress ends, the result so far is written as usual.
  const exec::InterruptGuard interrupts;
  exec::clear_stop();
  DistributedRun run;
  StreamStats stream_stats;
  if (streamed) {
    // The object box grows with the scan: the coverage picture follows it; the line is printed once.
    bool announced = false;
    auto on_layout = [&](const ScanLayout& layout, int64_t m) {
      DistributedRun r;
      static_cast<ScanLayout&>(r.layout) = ScanLayout{layout.object_h, layout.object_w, layout.origin_y, layout.origin_x,
                                                      layout.pixel_y_m, layout.pixel_x_m, layout.offsets.to(Memory::host),
                                                      layout.positions.to(Memory::host)};
      r.frame_size = m;
      if (!announced) announce(r);
      checkpoint.set_geometry(layout.origin_y, layout.origin_x, layout.pixel_y_m, layout.pixel_x_m);
      if (announced && live)
        live->show(exec::Snapshot{"coverage", 0, monitor::scan_coverage(layout.offsets, m, layout.object_h, layout.object_w)});
      announced = true;
    };
    if (!a.probe_file.empty() || !a.probe_model.empty())
      throw InputError("--probe or --probe-model with a stream: expected the probe in the stream's header; found one");
    if (!dist.devices.empty() || a.partition != "spatial" || a.reduce != "auto")
      throw InputError("streaming input: expected one part (no --devices, --partition, --reduce); found them set");
    StreamOptions so = a.stream;
    so.address = a.input;
    StreamRun sr = reconstruct_stream(so, chain, device, precision, &events, on_layout);
    run.result = std::move(sr.result);
    run.layout = std::move(sr.layout);
    run.frame_size = sr.frame_size;
    run.probe_from_file = sr.probe_from_file;
    run.probe_source = sr.probe_source;
    run.probe_scale = sr.probe_scale;
    run.reduction = "none";
    stream_stats = std::move(sr.stats);
    const StreamStats& st = stream_stats;
    std::printf("stream: %lld frames received%s%s, %lld dropped as malformed, %lld repeated; %s; %lld iterations on all of "
                "them; object %lld x %lld\n",
                (long long)st.received, st.expected ? " of " : "", st.expected ? std::to_string(st.expected).c_str() : "",
                (long long)st.malformed, (long long)st.duplicates,
                st.ended ? "ended by its end message" : st.went_silent ? "ended by silence (no end message)" : "stopped on request",
                (long long)st.iterations_after_last, (long long)run.layout.object_h, (long long)run.layout.object_w);
  } else {
    run = reconstruct_distributed(a.input, chain, device, precision, dist, &events, announce);
  }
  const int stop_code = 128 + (exec::stop_signal() ? exec::stop_signal() : 2);
  if (!a.trace.empty()) {
    // Every rank holds its own parts' spans: rank 0 writes FILE, rank r FILE.rank<r> beside it.
    const int rank = comm::Mpi().rank();
    for (int p = 0; p < run.parts; ++p) trace.name_worker(p, "part " + std::to_string(p));
    trace.write(rank == 0 ? a.trace : a.trace + ".rank" + std::to_string(rank));
  }
  if (!run.writer) {
    if (run.result.interrupted) throw StoppedEarly{stop_code};
    return;
  }
  DmResult& result = run.result;
  PtychoProblem problem;
  problem.frames = run.layout.offsets.shape()[0];
  static_cast<ScanLayout&>(problem) = std::move(run.layout);
  problem.probe_from_file = run.probe_from_file;

  nlohmann::json params = {{"algorithm", a.algorithm},
                           {"iterations", int(result.fourier_error.size())},
                           {"interrupted", result.interrupted},
                           {"device", kind_name(device)},
                           {"precision", a.precision},
                           {"probe_modes", a.dm.probe_modes},
                           {"object_modes", a.dm.object_modes},
                           {"orthogonalize_every", a.dm.orthogonalize_every},
                           {"probe_start", a.dm.probe_start},
                           {"overlap_iterations", a.dm.overlap_iterations},
                           {"fuse_exit_update", a.dm.fuse_exit_update},
                           {"fused_fourier", a.dm.fused_fourier},
                           {"object_gather", a.dm.object_gather},
                           {"object_inertia", a.dm.object_inertia},
                           {"probe_inertia", a.dm.probe_inertia},
                           {"fourier_relax", dm.fourier_relax},
                           {"modulus_gain_limit", a.dm.modulus_gain_limit},
                           {"batch_frames", a.dm.batch_frames},
                           {"gpu_memory_gib", a.gpu_memory_gib},
                           {"streamed", result.streamed},
                           {"fourier_path", result.fourier_path},
                           {"threads", a.threads},
                           {"parts", run.parts},
                           {"partition", a.partition},
                           {"reduce", a.reduce},
                           {"reduction", run.reduction},
                           {"probe_from_file", problem.probe_from_file},
                           {"probe_source", run.probe_source},
                           {"probe_scale", run.probe_scale},
                           {"probe_support_radius", a.dm.probe_support_radius},
                           {"probe_pupil", a.dm.probe_pupil},
                           {"probe_recentre_every", a.dm.probe_recentre_every},
                           {"resumed_from", a.resume},
                           {"checkpoint_every", a.checkpoint_every}};
  if (a.algorithm.find("raar") != std::string::npos) params["raar_beta"] = a.raar_beta;
  if (a.algorithm.find("ml") != std::string::npos) params["noise"] = a.noise, params["object_smoothness"] = a.smoothness;
  if (a.algorithm.find("lsqml") != std::string::npos) {
    params["lsqml_batch"] = a.lsqml_batch ? *a.lsqml_batch : LsqmlOptions().mini_batch;
    params["seed"] = a.seed;
  }
  if (a.dm.refine_positions_from >= 0) {
    params["refine_positions_from"] = a.dm.refine_positions_from;
    params["position_step_limit"] = a.dm.position_step_limit;
    params["position_affine_gain"] = a.dm.position_affine_gain;
    params["position_affine_weight"] = a.dm.position_affine_weight;
  }
  if (a.algorithm.find("pie") != std::string::npos) {
    params["mini_batch"] = a.mini_batch;
    params["seed"] = a.seed;
    if (a.pie_alpha) params["pie_alpha"] = *a.pie_alpha;
    if (a.pie_beta) params["pie_beta"] = *a.pie_beta;
  }
  if (streamed) {
    const StreamStats& st = stream_stats;
    params["stream"] = {{"expected", st.expected},     {"received", st.received},
                        {"malformed", st.malformed},   {"duplicates", st.duplicates},
                        {"ended", st.ended},           {"went_silent", st.went_silent},
                        {"iterations_after_last", st.iterations_after_last},
                        {"first_frame_s", st.first_frame_s}, {"last_frame_s", st.last_frame_s},
                        {"start_frames", a.stream.start_frames}, {"silence_s", a.stream.silence_s}};
  }
  write_reconstruction(a.output, result, problem, a.input, params.dump());
  if (streamed) write_stream_timeline(path_stem(a.output) + "_stream.csv", stream_stats);  // after the result
  double total = 0;
  for (double s : result.iteration_seconds) total += s;
  // The solver's own error (DM's: its step) beside the R-factor, the data misfit every solver shares.
  std::printf("wrote %s (%.2f s, %.1f ms/iteration, final error %.4e, R-factor %.4f)\n", a.output.c_str(), total,
              1e3 * total / result.iteration_seconds.size(), result.fourier_error.back(), result.r_factor);
  if (a.dm.refine_positions_from >= 0 && result.positions.size() == result.positions_given.size()) {
    // The mean move is a translation of the whole scan (not observable); the RMS is of the rest.
    const int64_t n = result.positions.shape()[0];
    double my = 0, mx = 0, ss = 0, largest = 0;
    for (int64_t j = 0; j < n; ++j)
      my += result.positions[2 * j] - result.positions_given[2 * j], mx += result.positions[2 * j + 1] - result.positions_given[2 * j + 1];
    my /= double(n), mx /= double(n);
    for (int64_t j = 0; j < n; ++j) {
      const double dy = result.positions[2 * j] - result.positions_given[2 * j] - my;
      const double dx = result.positions[2 * j + 1] - result.positions_given[2 * j + 1] - mx;
      ss += dy * dy + dx * dx, largest = std::max(largest, std::hypot(dy, dx));
    }
    std::printf("positions refined: moved %.3f px RMS (largest %.2f px) after removing the mean move (%.3f, %.3f) px\n",
                std::sqrt(ss / double(n)), largest, my, mx);
  }
  if (result.occupancy.size() > 1) {
    std::printf("probe mode occupancy:");
    for (double o : result.occupancy) std::printf(" %.1f%%", 100 * o);
    std::printf("\n");
  }
  if (a.pictures) write_pictures_or_warn([&] {
    const std::string stem = write_reconstruction_pictures(a.output, result, &problem);
    std::printf("pictures: %s_{object_phase,object_amplitude,probe%s%s%s}.png\n", stem.c_str(),
                result.occupancy.size() > 1 ? ",probe_occupancy" : "", result.fourier_error.size() > 1 ? ",error" : "",
                result.positions.empty() ? "" : ",positions");
    if (!result.positions.empty())
      std::printf("positions picture: moves drawn %.0f times their length\n", kPositionExaggeration);
  });
  const double wall = exec::now_seconds() - started;
  // The view's last pictures are the result's (a stop request skips the last snapshot).
  const int64_t done = int64_t(result.fourier_error.size());
  if (live) {
    live->show(exec::snapshot_of("object", done - 1, result.object));
    live->show(exec::snapshot_of("probe", done - 1, result.probe));
  }
  if (a.report) write_pictures_or_warn([&] {
    monitor::Report report;
    report.title = "phasis ptycho reconstruct: " + a.input;
    char line[96];
    report.summary = {{"input", a.input}, {"output", a.output}, {"algorithm", a.algorithm},
                      {"device", std::string(kind_name(device)) + " (" + a.precision + ")" +
                                     (run.parts > 1 ? ", " + std::to_string(run.parts) + " parts" : "")}};
    std::snprintf(line, sizeof line, "%lld of %lld x %lld; object %lld x %lld", (long long)problem.frames,
                  (long long)run.frame_size, (long long)run.frame_size, (long long)problem.object_h, (long long)problem.object_w);
    report.summary.emplace_back("frames", line);
    report.summary.emplace_back("iterations", std::to_string(done) + " of " + std::to_string(planned) +
                                                  (result.interrupted ? " (stopped on request)" : ""));
    std::snprintf(line, sizeof line, "%.4e", result.fourier_error.back());
    report.summary.emplace_back("final error", line);
    std::snprintf(line, sizeof line, "%.4f (sum |a - A| / sum A over valid pixels)", result.r_factor);
    report.summary.emplace_back("R-factor", line);
    if (result.occupancy.size() > 1) {
      std::string occ;
      for (double o : result.occupancy) std::snprintf(line, sizeof line, "%s%.1f%%", occ.empty() ? "" : " ", 100 * o), occ += line;
      report.summary.emplace_back("probe mode occupancy", occ);
    }
    monitor::Renderer renderer;
    const Array<float> coverage = monitor::scan_coverage(problem.offsets, run.frame_size, problem.object_h, problem.object_w);
    renderer.coverage = &coverage;
    auto add = [&](const exec::Snapshot& snap) {
      for (monitor::Picture& p : renderer.render(snap)) report.pictures.push_back(std::move(p));
    };
    add(exec::snapshot_of("object", done - 1, result.object));
    add(exec::snapshot_of("probe", done - 1, result.probe));
    add(exec::snapshot_of("coverage", 0, coverage));
    report.curves.push_back({"error", "iteration", result.fourier_error});
    if (streamed) {
      std::vector<double> received, in_solver;
      for (const StreamSample& x : stream_stats.timeline) received.push_back(double(x.received)), in_solver.push_back(double(x.in_solver));
      report.curves.push_back({"frames received", "iteration", received});
      report.curves.push_back({"frames in the solver", "iteration", in_solver});
    }
    double iterating = 0;
    for (double t : result.iteration_seconds) iterating += t;
    report.timings = {{"whole run (wall clock)", wall}, {"iterations", iterating},
                      {"mean iteration", iterating / double(done)}, {"reading, setup and writing", wall - iterating}};
    report.parameters_json = params.dump();
    if (live) {
      const monitor::LiveStats ls = live->stats();
      std::snprintf(line, sizeof line, "live view: %lld snapshots encoded, %.1f ms mean, %.1f ms longest",
                    (long long)ls.snapshots, ls.snapshots ? 1e3 * ls.encode_seconds_total / double(ls.snapshots) : 0.0,
                    1e3 * ls.encode_seconds_max);
      report.notes.push_back(line);
    }
    const std::string path = path_stem(a.output) + "_report.html";
    monitor::write_html_report(path, report);
    std::printf("report: %s\n", path.c_str());
  });
  if (live) live->finish(result.interrupted ? "stopped" : "done");
  if (result.interrupted && checkpoint.written()) {
    // The checkpoint holds the state after the last iteration: the way to continue.
    std::printf("stopped on request after %zu of %d iterations; the result so far is in %s; to continue, run the same "
                "command with --resume %s\n", result.fourier_error.size(), planned, a.output.c_str(), checkpoint.path().c_str());
    std::fflush(stdout);
    throw StoppedEarly{stop_code};
  }
  checkpoint.remove();  // the result holds everything it had
  std::error_code same_error;
  if (!result.interrupted && !a.resume.empty() && std::filesystem::equivalent(a.resume, checkpoint.path(), same_error))
    std::filesystem::remove(a.resume, same_error);  // this run's own checkpoint, resumed and now done
  if (result.interrupted) {
    std::printf("stopped on request after %zu of %d iterations; the result so far is in %s\n", result.fourier_error.size(),
                planned, a.output.c_str());
    std::fflush(stdout);
    throw StoppedEarly{stop_code};
  }
}

}  // namespace

void add_ptycho_reconstruct(CLI::App& ptycho) {
  auto* cmd = ptycho.add_subcommand("reconstruct", "Reconstruct object and probe from a CXI ptychography file");
  auto a = std::make_shared<ReconstructArgs>();
  cmd->add_option("input", a->input,
                  "CXI file with frames, positions and geometry; or tcp://HOST:PORT to listen on for a frame stream, "
                  "or file:PATH.cxi to follow a CXI file another process is writing (HDF5 SWMR) "
                  "(phasis ptycho replay; docs/ptychography.md)")->required();
  cmd->add_option("-o,--output", a->output, "HDF5 result file (PNGs are written beside it)")->required();
  cmd->add_option("--algorithm", a->algorithm,
                  "Solver: dm (Difference Map), raar (relaxed averaged alternating reflections), er (error reduction), "
                  "epie, rpie (ptychographic iterative engines), ml (maximum likelihood), lsqml (least-squares maximum "
                  "likelihood, mini-batches); or a chain, each stage from "
                  "where the one before stopped: dm:50,ml:50")
      ->check(CLI::Validator(
          [](std::string& text) {
            try {
              parse_chain(text, 1);
              return std::string();
            } catch (const InputError& e) {
              return std::string(e.what());
            }
          },
          "SOLVER[:N],...", "algorithm"))
      ->capture_default_str();
  cmd->add_option("--raar-beta", a->raar_beta, "RAAR's relaxation beta in (0, 1] (1 is DM)")->capture_default_str();
  cmd->add_option("--pie-alpha", a->pie_alpha,
                  "ePIE: object step; rPIE: weight of max|P|^2 in the object's denominator; in (0, 1] "
                  "(default: epie 1, rpie 0.1)");
  cmd->add_option("--pie-beta", a->pie_beta, "ePIE: probe step; rPIE: weight of max|O|^2; in (0, 1] (default 1)");
  cmd->add_option("--mini-batch", a->mini_batch,
                  "ePIE/rPIE: frames updated together (1: the sequential engines; 0: the whole scan)")
      ->capture_default_str();
  cmd->add_option("--lsqml-batch", a->lsqml_batch,
                  "LSQML: frames updated together, >= 1 (default " + std::to_string(LsqmlOptions().mini_batch) + ")");
  cmd->add_option("--noise", a->noise, "ML's and LSQML's noise model: poisson (photon counts) or gaussian (ML: on "
                  "intensities; LSQML: on amplitudes)")
      ->check(CLI::IsMember({"poisson", "gaussian"}))->capture_default_str();
  cmd->add_option("--smoothness", a->smoothness, "ML: weight of the object smoothness regulariser (0: off)")
      ->capture_default_str();
  cmd->add_option("--seed", a->seed, "ePIE/rPIE/LSQML: seed of the random frame order of every iteration")->capture_default_str();
  cmd->add_option("--iterations", a->dm.iterations, "Number of iterations (streaming input: iterations on the complete set, after the last frame)")->capture_default_str();
  cmd->add_option("--refine-positions-from", a->dm.refine_positions_from,
                  "ePIE/rPIE: refine scan positions from this iteration (0-based, counted over a chain) on; -1: never")
      ->capture_default_str();
  cmd->add_option("--position-step-limit", a->dm.position_step_limit,
                  "Largest move of one position in one iteration, object pixels")->capture_default_str();
  cmd->add_option("--position-affine-gain", a->dm.position_affine_gain,
                  "Take the affine part (scale, rotation, shear) of each iteration's position steps this many times, "
                  "in [1, 100]")->capture_default_str();
  cmd->add_option("--position-affine-weight", a->dm.position_affine_weight,
                  "Pull positions toward the affine scan model by this fraction per iteration, in [0, 1]")
      ->capture_default_str();
  cmd->add_option("--device", a->device, "cpu, cuda (GPU 0), cuda:N, or auto (cuda when a GPU is present)")
      ->check(CLI::Validator(
          [](std::string& text) {
            try {
              parse_device(text);
              return std::string();
            } catch (const InputError& e) {
              return std::string(e.what());
            }
          },
          "DEVICE", "device"))
      ->capture_default_str();
  cmd->add_option("--precision", a->precision, "float or double")->check(CLI::IsMember({"float", "double"}))
      ->capture_default_str();
  cmd->add_option("--probe-modes", a->dm.probe_modes, "Mutually incoherent probe modes (fly scans, partial coherence)")
      ->capture_default_str();
  cmd->add_option("--object-modes", a->dm.object_modes, "Object modes")->capture_default_str();
  cmd->add_option("--orthogonalize-every", a->dm.orthogonalize_every,
                  "Iterations between probe-mode orthogonalisations")->capture_default_str();
  cmd->add_option("--probe-start", a->dm.probe_start, "First iteration (0-based) that updates the probe")
      ->capture_default_str();
  cmd->add_option("--overlap-iterations", a->dm.overlap_iterations, "Object/probe alternations per iteration")
      ->capture_default_str();
  cmd->add_flag("--fuse-exit-update,!--no-fuse-exit-update", a->dm.fuse_exit_update,
                "Update the exit waves and scatter them into the object in one pass (default; off: separate passes)");
  cmd->add_flag("--fused-fourier,!--no-fused-fourier", a->dm.fused_fourier,
                "Fourier pass in phasis' fused FFT kernels (default; float CUDA, one mode, 256 x 256 frames, "
                "fourier relax 0; other runs ignore it; off: cuFFT and separate passes)");
  cmd->add_flag("--object-gather,!--no-object-gather", a->dm.object_gather,
                "Sum the object per object pixel over the frames above it (default; off: scatter with atomic adds)");
  cmd->add_option("--object-inertia", a->dm.object_inertia, "Object update inertia, relative to the mean weight")
      ->capture_default_str();
  cmd->add_option("--probe-inertia", a->dm.probe_inertia, "Probe update inertia, relative to the mean weight")
      ->capture_default_str();
  cmd->add_option("--fourier-relax", a->fourier_relax,
                  "Noisy data: leave frames that fit to within this many Poisson variances (0: exact projection; "
                  "auto: 1 when the data are photon counts, integers, else 0)")
      ->capture_default_str();
  cmd->add_option("--partition", a->partition,
                  "How frames are split over GPUs and MPI ranks: spatial (compact regions) or interleaved")
      ->check(CLI::IsMember({"spatial", "interleaved"}))->capture_default_str();
  cmd->add_option("--reduce", a->reduce,
                  "What parts exchange: whole (all-reduce the object sums), regions (only overlaps with neighbours), "
                  "auto (regions for a spatial partition)")
      ->check(CLI::IsMember({"auto", "whole", "regions"}))->capture_default_str();
  // One comma-separated word (parsed in run()), so that an input file after it is not taken for a device.
  cmd->add_option("--devices", a->devices_text, "GPUs this process drives, a part each (e.g. --devices 0,1)");
  cmd->add_option("--modulus-gain-limit", a->dm.modulus_gain_limit,
                  "Largest factor the modulus step may raise a Fourier amplitude by (0: exact projection)")
      ->capture_default_str();
  cmd->add_option("--batch-frames", a->dm.batch_frames, "Frames per FFT batch (0: from memory)")->capture_default_str();
  cmd->add_option("--threads", a->threads, "CPU threads (0: all)")->capture_default_str();
  cmd->add_option("--gpu-memory", a->gpu_memory_gib,
                  "GPU memory the solver may use, GiB (0: 90% of free); frames that do not fit stream from host memory")
      ->capture_default_str();
  cmd->add_option("--probe", a->probe_file,
                  "Start from the probe in this HDF5 file (a CXI probe location, or a phasis result's probe); "
                  "it is scaled to the mean frame power");
  cmd->add_option("--probe-support", a->dm.probe_support_radius,
                  "Probe support: zero outside a disc of this radius about the frame's centre, pixels (0: none; dm, raar, er, epie, rpie, lsqml)")
      ->capture_default_str();
  cmd->add_option("--probe-recentre-every", a->dm.probe_recentre_every,
                  "Every N iterations move probe and object back together when the probe's centroid is a pixel or more off "
                  "the frame's centre (0: never; dm, raar, er, epie, rpie, lsqml)")
      ->capture_default_str();
  cmd->add_option("--probe-pupil", a->dm.probe_pupil,
                  "Probe support in Fourier space: zero spectrum beyond this fraction of the detector half-width (0: none)")
      ->capture_default_str();
  cmd->add_option("--probe-model", a->probe_model,
                  "Start from a model of the optics instead of the file's probe (none there: the mean pattern's): "
                  "aperture (a pupil defocused to --probe-diameter) or gaussian (--gaussian-sigma); scaled to the mean frame power");
  cmd->add_option("--probe-diameter", a->probe_model_options.probe_diameter_px,
                  "--probe-model aperture: the defocused spot's diameter, object pixels (0: 0.3 M)")->capture_default_str();
  cmd->add_option("--aperture-fraction", a->probe_model_options.aperture_fraction,
                  "--probe-model aperture: pupil radius over the detector half-width")->capture_default_str();
  cmd->add_option("--gaussian-sigma", a->probe_model_options.gaussian_sigma_px,
                  "--probe-model gaussian: sigma, object pixels (0: M / 10)")->capture_default_str();
  cmd->add_flag("!--no-pictures", a->pictures, "Do not write PNG pictures");
  cmd->add_flag("!--no-report", a->report, "Do not write the HTML report (OUT_report.html: pictures, curves, parameters, timings)");
  add_live_options(*cmd, a->live);
  cmd->add_option("--stream-start", a->stream.start_frames,
                  "Streaming input: start iterating once this many frames arrived (0: a tenth of the header's count)")
      ->capture_default_str();
  cmd->add_option("--stream-silence", a->stream.silence_s,
                  "Streaming input: seconds without a message after which the source counts as stopped")
      ->capture_default_str();
  cmd->add_option("--stream-wait", a->stream.header_wait_s, "Streaming input: seconds to wait for the stream's header")
      ->capture_default_str();
  cmd->add_option("--checkpoint-every", a->checkpoint_every,
                  "Every N iterations write the run's state (object, probe; for dm, raar, er the exit waves) to "
                  "OUT.checkpoint.h5, as Ctrl-C or SIGTERM also does (removed when the run ends; continue a killed or "
                  "stopped run with --resume OUT.checkpoint.h5)")
      ->capture_default_str();
  cmd->add_option("--resume", a->resume,
                  "A checkpoint of this scan: continue its run to the planned iterations (dm, raar, er exactly as if "
                  "uninterrupted); or a result file: start a new run from its object and probe");
  cmd->add_option("--trace", a->trace,
                  "Write a Chrome trace (JSON; Perfetto and chrome://tracing open it): one span per iteration and part");
  cmd->add_flag("-q,--quiet", a->quiet, "Print only the last iteration");
  auto config = add_config_option(*cmd);
  cmd->callback([cmd, config, a] {
    apply_config(*cmd, *config);
    run(*a);
  });
}

}  // namespace phasis::cli
