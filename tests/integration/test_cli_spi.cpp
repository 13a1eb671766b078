// `phasis spi` end to end: simulate -> reconstruct -> compare on a tiny case, and every kind of
// bad input the issue names: one line on stderr, exit code 2, no output left behind, input untouched.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "phasis/io/hdf5.hpp"
#include "phasis/spi/dataset.hpp"
#include "phasis/spi/simulate.hpp"
#include "testing.hpp"

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

// 24 carbon, nitrogen and oxygen atoms on a skewed spiral (no symmetry), as PDB.
void write_pdb(const std::string& path, int atoms = 24, const char* element = nullptr) {
  std::ofstream f(path);
  const char* el[] = {"C", "N", "O"};
  for (int i = 0; i < atoms; ++i) {
    const double t = 0.7 * i, x = 6 * std::cos(t) + 0.3 * i, y = 5 * std::sin(t), z = 0.6 * i - 7;
    char line[96];
    const char* e = element ? element : el[i % 3];
    std::snprintf(line, sizeof line, "ATOM  %5d  %-3s ALA A%4d    %8.3f%8.3f%8.3f  1.00 20.00          %2s\n", i + 1, e,
                  i / 10 + 1, x, y, z, e);
    f << line;
  }
  f << "END\n";
}

const char* kSim = " --images 40 --pixels 16 --pixel-size 4e-3 --distance 0.1 --energy 6199.2 -q";
const char* kRec = " --grid 16 --references 300 --generations 2 --phasing-cycles 2 --hio 10 --er 5 --cg-iterations 10 -q";

void expect_clean_failure(const TempDir& dir, const std::string& command, const std::string& input,
                          const std::string& out, const std::string& words) {
  const std::string before = std::filesystem::exists(input) ? read_file(input) : "";
  auto r = run_phasis(command);
  EXPECT_EQ(r.exit_code, 2) << command << "\n" << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(words), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out)) << out;
  for (auto& e : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << e.path();
  if (!before.empty()) EXPECT_EQ(read_file(input), before) << "input modified";
}

// A data file written by hand, with the given shapes, for the reader's checks.
void write_by_hand(const std::string& path, std::vector<int64_t> intensity_shape, std::vector<int64_t> mask_shape,
                   float poison = 0) {
  h5::File f = h5::File::create(path);
  f.create_groups("spi/detector");
  int64_t count = 1, masks = 1;
  for (auto v : intensity_shape) count *= v;
  for (auto v : mask_shape) masks *= v;
  std::vector<float> data(count, 1.0f);
  if (poison != 0) data[count / 2] = poison;
  f.write("spi/intensities", data.data(), intensity_shape);
  std::vector<uint8_t> mask(masks, 1);
  f.write("spi/mask", mask.data(), mask_shape);
  const int64_t p = intensity_shape.back();
  std::vector<double> s(3 * p * p, 0.01);
  f.write("spi/s", s.data(), {3, p, p});
  f.write_scalar("spi/detector/pixel_size", 1e-3);
  f.write_scalar("spi/detector/distance", 0.1);
  f.write_scalar("spi/detector/wavelength", 2.0);
  f.close();
}

}  // namespace

TEST(CliSpi, SimulateReconstructCompare) {
  TempDir dir;
  const std::string pdb = dir.file("mol.pdb"), data = dir.file("data.h5"), model = dir.file("model.h5");
  write_pdb(pdb);
  auto s = run_phasis("spi simulate '" + pdb + "' -o '" + data + "'" + kSim);
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_NE(s.out.find("40 images of 16 x 16 pixels, 24 atoms"), std::string::npos) << s.out;
  auto r = run_phasis("spi reconstruct '" + data + "' -o '" + model + "'" + kRec);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* f : {"model.h5", "model.mrc", "model_density_slices.png", "model_density_projections.png"})
    EXPECT_TRUE(std::filesystem::exists(dir.file(f))) << f;
  const h5::File m = h5::File::open_read(model);
  EXPECT_EQ(m.shape("density"), (std::vector<int64_t>{16, 16, 16}));
  EXPECT_EQ(m.shape("orientations"), (std::vector<int64_t>{40, 3, 3}));
  EXPECT_EQ(m.shape("generations/phasing_error"), (std::vector<int64_t>{2}));
  EXPECT_EQ(m.shape("generations/lcurve_misfit"), (std::vector<int64_t>{2, 5}));
  // The MRC map: a 1024-byte header, P1's symmetry record (80 bytes) and 16^3 float32 values.
  EXPECT_EQ(std::filesystem::file_size(dir.file("model.mrc")), 1024u + 80u + 16u * 16u * 16u * 4u);
  auto c = run_phasis("spi compare '" + model + "' '" + data + "'");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_NE(c.out.find("FSC 0.5:"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("median error"), std::string::npos) << c.out;
  EXPECT_TRUE(std::filesystem::exists(dir.file("model_fsc.png")));
  // The report: the density's three projections side by side, a curve per metric of 2 generations.
  const auto read = phasis::testing::read_report(dir.file("model_report.html"));
  ASSERT_EQ(read.exit_code, 0) << read.out;
  const auto j = nlohmann::json::parse(read.out);
  ASSERT_EQ(j["pictures"].size(), 1u) << read.out;
  EXPECT_EQ(j["pictures"][0], (nlohmann::json{"picture-density_projections", 48, 16}));
  EXPECT_EQ(j["curves"]["curve-phasing error"].get<int>(), 2);
  EXPECT_EQ(j["tables"]["parameters"]["grid"], "16");
}

TEST(CliSpi, BadStructuresGetOneLine) {
  TempDir dir;
  const std::string out = dir.file("data.h5");
  const std::string empty = dir.file("empty.pdb"), unknown = dir.file("unknown.pdb");
  write_pdb(empty, 0);
  write_pdb(unknown, 3, "Qq");
  expect_clean_failure(dir, "spi simulate '" + empty + "' -o '" + out + "'" + kSim, empty, out, "atom");
  expect_clean_failure(dir, "spi simulate '" + unknown + "' -o '" + out + "'" + kSim, unknown, out, "element");
  expect_clean_failure(dir, "spi simulate '" + dir.file("none.pdb") + "' -o '" + out + "'" + kSim, "", out, "no such file");
}

TEST(CliSpi, BadDataGetsOneLine) {
  TempDir dir;
  const std::string out = dir.file("model.h5");
  auto rec = [&](const std::string& in, const std::string& extra = "") {
    return "spi reconstruct '" + in + "' -o '" + out + "'" + kRec + extra;
  };
  const std::string missing = dir.file("missing.h5");
  {
    h5::File f = h5::File::create(missing);
    const float v = 1;
    f.write("other", &v, {1});
    f.close();
  }
  expect_clean_failure(dir, rec(missing), missing, out, "spi/intensities");
  const std::string flat = dir.file("flat.h5");
  write_by_hand(flat, {4, 256}, {16, 16});
  expect_clean_failure(dir, rec(flat), flat, out, "3 dimensions");
  const std::string nan = dir.file("nan.h5");
  write_by_hand(nan, {4, 16, 16}, {16, 16}, NAN);
  expect_clean_failure(dir, rec(nan), nan, out, "finite counts >= 0");
  const std::string negative = dir.file("negative.h5");
  write_by_hand(negative, {4, 16, 16}, {16, 16}, -3);
  expect_clean_failure(dir, rec(negative), negative, out, "-3");
  const std::string mask = dir.file("mask.h5");
  write_by_hand(mask, {4, 16, 16}, {16, 15});
  expect_clean_failure(dir, rec(mask), mask, out, "spi/mask");

  // Impossible settings on good data.
  const std::string pdb = dir.file("mol.pdb"), data = dir.file("data.h5");
  write_pdb(pdb);
  ASSERT_EQ(run_phasis("spi simulate '" + pdb + "' -o '" + data + "'" + kSim).exit_code, 0);
  expect_clean_failure(dir, rec(data, " --references 0"), data, out, "reference orientation");
  expect_clean_failure(dir, rec(data, " --voxel 50"), data, out, "q-range");
  expect_clean_failure(dir, rec(data, " --grid 4"), data, out, "at least 8");
  // This change's options: an unknown score, an empty first q-range, a negative radius, a device
  // that is not one.
  expect_clean_failure(dir, rec(data, " --score l1"), data, out, "euclidean or poisson");
  expect_clean_failure(dir, rec(data, " --resolution-start 0"), data, out, "resolution_start");
  expect_clean_failure(dir, rec(data, " --particle-radius -1"), data, out, "particle radius");
  expect_clean_failure(dir, rec(data, " --device gpu7"), data, out, "gpu7");
}

TEST(CliSpi, AKilledRunResumesFromItsCheckpointAsIfUninterrupted) {
  TempDir dir;
  const std::string pdb = dir.file("mol.pdb"), data = dir.file("data.h5"), log = dir.file("log.txt");
  const std::string whole = dir.file("whole.h5"), killed = dir.file("killed.h5"), checkpoint = dir.file("killed.checkpoint.h5");
  write_pdb(pdb);
  ASSERT_EQ(run_phasis("spi simulate '" + pdb + "' -o '" + data + "'" + kSim).exit_code, 0);
  // One thread: the NUFFT's sums then add in one order, so the two runs can be compared bit for bit.
  const std::string rec = " --grid 16 --references 300 --generations 30 --phasing-cycles 2 --hio 10 --er 5 "
                          "--cg-iterations 10 --threads 1 -q --no-pictures --no-report";
  auto u = run_phasis("spi reconstruct '" + data + "' -o '" + whole + "'" + rec + " --checkpoint-every 2");
  ASSERT_EQ(u.exit_code, 0) << u.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("whole.checkpoint.h5")));  // a run that ends removes it
  // kill -9 (nothing can be saved then) once a checkpoint exists: it survives, whole.
  const std::string cmd = "'" + std::string(PHASIS_EXE) + "' spi reconstruct '" + data + "' -o '" + killed + "'" + rec +
                          " --checkpoint-every 2 >'" + log + "' 2>&1 & pid=$!; until [ -f '" + checkpoint +
                          "' ]; do kill -0 $pid 2>/dev/null || break; sleep 0.01; done; kill -9 $pid; wait $pid; echo $?";
  auto k = phasis::testing::run_command(cmd);
  ASSERT_EQ(k.out, "137\n") << read_file(log);
  ASSERT_TRUE(std::filesystem::exists(checkpoint));
  EXPECT_FALSE(std::filesystem::exists(killed));
  const int64_t done = h5::File::open_read(checkpoint).shape("generations/lambda")[0];
  EXPECT_EQ(done % 2, 0);
  EXPECT_GE(done, 2);
  auto r = run_phasis("spi reconstruct '" + data + "' -o '" + killed + "'" + rec + " --resume '" + checkpoint + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The resumed run ends where the uninterrupted one did: the same density, orientations, metrics.
  auto values = [](const std::string& file, const std::string& name) {
    const h5::File f = h5::File::open_read(file);
    int64_t count = 1;
    for (int64_t d : f.shape(name)) count *= d;
    std::vector<double> v(static_cast<size_t>(count));
    f.read(name, v.data(), count);
    return v;
  };
  for (const char* name : {"density", "orientations", "reference_index", "generations/phasing_error", "generations/lambda"})
    EXPECT_EQ(values(whole, name), values(killed, name)) << name;
  EXPECT_EQ(values(killed, "generations/lambda").size(), 30u);
  // A checkpoint of other data, or one with every asked generation done: one line, exit 2, nothing written.
  const std::string other = dir.file("other.h5"), out = dir.file("x.h5");
  ASSERT_EQ(run_phasis("spi simulate '" + pdb + "' -o '" + other + "'" + std::string(kSim).replace(10, 2, "30")).exit_code, 0);
  expect_clean_failure(dir, "spi reconstruct '" + other + "' -o '" + out + "'" + rec + " --resume '" + checkpoint + "'",
                       checkpoint, out, "orientations of this data's 30 images");
  expect_clean_failure(dir, "spi reconstruct '" + data + "' -o '" + out + "'" +
                                std::string(rec).replace(rec.find("generations 30"), 14, "generations 2") + " --resume '" + checkpoint + "'",
                       checkpoint, out, "generations done");
  expect_clean_failure(dir, "spi reconstruct '" + data + "' -o '" + out + "'" + rec + " --resume '" + data + "'", data, out,
                       "expected a checkpoint");
  expect_clean_failure(dir, "spi reconstruct '" + data + "' -o '" + out + "'" + rec + " --checkpoint-every -1", "", out,
                       "--checkpoint-every");
}
