// The phasis binary end to end: a small simulate -> reconstruct -> compare run, the config file,
// help texts, and every kind of bad input: one line on stderr, exit code 2, no output left
// behind, input untouched.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <set>
#include <fstream>
#include <sstream>

#include "phasis/io/cxi.hpp"
#include "phasis/io/hdf5.hpp"
#include "phasis/ptycho/simulate.hpp"
#include "testing.hpp"

#include <sys/stat.h>

using namespace phasis;
using phasis::testing::count_lines;
using phasis::testing::run_phasis;
using phasis::testing::TempDir;

namespace {

std::string read_file(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

void small_data(PtychoData& d, PtychoTruth& t) {
  SimulationOptions o;
  o.frame_size = 32;
  o.positions = 20;
  simulate(o, d, t);
}

/// Runs `phasis ptycho reconstruct IN -o OUT ARGS` on `in` and checks the failure contract.
void expect_clean_failure(const TempDir& dir, const std::string& in, const std::string& args,
                          const std::string& expected_words) {
  const std::string out = dir.file("out.h5");
  const std::string before = std::filesystem::exists(in) ? read_file(in) : "";
  auto r = run_phasis("ptycho reconstruct '" + in + "' -o '" + out + "' --iterations 2 " + args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(expected_words), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
  for (auto& e : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << e.path();
  if (!before.empty()) EXPECT_EQ(read_file(in), before) << "input modified";
}

}  // namespace

TEST(Cli, SimulateReconstructCompare) {
  TempDir dir;
  const std::string cxi = dir.file("sim.cxi"), out = dir.file("rec.h5");
  auto s = run_phasis("ptycho simulate '" + cxi + "' --frame-size 32 --positions 40");
  ASSERT_EQ(s.exit_code, 0) << s.err;
  auto r = run_phasis("ptycho reconstruct '" + cxi + "' -o '" + out + "' --iterations 5 --device cpu");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("dm 5/5 iterations"), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(out));
  for (const char* png : {"rec_object_phase.png", "rec_object_amplitude.png", "rec_probe.png"})
    EXPECT_TRUE(std::filesystem::exists(dir.file(png))) << png;
  h5::File f = h5::File::open_read(out);
  EXPECT_EQ(f.shape("fourier_error"), std::vector<int64_t>{5});
  EXPECT_NE(f.read_attr_string("/", "parameters").find("\"iterations\":5"), std::string::npos);
  auto c = run_phasis("ptycho compare '" + out + "' '" + cxi + "'");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_NE(c.out.find("phase RMSE"), std::string::npos);
}

TEST(Cli, TheReportHoldsPicturesCurveParametersAndTimings) {
  TempDir dir;
  const std::string cxi = dir.file("sim.cxi"), out = dir.file("rec.h5"), report = dir.file("rec_report.html");
  ASSERT_EQ(run_phasis("ptycho simulate '" + cxi + "' --frame-size 32 --positions 30").exit_code, 0);
  auto r = run_phasis("ptycho reconstruct '" + cxi + "' -o '" + out + "' --iterations 7 --probe-modes 2 --no-pictures");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("report: " + report), std::string::npos) << r.out;
  const auto read = phasis::testing::read_report(report);
  ASSERT_EQ(read.exit_code, 0) << read.out;
  const auto j = nlohmann::json::parse(read.out);
  // Object phase and amplitude (cropped to the lit region), the two probe modes side by side
  // (32 x 64) and the coverage (the object's size), each a decodable PNG inside the file.
  std::set<std::string> names;
  for (const auto& p : j["pictures"]) names.insert(p[0].get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"picture-object_phase", "picture-object_amplitude", "picture-probe",
                                          "picture-coverage"}));
  for (const auto& p : j["pictures"])
    if (p[0] == "picture-probe") EXPECT_EQ(p, (nlohmann::json{"picture-probe", 64, 32}));
  EXPECT_EQ(j["curves"]["curve-error"].get<int>(), 7);
  EXPECT_EQ(j["tables"]["summary"]["iterations"], "7 of 7");
  EXPECT_EQ(j["tables"]["parameters"]["algorithm"], "dm");
  EXPECT_EQ(j["tables"]["parameters"]["probe_modes"], "2");
  EXPECT_TRUE(j["tables"]["timings"].contains("mean iteration"));
  // --no-report: none.
  std::filesystem::remove(report);
  ASSERT_EQ(run_phasis("ptycho reconstruct '" + cxi + "' -o '" + out + "' --iterations 2 --no-pictures --no-report").exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(report));
}

TEST(Cli, ConfigFileSetsOptionsAndCommandLineWins) {
  TempDir dir;
  const std::string cxi = dir.file("sim.cxi"), cfg = dir.file("run.toml");
  ASSERT_EQ(run_phasis("ptycho simulate '" + cxi + "' --frame-size 32 --positions 20").exit_code, 0);
  std::ofstream(cfg) << "iterations = 3\nprobe-start = 1\ndevice = \"cpu\"\n";
  auto r = run_phasis("ptycho reconstruct '" + cxi + "' -o '" + dir.file("a.h5") + "' --config '" + cfg + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("dm 3/3 iterations"), std::string::npos) << r.out;
  r = run_phasis("ptycho reconstruct '" + cxi + "' -o '" + dir.file("b.h5") + "' --config '" + cfg + "' --iterations 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("dm 2/2 iterations"), std::string::npos) << r.out;
  std::ofstream(cfg) << "iterationz = 3\n";
  r = run_phasis("ptycho reconstruct '" + cxi + "' -o '" + dir.file("c.h5") + "' --config '" + cfg + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
}

TEST(Cli, ConfigFlagsMeanWhatTheySay) {
  // A negated flag in the config (`no-pictures = true`) is the command line's --no-pictures, and
  // `false` leaves the pictures on; a plain flag's false turns it off (fused-exit-update).
  TempDir dir;
  const std::string cxi = dir.file("sim.cxi"), cfg = dir.file("run.toml");
  ASSERT_EQ(run_phasis("ptycho simulate '" + cxi + "' --frame-size 32 --positions 20").exit_code, 0);
  std::ofstream(cfg) << "iterations = 2\ndevice = \"cpu\"\nno-pictures = true\nfuse-exit-update = false\n";
  auto r = run_phasis("ptycho reconstruct '" + cxi + "' -o '" + dir.file("a.h5") + "' --config '" + cfg + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("a_object_phase.png")));
  h5::File f = h5::File::open_read(dir.file("a.h5"));
  EXPECT_NE(f.read_attr_string("/", "parameters").find("\"fuse_exit_update\":false"), std::string::npos);
  std::ofstream(cfg) << "iterations = 2\ndevice = \"cpu\"\nno-pictures = false\n";
  r = run_phasis("ptycho reconstruct '" + cxi + "' -o '" + dir.file("b.h5") + "' --config '" + cfg + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir.file("b_object_phase.png")));
}

TEST(Cli, HelpDocumentsEveryOption) {
  auto top = run_phasis("--help");
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.out.find("ptycho"), std::string::npos);
  auto rec = run_phasis("ptycho reconstruct --help");
  EXPECT_EQ(rec.exit_code, 0);
  for (const char* o : {"--output", "--algorithm", "--iterations", "--device", "--precision", "--probe-start",
                        "--overlap-iterations", "--object-inertia", "--probe-inertia", "--batch-frames", "--threads",
                        "--probe-modes", "--object-modes", "--orthogonalize-every", "--fourier-relax",
                        "--no-pictures", "--quiet", "--config"})
    EXPECT_NE(rec.out.find(o), std::string::npos) << o;
  auto sim = run_phasis("ptycho simulate --help");
  for (const char* o : {"--frame-size", "--energy", "--distance", "--pixel-size", "--probe", "--aperture-fraction",
                        "--probe-diameter", "--gaussian-sigma", "--scan", "--positions", "--step", "--jitter",
                        "--photons", "--noise", "--seed", "--initial-probe", "--model-error", "--probe-modes",
                        "--mode-occupancy", "--fly-blur", "--config"})
    EXPECT_NE(sim.out.find(o), std::string::npos) << o;
  auto cmp = run_phasis("ptycho compare --help");
  for (const char* o : {"--threshold", "--max-shift"}) EXPECT_NE(cmp.out.find(o), std::string::npos) << o;
}

TEST(CliBadInput, MissingFile) {
  TempDir dir;
  expect_clean_failure(dir, dir.file("nope.cxi"), "", "no such file");
}

TEST(CliBadInput, NotHdf5) {
  TempDir dir;
  std::ofstream(dir.file("text.cxi")) << "this is not HDF5\n";
  expect_clean_failure(dir, dir.file("text.cxi"), "", "not an HDF5 file");
}

TEST(CliBadInput, MissingDataset) {
  TempDir dir;
  {
    h5::File f = h5::File::create(dir.file("partial.cxi"));
    f.create_groups("entry_1/instrument_1");
    f.write_scalar("entry_1/instrument_1/dummy", 1.0);
    f.close();
  }
  expect_clean_failure(dir, dir.file("partial.cxi"), "", "entry_1/data_1/data");
}

TEST(CliBadInput, WrongRankAndShape) {
  TempDir dir;
  PtychoData d;
  PtychoTruth t;
  small_data(d, t);
  // Written by hand, since write_cxi refuses such shapes.
  auto write_raw = [&](const std::string& path, std::vector<int64_t> data_shape, std::vector<int64_t> t_shape) {
    h5::File f = h5::File::create(path);
    f.write("entry_1/data_1/data", d.intensities.data(), data_shape);
    f.write("entry_1/sample_1/geometry_1/translation", d.translations.data(), t_shape);
    f.write_scalar("entry_1/instrument_1/source_1/energy", d.geometry.energy_J);
    f.write_scalar("entry_1/instrument_1/detector_1/distance", d.geometry.distance_m);
    f.write_scalar("entry_1/instrument_1/detector_1/x_pixel_size", d.geometry.pixel_x_m);
    f.write_scalar("entry_1/instrument_1/detector_1/y_pixel_size", d.geometry.pixel_y_m);
    f.close();
  };
  write_raw(dir.file("rank.cxi"), {20, 32 * 32}, {20, 3});
  expect_clean_failure(dir, dir.file("rank.cxi"), "", "entry_1/data_1/data");
  write_raw(dir.file("shape.cxi"), {20, 32, 32}, {30, 2});
  expect_clean_failure(dir, dir.file("shape.cxi"), "", "translation");
}

TEST(CliBadInput, NanAndNegativeIntensities) {
  TempDir dir;
  PtychoData d;
  PtychoTruth t;
  small_data(d, t);
  d.intensities[3 * 32 * 32 + 40] = std::nanf("");
  write_cxi(dir.file("nan.cxi"), d, nullptr);
  expect_clean_failure(dir, dir.file("nan.cxi"), "", "frame 3");
  d.intensities[3 * 32 * 32 + 40] = 1.f;
  d.intensities[5 * 32 * 32 + 7] = -2.f;
  write_cxi(dir.file("neg.cxi"), d, nullptr);
  expect_clean_failure(dir, dir.file("neg.cxi"), "", "frame 5");
}

TEST(CliBadInput, PositionFarOutside) {
  TempDir dir;
  PtychoData d;
  PtychoTruth t;
  small_data(d, t);
  d.translations[3 * 11] = 0.5;  // half a metre away
  write_cxi(dir.file("far.cxi"), d, nullptr);
  expect_clean_failure(dir, dir.file("far.cxi"), "", "frame 11");
}

// Every solver of the projection family runs from the command line and says which ran.
TEST(Cli, EverySolverBeyondDmRuns) {
  TempDir dir;
  const std::string cxi = dir.file("sim.cxi");
  ASSERT_EQ(run_phasis("ptycho simulate '" + cxi + "' --frame-size 32 --positions 40").exit_code, 0);
  const std::pair<const char*, const char*> runs[] = {
      {"raar", "--raar-beta 0.8"}, {"er", ""}, {"epie", "--pie-alpha 0.9"}, {"rpie", "--mini-batch 4 --seed 3"},
      {"ml", "--noise gaussian --smoothness 0.01"}};
  for (const auto& [name, extra] : runs) {
    const std::string out = dir.file(std::string(name) + ".h5");
    auto r = run_phasis("ptycho reconstruct '" + cxi + "' -o '" + out + "' --iterations 4 --device cpu --no-pictures " +
                        "--algorithm " + name + " " + extra);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find(std::string(name) + " on cpu"), std::string::npos) << r.out;
    EXPECT_TRUE(std::filesystem::exists(out));
  }
}

// A chain runs every stage in order, each from where the one before stopped, and says so.
TEST(Cli, AChainOfSolversRunsEveryStage) {
  TempDir dir;
  const std::string cxi = dir.file("sim.cxi"), out = dir.file("chain.h5");
  ASSERT_EQ(run_phasis("ptycho simulate '" + cxi + "' --frame-size 32 --positions 40").exit_code, 0);
  auto r = run_phasis("ptycho reconstruct '" + cxi + "' -o '" + out + "' --device cpu --no-pictures --algorithm dm:3,er:2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("dm 3/3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("er 2/2"), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(out));
}

// The log says where the starting probe came from; --probe starts from another file's probe (here
// a result's), scaled to the measured power.
TEST(Cli, TheStartingProbeIsNamedAndCanComeFromAFile) {
  TempDir dir;
  const std::string cxi = dir.file("sim.cxi"), first = dir.file("first.h5"), second = dir.file("second.h5");
  ASSERT_EQ(run_phasis("ptycho simulate '" + cxi + "' --frame-size 32 --positions 40").exit_code, 0);
  auto r = run_phasis("ptycho reconstruct '" + cxi + "' -o '" + first + "' --iterations 3 --device cpu --no-pictures");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("probe: from mean diffraction pattern"), std::string::npos) << r.out;
  r = run_phasis("ptycho reconstruct '" + cxi + "' -o '" + second + "' --iterations 3 --device cpu --no-pictures --probe '" +
                 first + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("probe: from " + first + ":probe, scaled by"), std::string::npos) << r.out;
}

// Outputs that cannot be a result file are refused before any work, with one line: a folder, an
// empty name, a special file (a pipe here; /dev/null as root used to become a plain file), and
// the special file is left as it was.
TEST(CliBadInput, OutputsThatAreNoRegularFile) {
  TempDir dir;
  PtychoData d;
  PtychoTruth t;
  small_data(d, t);
  write_cxi(dir.file("ok.cxi"), d, nullptr);
  const std::string pipe = dir.file("pipe");
  ASSERT_EQ(::mkfifo(pipe.c_str(), 0600), 0);
  const std::pair<std::string, std::string> cases[] = {
      {dir.path().string(), "found a folder"}, {"", "found an empty one"}, {pipe, "found a device, pipe or socket"}};
  for (const auto& [out, words] : cases) {
    for (const char* cmd : {"ptycho reconstruct '" , "ptycho simulate '"}) {
      const std::string line = std::string(cmd) == "ptycho simulate '"
                                   ? "ptycho simulate '" + out + "' --frame-size 32 --positions 10"
                                   : "ptycho reconstruct '" + dir.file("ok.cxi") + "' -o '" + out + "' --iterations 2";
      auto r = run_phasis(line);
      EXPECT_EQ(r.exit_code, 2) << line << ": " << r.err;
      EXPECT_EQ(count_lines(r.err), 1) << r.err;
      EXPECT_NE(r.err.find(words), std::string::npos) << line << ": " << r.err;
    }
  }
  EXPECT_TRUE(std::filesystem::is_fifo(pipe));
}

TEST(CliBadInput, ZeroIterationsAndUnknownOption) {
  TempDir dir;
  PtychoData d;
  PtychoTruth t;
  small_data(d, t);
  write_cxi(dir.file("ok.cxi"), d, nullptr);
  expect_clean_failure(dir, dir.file("ok.cxi"), "--iterations 0", "iterations");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--bogus 3", "bogus");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--device gpu", "device");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--device cuda:x", "cuda:N");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--algorithm bogus", "algorithm");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--algorithm raar --raar-beta 1.5", "raar beta");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--algorithm dm:0,er:5", "SOLVER:ITERATIONS");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--algorithm dm:5,bogus", "bogus");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--algorithm epie --pie-alpha 2", "alpha");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--algorithm rpie --mini-batch -3", "batch");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--algorithm ml --noise laplace", "noise");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--algorithm ml --smoothness -1", "smoothness");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--object-inertia inf", "finite");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--probe '" + dir.file("missing.h5") + "'", "probe file");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--probe '" + dir.file("ok.cxi") + "'", "probe");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--trace '" + dir.file("missing/run.json") + "'", "missing");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--fourier-relax -1", "fourier relax");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--precision half", "precision");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--probe-modes 0", "probe modes");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--object-modes 99", "object modes");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--orthogonalize-every 0", "orthogonalize");
  // Options of this session: gain limit, memory cap, partition, reduction, devices.
  expect_clean_failure(dir, dir.file("ok.cxi"), "--modulus-gain-limit 0.5", "modulus gain limit");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--gpu-memory -1", "gpu-memory");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--partition diagonal", "partition");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--reduce some", "reduce");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--device cuda --devices 0,x", "--devices");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--device cpu --devices 0", "--devices");
}

TEST(CliBadInput, SimulateRejectsImpossibleParameters) {
  TempDir dir;
  for (const char* bad : {"--energy -3", "--probe-modes 3 --mode-occupancy 0.5,0.5", "--mode-occupancy -1",
                          "--fly-blur -2", "--probe-modes 0"}) {
    auto r = run_phasis("ptycho simulate '" + dir.file("s.cxi") + "' --frame-size 32 --positions 10 " + bad);
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_EQ(count_lines(r.err), 1) << bad << ": " << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir.file("s.cxi"))) << bad;
  }
}

namespace {

/// The complete ("X") events of a Chrome trace file, after checking the document's shape.
std::vector<nlohmann::json> trace_spans(const std::string& path) {
  std::ifstream in(path);
  const nlohmann::json doc = nlohmann::json::parse(in);
  EXPECT_TRUE(doc.contains("traceEvents"));
  std::vector<nlohmann::json> spans;
  for (const auto& e : doc["traceEvents"])
    if (e["ph"] == "X") {
      EXPECT_GE(e["dur"].get<double>(), 0.0);
      spans.push_back(e);
    }
  return spans;
}

}  // namespace

TEST(Cli, ReconstructTraceHasOneSpanPerIterationAndProgressShowsRateAndEta) {
  TempDir dir;
  const std::string cxi = dir.file("sim.cxi"), out = dir.file("rec.h5"), trace = dir.file("run.json");
  ASSERT_EQ(run_phasis("ptycho simulate '" + cxi + "' --frame-size 32 --positions 40").exit_code, 0);
  auto r = run_phasis("ptycho reconstruct '" + cxi + "' -o '" + out + "' --iterations 4 --device cpu --no-pictures --trace '" +
                      trace + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Not a terminal: a line per iteration, with the rate, the time left and the error.
  EXPECT_NE(r.out.find("dm 1/4 iterations"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("iterations/s ETA"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("error"), std::string::npos) << r.out;
  const auto spans = trace_spans(trace);
  ASSERT_EQ(spans.size(), 4u);  // the chunks of a DM run are its iterations
  std::set<int64_t> chunks;
  for (const auto& s : spans) {
    EXPECT_EQ(s["name"], "iteration");
    chunks.insert(s["args"]["chunk"].get<int64_t>());
  }
  EXPECT_EQ(chunks, (std::set<int64_t>{0, 1, 2, 3}));
}

TEST(CliBadInput, MessagesNameTheRealProblem) {
  TempDir dir;
  PtychoData d;
  PtychoTruth t;
  small_data(d, t);
  // A detector whose every pixel is flagged: the mask is the problem, not "all zero" data.
  d.valid = Array<uint8_t>(Shape{32, 32});
  for (int64_t i = 0; i < d.valid.size(); ++i) d.valid[i] = 0;
  write_cxi(dir.file("masked.cxi"), d, nullptr);
  expect_clean_failure(dir, dir.file("masked.cxi"), "", "every pixel flagged");

  // An abbreviated or missing command names the commands there are.
  auto r = run_phasis("ptycho recon");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("did you mean 'reconstruct'"), std::string::npos) << r.err;
  r = run_phasis("multislice");
  EXPECT_NE(r.err.find("expects a command: run"), std::string::npos) << r.err;
}

TEST(CliBadInput, CompareRefusesWhatCannotBeCompared) {
  TempDir dir;
  const std::string cxi = dir.file("sim.cxi"), other = dir.file("other.cxi"), out = dir.file("rec.h5");
  ASSERT_EQ(run_phasis("ptycho simulate '" + cxi + "' --frame-size 32 --positions 20").exit_code, 0);
  ASSERT_EQ(run_phasis("ptycho simulate '" + other + "' --frame-size 32 --positions 20 --distance 3").exit_code, 0);
  ASSERT_EQ(run_phasis("ptycho reconstruct '" + cxi + "' -o '" + out + "' --iterations 2 --no-pictures").exit_code, 0);
  // Another geometry: another object pixel size, so no error can be measured.
  auto c = run_phasis("ptycho compare '" + out + "' '" + other + "'");
  EXPECT_EQ(c.exit_code, 2);
  EXPECT_NE(c.err.find("pixel size"), std::string::npos) << c.err;
  // A diverged reconstruction is named as such.
  const std::string nan = dir.file("nan.h5");
  {
    const h5::File in = h5::File::open_read(out);
    Array<Complex<double>> obj = in.read_array<Complex<double>>("object");
    obj[obj.size() / 2] = Complex<double>(std::nan(""), 0);
    h5::File f = h5::File::create(nan);
    f.write("object", obj);
    f.write("probe", in.read_array<Complex<double>>("probe"));
    f.write("object_origin", in.read_array<double>("object_origin"));
    f.close();
  }
  c = run_phasis("ptycho compare '" + nan + "' '" + cxi + "'");
  EXPECT_EQ(c.exit_code, 2);
  EXPECT_NE(c.err.find("NaN"), std::string::npos) << c.err;
}

TEST(Cli, APictureThatCannotBeWrittenLeavesTheResultAndSaysSo) {
  TempDir dir;
  const std::string cxi = dir.file("sim.cxi"), out = dir.file("rec.h5");
  ASSERT_EQ(run_phasis("ptycho simulate '" + cxi + "' --frame-size 32 --positions 20").exit_code, 0);
  std::filesystem::create_directory(dir.file("rec_probe.png"));  // the probe picture cannot replace a folder
  auto r = run_phasis("ptycho reconstruct '" + cxi + "' -o '" + out + "' --iterations 2");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("warning: result written, pictures not"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("rec_probe.png"), std::string::npos) << r.err;
  EXPECT_TRUE(std::filesystem::exists(out));
  EXPECT_EQ(run_phasis("ptycho compare '" + out + "' '" + cxi + "'").exit_code, 0);
  for (auto& e : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << e.path();
}

TEST(Cli, InterruptStopsAfterTheIterationAndSavesTheResult) {
  TempDir dir;
  const std::string cxi = dir.file("sim.cxi"), out = dir.file("rec.h5"), log = dir.file("log.txt");
  ASSERT_EQ(run_phasis("ptycho simulate '" + cxi + "' --frame-size 32 --positions 20").exit_code, 0);
  // Started in the background of a non-interactive shell, which sets SIGINT to be ignored: phasis
  // must catch it anyway. SIGINT is sent once the first iteration has been reported.
  const std::string cmd = "'" + std::string(PHASIS_EXE) + "' ptycho reconstruct '" + cxi + "' -o '" + out +
                          "' --algorithm dm:200000,er:10 >'" + log + "' 2>&1 & pid=$!; "
                          "until grep -q 'dm 1/' '" + log + "' 2>/dev/null; do sleep 0.05; done; "
                          "kill -INT $pid; wait $pid; echo $?";
  auto r = phasis::testing::run_command(cmd);
  EXPECT_EQ(r.out, "130\n") << r.err;
  ASSERT_TRUE(std::filesystem::exists(out)) << read_file(log);
  EXPECT_NE(read_file(log).find("stopped on request after"), std::string::npos) << read_file(log);
  h5::File f = h5::File::open_read(out);
  const auto params = nlohmann::json::parse(f.read_attr_string("/", "parameters"));
  EXPECT_TRUE(params["interrupted"].get<bool>());
  const int64_t done = f.shape("fourier_error")[0];
  EXPECT_GE(done, 1);
  EXPECT_LT(done, 200000);
  for (auto& e : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << e.path();
  EXPECT_EQ(run_phasis("ptycho compare '" + out + "' '" + cxi + "'").exit_code, 0);
}

TEST(Cli, ASignalDuringTheWriteLeavesNoTemporary) {
  TempDir dir;
  const std::string cxi = dir.file("big.cxi"), log = dir.file("log.txt");
  // SIGTERM or SIGINT while the output's temporary exists (frames of 256^2, about 260 MB: the
  // write takes a while): the process ends by the signal (143, 130), and neither the temporary nor
  // the target stays. `env --default-signal=INT`: a background job of a non-interactive shell
  // starts with SIGINT ignored, which phasis keeps outside a reconstruction (as any program does);
  // a terminal's Ctrl-C reaches a foreground run with the default action.
  for (const char* sig : {"TERM", "INT"}) {
    const std::string cmd = "env --default-signal=INT '" + std::string(PHASIS_EXE) + "' ptycho simulate '" + cxi +
                            "' --positions 1000 --frame-size 256 >'" + log + "' 2>&1 & pid=$!; "
                            "until ls -a '" + dir.path().string() + "' | grep -q 'tmp-'; do "
                            "kill -0 $pid 2>/dev/null || break; sleep 0.005; done; kill -" + std::string(sig) +
                            " $pid; wait $pid; echo $?";
    auto r = phasis::testing::run_command(cmd);
    EXPECT_EQ(r.out, std::string(sig) == "TERM" ? "143\n" : "130\n") << sig << ": " << r.err;
    for (auto& e : std::filesystem::directory_iterator(dir.path()))
      EXPECT_EQ(e.path().string().find("tmp-"), std::string::npos) << sig << ": " << e.path();
    EXPECT_FALSE(std::filesystem::exists(cxi)) << sig;
  }
}

// kill -9 (nothing can be saved then) once a checkpoint exists, or Ctrl-C (the state after the
// iteration in progress is saved): resumed, the run ends where the uninterrupted one does, bit
// for bit (one thread: the CPU's sums then add in one order in every run).
TEST(Cli, AStoppedOrKilledRunResumesFromItsCheckpointAsIfUninterrupted) {
  TempDir dir;
  const std::string cxi = dir.file("sim.cxi"), whole = dir.file("whole.h5"), out = dir.file("rec.h5"), log = dir.file("log.txt");
  const std::string checkpoint = dir.file("rec.checkpoint.h5");
  ASSERT_EQ(run_phasis("ptycho simulate '" + cxi + "' --frame-size 32 --positions 40").exit_code, 0);
  const std::string rec = " --algorithm dm:2000,er:1000 --checkpoint-every 20 --threads 1 --no-pictures";
  auto u = run_phasis("ptycho reconstruct '" + cxi + "' -o '" + whole + "'" + rec + " -q");
  ASSERT_EQ(u.exit_code, 0) << u.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("whole.checkpoint.h5")));  // a run that ends removes it
  auto values = [](const std::string& file, const std::string& name) {
    const h5::File f = h5::File::open_read(file);
    int64_t count = 1;
    for (int64_t d : f.shape(name)) count *= d;
    std::vector<Complex<double>> v(static_cast<size_t>(count));
    if (f.is_complex(name)) {
      f.read(name, v.data(), count);
    } else {
      std::vector<double> r(static_cast<size_t>(count));
      f.read(name, r.data(), count);
      for (size_t i = 0; i < r.size(); ++i) v[i] = {r[i], 0.0};
    }
    std::vector<double> flat;
    for (const auto& c : v) flat.push_back(c.re), flat.push_back(c.im);
    return flat;
  };
  for (const std::string sig : {"9", "INT"}) {
    std::filesystem::remove(out);
    // `env --default-signal=INT`: a background job of a non-interactive shell starts with SIGINT ignored.
    const std::string cmd = "env --default-signal=INT '" + std::string(PHASIS_EXE) + "' ptycho reconstruct '" + cxi + "' -o '" +
                            out + "'" + rec + " >'" + log + "' 2>&1 & pid=$!; until [ -f '" + checkpoint +
                            "' ]; do kill -0 $pid 2>/dev/null || break; sleep 0.01; done; kill -" + sig +
                            " $pid; wait $pid; echo $?";
    auto k = phasis::testing::run_command(cmd);
    ASSERT_EQ(k.out, sig == "9" ? "137\n" : "130\n") << read_file(log);
    ASSERT_TRUE(std::filesystem::exists(checkpoint)) << sig;
    if (sig == "9") EXPECT_FALSE(std::filesystem::exists(out));
    else EXPECT_NE(read_file(log).find("--resume " + checkpoint), std::string::npos) << read_file(log);
    const int64_t done = h5::File::open_read(checkpoint).shape("fourier_error")[0];
    EXPECT_GE(done, sig == "9" ? 20 : 21) << sig;  // Ctrl-C: after the first checkpoint's iteration
    if (sig == "9") EXPECT_EQ(done % 20, 0);
    EXPECT_LT(done, 3000) << sig;
    auto r = run_phasis("ptycho reconstruct '" + cxi + "' -o '" + out + "'" + rec + " -q --resume '" + checkpoint + "'");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("continues exactly"), std::string::npos) << r.out;
    for (const char* name : {"object", "probe", "fourier_error"}) EXPECT_EQ(values(whole, name), values(out, name)) << sig << " " << name;
    EXPECT_FALSE(std::filesystem::exists(checkpoint)) << sig;  // the resumed run ended: its checkpoint is gone
    for (auto& e : std::filesystem::directory_iterator(dir.path()))
      EXPECT_EQ(e.path().string().find("tmp-"), std::string::npos) << e.path();
  }
  // A result file starts a new run from its object and probe: far better than a fresh start.
  auto from_result = run_phasis("ptycho reconstruct '" + cxi + "' -o '" + dir.file("more.h5") +
                                "' --iterations 5 --no-pictures --resume '" + whole + "'");
  ASSERT_EQ(from_result.exit_code, 0) << from_result.err;
  EXPECT_NE(from_result.out.find("a new run from its object and probe"), std::string::npos) << from_result.out;
  // Refused with one line, exit 2: a checkpoint of another scan, of another algorithm, with every
  // planned iteration done; a negative schedule.
  const std::string other = dir.file("other.cxi"), ckpt2 = dir.file("stop.checkpoint.h5");
  ASSERT_EQ(run_phasis("ptycho simulate '" + other + "' --frame-size 32 --positions 90").exit_code, 0);
  const std::string cmd = "env --default-signal=INT '" + std::string(PHASIS_EXE) + "' ptycho reconstruct '" + cxi + "' -o '" +
                          dir.file("stop.h5") + "'" + rec + " >'" + log + "' 2>&1 & pid=$!; until [ -f '" + ckpt2 +
                          "' ]; do sleep 0.01; done; kill -9 $pid; wait $pid";
  phasis::testing::run_command(cmd);
  ASSERT_TRUE(std::filesystem::exists(ckpt2));
  auto refused = [&](const std::string& input, const std::string& flags, const std::string& says) {
    auto bad = run_phasis("ptycho reconstruct '" + input + "' -o '" + dir.file("x.h5") + "'" + flags + " --resume '" + ckpt2 + "'");
    EXPECT_EQ(bad.exit_code, 2) << flags;
    EXPECT_NE(bad.err.find(says), std::string::npos) << bad.err;
    EXPECT_FALSE(std::filesystem::exists(dir.file("x.h5")));
  };
  refused(other, rec, "start object");
  refused(cxi, " --algorithm raar:2000,er:1000", "expected --algorithm of the checkpoint's run");
  refused(cxi, " --algorithm dm:10,er:1000", "iterations left");
  EXPECT_EQ(run_phasis("ptycho reconstruct '" + cxi + "' -o '" + out + "' --checkpoint-every -1").exit_code, 2);
}

// Position refinement: one line and exit 2 for a lone frame, a start at or beyond the run's
// iterations (--iterations 2 here: 0 and 1 exist), a step limit that is not positive and a
// solver that does not refine; a run that refines writes the positions and their picture.
TEST(CliBadInput, PositionRefinement) {
  TempDir dir;
  PtychoData d;
  PtychoTruth t;
  small_data(d, t);
  write_cxi(dir.file("ok.cxi"), d, nullptr);
  SimulationOptions one;
  one.frame_size = 32;
  one.positions = 1;
  PtychoData d1;
  PtychoTruth t1;
  simulate(one, d1, t1);
  write_cxi(dir.file("one.cxi"), d1, nullptr);
  expect_clean_failure(dir, dir.file("one.cxi"), "--algorithm rpie --device cpu --refine-positions-from 0", "at least 2 frames");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--algorithm rpie --refine-positions-from 2", "refine positions from");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--algorithm rpie --refine-positions-from 0 --position-step-limit -1",
                       "position step limit");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--algorithm rpie --refine-positions-from 0 --position-affine-gain 0.5",
                       "affine gain");
  expect_clean_failure(dir, dir.file("ok.cxi"), "--algorithm dm --device cpu --refine-positions-from 0", "refines positions");
  const std::string out = dir.file("r.h5");
  auto r = run_phasis("ptycho reconstruct '" + dir.file("ok.cxi") + "' -o '" + out +
                      "' --iterations 4 --device cpu --algorithm rpie --refine-positions-from 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("positions refined"), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(dir.file("r_positions.png")));
}
