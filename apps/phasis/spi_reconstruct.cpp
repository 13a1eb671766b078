// phasis spi reconstruct DATA.h5 -o MODEL.h5: M-TIP (slicing, matching, merging, phasing) over
// generations; the model file, a CCP4/MRC map and pictures of the density.
#include <omp.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "phasis/comm/mpi.hpp"
#include "phasis/core/array.hpp"  // cuda_device_count
#include "phasis/core/device.hpp"
#include "phasis/core/error.hpp"
#include "phasis/exec/events.hpp"
#include "phasis/monitor/report.hpp"
#include "live_options.hpp"
#include "phasis/exec/interrupt.hpp"
#include "phasis/spi/dataset.hpp"
#include "phasis/spi/matching.hpp"
#include "phasis/spi/orientations.hpp"
#include "phasis/spi/output.hpp"

namespace phasis::cli {

namespace {
struct SpiArgs {
  std::string input, output;
  spi::MtipSettings s;
  int threads = 0;
  std::string device = "cpu";
  std::string score = "euclidean";
  bool pictures = true, quiet = false, report = true;
  LiveArgs live;
  int checkpoint_every = 0;  // generations; 0: none
  std::string resume;
};

/// Every rank's orientations and reference indices, in image order, on every rank (collective).
void gather_orientations(comm::Mpi& mpi, int64_t total, int64_t count, spi::MtipResult& r) {
  const int parts = mpi.size();
  const int64_t longest = (total + parts - 1) / parts + 1;
  std::vector<double> mine(longest * 10, 0.0), all(longest * 10 * parts);
  for (int64_t i = 0; i < count; ++i) {
    std::copy(r.orientations[i].begin(), r.orientations[i].end(), mine.begin() + 10 * i);
    mine[10 * i + 9] = double(r.reference_index[i]);
  }
  mpi.all_gather(mine.data(), longest * 10 * int64_t(sizeof(double)), all.data(), Memory::host);
  r.orientations.clear(), r.reference_index.clear();
  for (int p = 0; p < parts; ++p)
    for (int64_t i = 0; i < total * (p + 1) / parts - total * p / parts; ++i) {
      const double* v = all.data() + (p * longest + i) * 10;
      spi::Rotation q;
      std::copy(v, v + 9, q.begin());
      r.orientations.push_back(q), r.reference_index.push_back(int64_t(v[9]));
    }
}

void run(const SpiArgs& a) {
  require_input_file(a.input, "input SPI data");
  require_output_path(a.output, a.input);
  if (a.threads < 0) throw InputError("--threads: expected 0 (all) or more; found " + std::to_string(a.threads));
  if (a.checkpoint_every < 0)
    throw InputError("--checkpoint-every: expected generations >= 0 (0: none); found " + std::to_string(a.checkpoint_every));
  const std::string stem = (std::filesystem::path(a.output).parent_path() / std::filesystem::path(a.output).stem()).string();
  const std::string checkpoint = stem + ".checkpoint.h5";
  if (a.checkpoint_every > 0) require_output_path(checkpoint, a.input);
  if (!a.resume.empty()) require_input_file(a.resume, "checkpoint to resume from");
  if (a.threads > 0) omp_set_num_threads(a.threads);
  spi::MtipSettings settings = a.s;
  settings.device = parse_device(a.device, a.threads);
  settings.score = spi::parse_score(a.score);
  // Under mpirun every rank reads and matches its own share of the images; the merge's sums are
  // summed over the ranks; rank 0 writes the result.
  comm::Mpi mpi;
  const int parts = mpi.size(), rank = mpi.rank();
  // Several ranks on one host, `--device cuda` without a number: each rank its own GPU, by its
  // place on the host (as ptycho reconstruct chooses).
  if (settings.device.is_cuda() && parts > 1 && a.device.find(':') == std::string::npos) {
    const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_RANK");
    const int count = cuda_device_count();
    if (local && count > 0) settings.device.index = std::atoi(local) % count;
  }
  // The live view listens before any work: a port in use ends the command here.
  std::unique_ptr<monitor::LiveView> live = start_live(a.live, "spi reconstruct " + a.input);
  if (live) live->set_info("input", a.input), live->set_info("output", a.output), live->set_info("device", a.device);
  const double started = exec::now_seconds();
  const int64_t total = spi::dataset_images(a.input);
  if (total < parts)
    throw InputError("spi reconstruct: expected at least one image per rank; found " + std::to_string(total) + " for " +
                     std::to_string(parts) + " ranks");
  const int64_t begin = total * rank / parts, end = total * (rank + 1) / parts;
  const spi::SpiDataset data = spi::read_dataset_part(a.input, begin, end);
  const spi::SpiImages images = spi::valid_pixels(data);
  exec::ProgressBar bar(stdout, a.quiet || rank > 0 ? 1e300 : 0.0);
  exec::NullSink quiet;
  exec::FanOut watched({&bar, live.get()});
  exec::EventSink* events = rank == 0 ? static_cast<exec::EventSink*>(&watched) : &quiet;
  if (rank == 0)
    std::printf("spi: %lld images, %lld valid pixels each, %lld reference orientations (spacing %.3g deg), grid %lld^3, "
              "GEMM %s, on %s\n",
              (long long)total, (long long)images.pixels, (long long)a.s.references,
              spi::reference_spacing(std::max<int64_t>(a.s.references, 1)) * 180 / M_PI, (long long)a.s.grid,
              settings.device.is_cuda() ? "cublas" : spi::gemm_library(), describe(settings.device).c_str());
  nlohmann::json p = {{"generations", a.s.generations},   {"references", a.s.references},
                      {"reference_batch", a.s.reference_batch}, {"grid", a.s.grid},
                      {"voxel", a.s.voxel},              {"particle_radius", a.s.particle_radius},
                      {"resolution_start", a.s.resolution_start}, {"ramp_generations", a.s.ramp_generations},
                      {"lambdas", a.s.merge.lambdas},    {"cg_iterations", a.s.merge.max_iterations},
                      {"phasing_cycles", a.s.phasing.cycles}, {"hio", a.s.phasing.hio_iterations},
                      {"er", a.s.phasing.er_iterations}, {"beta", a.s.phasing.beta},
                      {"shrinkwrap_sigma", a.s.phasing.sigma}, {"shrinkwrap_threshold", a.s.phasing.threshold},
                      {"seed", a.s.seed}, {"score", a.score}, {"ranks", parts}, {"device", describe(settings.device)}, {"warm_start", a.s.warm_start},                {"gemm", settings.device.is_cuda() ? "cublas" : spi::gemm_library()},
                      {"checkpoint_every", a.checkpoint_every}, {"resumed_from", a.resume}};
  // --resume: the state after the checkpoint's generations; this rank's share of its orientations.
  if (!a.resume.empty()) {
    spi::MtipResult from = spi::read_checkpoint(a.resume);
    if (int64_t(from.orientations.size()) != total)
      throw InputError("--resume '" + a.resume + "': expected the orientations of this data's " + std::to_string(total) +
                       " images; found " + std::to_string(from.orientations.size()));
    from.orientations = std::vector<spi::Rotation>(from.orientations.begin() + begin, from.orientations.begin() + end);
    from.reference_index = std::vector<int64_t>(from.reference_index.begin() + begin, from.reference_index.begin() + end);
    if (rank == 0) std::printf("resuming from %s (%zu generations done there)\n", a.resume.c_str(), from.generations.size());
    settings.resume = std::make_shared<const spi::MtipResult>(std::move(from));
  }
  // --checkpoint-every N: the state every N generations (every rank takes part in the gather), and
  // on a stop request in a run of one rank; rank 0 writes it.
  bool checkpointed = false;
  if (a.checkpoint_every > 0)
    settings.on_generation = [&](const spi::MtipResult& state) {
      const int done = int(state.generations.size());
      const bool due = done % a.checkpoint_every == 0 || (parts == 1 && exec::stop_requested());
      if (!due || done == a.s.generations) return;
      spi::MtipResult whole = state;
      if (parts > 1) gather_orientations(mpi, total, images.count, whole);
      nlohmann::json q = p;
      q["voxel"] = whole.voxel;
      if (rank == 0) spi::write_checkpoint(checkpoint, whole, a.input, q.dump()), checkpointed = true;
    };
  const exec::InterruptGuard interrupts;
  spi::MtipResult r = spi::reconstruct(images, settings, events, parts > 1 ? &mpi : nullptr);
  if (parts > 1) gather_orientations(mpi, total, images.count, r);  // every rank's, in image order
  if (rank > 0) {
    if (r.interrupted) throw StoppedEarly{128 + (exec::stop_signal() ? exec::stop_signal() : 2)};
    return;
  }
  p["voxel"] = r.voxel;
  p["interrupted"] = r.interrupted;
  spi::write_model(a.output, r, a.input, p.dump());
  spi::write_mrc(stem + ".mrc", r.density, r.n, r.voxel);
  if (a.pictures) write_pictures_or_warn([&] { spi::write_density_pictures(stem + "_density", r.density, r.n); });
  if (a.report) write_pictures_or_warn([&] {
    monitor::Report report;
    report.title = "phasis spi reconstruct: " + a.input;
    report.summary = {{"input", a.input}, {"output", a.output}, {"device", describe(settings.device)},
                      {"images", std::to_string(total)},
                      {"generations", std::to_string(r.generations.size()) + " of " + std::to_string(a.s.generations) +
                                          (r.interrupted ? " (stopped on request)" : "")},
                      {"grid", std::to_string(r.n) + "^3 at " + std::to_string(r.voxel) + " A"}};
    Array<float> d(Shape{r.n, r.n, r.n});
    for (int64_t i = 0; i < r.n * r.n * r.n; ++i) d.data()[i] = float(r.density[size_t(i)]);
    for (monitor::Picture& pic : monitor::Renderer().render(exec::Snapshot{"density", int64_t(r.generations.size()) - 1, std::move(d)}))
      report.pictures.push_back(std::move(pic));
    monitor::ReportCurve distance{"matching distance", "generation", {}}, phasing{"phasing error", "generation", {}},
        cg{"CG residual", "generation", {}};
    double matching = 0, merging = 0, phasing_s = 0;
    for (const auto& g : r.generations) {
      distance.values.push_back(g.matching_distance), phasing.values.push_back(g.phasing_error), cg.values.push_back(g.cg_residual);
      matching += g.seconds_slicing_matching, merging += g.seconds_merging, phasing_s += g.seconds_phasing;
    }
    report.curves = {distance, phasing, cg};
    report.timings = {{"whole run (wall clock)", exec::now_seconds() - started}, {"slicing and matching", matching},
                      {"merging", merging}, {"phasing", phasing_s}};
    report.parameters_json = p.dump();
    monitor::write_html_report(stem + "_report.html", report);
    std::printf("report: %s_report.html\n", stem.c_str());
  });
  if (live) {
    Array<float> d(Shape{r.n, r.n, r.n});
    for (int64_t i = 0; i < r.n * r.n * r.n; ++i) d.data()[i] = float(r.density[size_t(i)]);
    live->show(exec::Snapshot{"density", int64_t(r.generations.size()) - 1, std::move(d)});
    live->finish(r.interrupted ? "stopped" : "done");
  }
  const auto& last = r.generations.back();
  std::printf("wrote %s and %s.mrc: density %lld^3 at %.3g A, %zu generations, median matching distance %.3g, "
              "phasing error %.3g\n",
              a.output.c_str(), stem.c_str(), (long long)r.n, r.voxel, r.generations.size(), last.matching_distance,
              last.phasing_error);
  if (r.interrupted) {
    std::fprintf(stderr, "phasis: stopped after generation %zu of %d on request; the model so far is saved\n",
                 r.generations.size(), a.s.generations);
    if (checkpointed)
      std::fprintf(stderr, "phasis: to continue: the same command with --resume %s\n", checkpoint.c_str());
    throw StoppedEarly{128 + (exec::stop_signal() ? exec::stop_signal() : 2)};
  }
  // Ended with its result written: the checkpoint has served its purpose.
  std::error_code ec;
  if (checkpointed) std::filesystem::remove(checkpoint, ec);
}
}  // namespace

void add_spi_reconstruct(CLI::App& spi) {
  auto* cmd = spi.add_subcommand("reconstruct", "3D density from snapshots by M-TIP (slice, match, merge, phase)");
  auto a = std::make_shared<SpiArgs>();
  spi::MtipSettings& s = a->s;
  s.grid = 48;
  // A repeated option takes its last value, so a script can append overrides to a base command.
  cmd->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  cmd->add_option("input", a->input, "HDF5 data (phasis spi simulate's layout)")->required();
  cmd->add_option("-o,--output", a->output, "Model file to write (HDF5); the map goes beside it as .mrc")->required();
  cmd->add_option("--generations", s.generations, "M-TIP generations")->capture_default_str();
  cmd->add_option("--checkpoint-every", a->checkpoint_every,
                  "Every N generations, the run's state to OUT.checkpoint.h5 (0: none; removed when the run ends)")
      ->capture_default_str();
  cmd->add_option("--resume", a->resume, "Continue a run from its checkpoint (the same data and settings)");
  cmd->add_option("--references", s.references, "Reference orientations (10^3 .. 10^6)")->capture_default_str();
  cmd->add_option("--reference-batch", s.reference_batch, "References sliced and scored at once")->capture_default_str();
  cmd->add_option("--image-batch", s.image_batch, "Images per NUFFT call when merging")->capture_default_str();
  cmd->add_option("--grid", s.grid, "Autocorrelation and density grid, voxels per side")->capture_default_str();
  cmd->add_option("--voxel", s.voxel, "Voxel, A (0: 1 / (2 s_max), the coarsest that holds the data)")->capture_default_str();
  cmd->add_option("--particle-radius", s.particle_radius, "Particle radius, A (> 0 confines the autocorrelation)")
      ->capture_default_str();
  cmd->add_option("--resolution-start", s.resolution_start, "First generation's q-range, fraction of the data's")
      ->capture_default_str();
  cmd->add_option("--ramp", s.ramp_generations, "Generations to reach the full q-range (0: half)")->capture_default_str();
  cmd->add_option("--lambdas", s.merge.lambdas, "Tikhonov weights for the L-curve, relative (comma-separated)")
      ->delimiter(',')->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--cg-iterations", s.merge.max_iterations, "Most CG iterations per merge")->capture_default_str();
  cmd->add_option("--phasing-cycles", s.phasing.cycles, "Cycles of HIO, ER and shrink-wrap per generation")
      ->capture_default_str();
  cmd->add_option("--hio", s.phasing.hio_iterations, "HIO iterations per cycle")->capture_default_str();
  cmd->add_option("--er", s.phasing.er_iterations, "ER iterations per cycle")->capture_default_str();
  cmd->add_option("--beta", s.phasing.beta, "HIO feedback")->capture_default_str();
  cmd->add_option("--shrinkwrap-sigma", s.phasing.sigma, "Shrink-wrap blur, voxels")->capture_default_str();
  cmd->add_option("--shrinkwrap-threshold", s.phasing.threshold, "Shrink-wrap threshold, fraction of the maximum")
      ->capture_default_str();
  cmd->add_flag("!--cold-phasing", s.warm_start, "Phase every generation from a random start (default: from the last density)");
  cmd->add_option("--seed", s.seed, "Seed of generation 0's random orientations")->capture_default_str();
  cmd->add_option("--score", a->score, "Matching score: euclidean (unit-norm distance) or poisson (likelihood of counts)")
      ->capture_default_str();
  cmd->add_option("--device", a->device, "cpu, cuda or cuda:N (auto: a GPU when present)")->capture_default_str();
  cmd->add_option("--threads", a->threads, "CPU threads (0: all)")->capture_default_str();
  cmd->add_flag("!--no-pictures", a->pictures, "Do not write PNG pictures");
  cmd->add_flag("!--no-report", a->report, "Do not write the HTML report (OUT_report.html)");
  add_live_options(*cmd, a->live);
  cmd->add_flag("-q,--quiet", a->quiet, "Print only the last generation");
  auto config = add_config_option(*cmd);
  cmd->callback([cmd, config, a] {
    apply_config(*cmd, *config);
    run(*a);
  });
}

}  // namespace phasis::cli
