// Defaults that suit counting data (issue 20's real-data finding: the exact projection, the old
// default, fits photon-counting noise and lets probe and object drift): --fourier-relax auto, the
// default, takes the power bound when every sampled intensity is an integer (counts), and says so;
// on noise-free (non-integer) data it keeps the exact projection.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <string>

#include "phasis/io/hdf5.hpp"
#include "testing.hpp"

using namespace phasis;
using phasis::testing::run_phasis;
using phasis::testing::RunResult;
using phasis::testing::TempDir;

namespace {

double relax_of(const std::string& result) {
  h5::File f = h5::File::open_read(result);
  return nlohmann::json::parse(f.read_attr_string("/", "parameters"))["fourier_relax"].get<double>();
}

double phase_rmse(const std::string& result, const std::string& cxi) {
  const RunResult c = run_phasis("ptycho compare '" + result + "' '" + cxi + "'");
  EXPECT_EQ(c.exit_code, 0) << c.err;
  const size_t at = c.out.find("phase RMSE ");
  return at == std::string::npos ? -1 : std::atof(c.out.c_str() + at + 11);
}

}  // namespace

TEST(CliCountingData, CountsGetThePowerBoundAndAreBetterForIt) {
  TempDir dir;
  const std::string cxi = dir.file("counts.cxi"), out = dir.file("rec.h5"), exact = dir.file("exact.h5");
  ASSERT_EQ(run_phasis("ptycho simulate '" + cxi + "' --frame-size 64 --positions 300 --noise poisson --photons 1e3 "
                       "--initial-probe model").exit_code, 0);
  const std::string run = "ptycho reconstruct '" + cxi + "' --iterations 50 --device cpu --no-pictures --no-report ";
  const RunResult r = run_phasis(run + "-o '" + out + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("fourier relax: 1, the power bound (the data are photon counts"), std::string::npos) << r.out;
  EXPECT_EQ(relax_of(out), 1.0);
  ASSERT_EQ(run_phasis(run + "-q --fourier-relax 0 -o '" + exact + "'").exit_code, 0);
  EXPECT_EQ(relax_of(exact), 0.0);
  const double bound = phase_rmse(out, cxi), plain = phase_rmse(exact, cxi);
  std::printf("[ counts   ] 1e3 photons per frame: phase RMSE %.3f rad by default (power bound), %.3f exact\n", bound, plain);
  EXPECT_LT(bound, 0.5 * plain);  // measured 0.33 against 1.29
}

TEST(CliCountingData, NoiseFreeDataKeepTheExactProjection) {
  TempDir dir;
  const std::string cxi = dir.file("clean.cxi"), out = dir.file("rec.h5");
  ASSERT_EQ(run_phasis("ptycho simulate '" + cxi + "' --frame-size 32 --positions 40").exit_code, 0);
  const RunResult r = run_phasis("ptycho reconstruct '" + cxi + "' -o '" + out + "' --iterations 3 --no-pictures --no-report");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("fourier relax"), std::string::npos) << r.out;
  EXPECT_EQ(relax_of(out), 0.0);
  const RunResult bad = run_phasis("ptycho reconstruct '" + cxi + "' -o '" + dir.file("x.h5") + "' --fourier-relax much");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("fourier relax: expected auto or a number of Poisson variances >= 0; found 'much'"), std::string::npos)
      << bad.err;
}
