// A start the data cannot give (issue 20's real-data finding): with a strongly defocused probe, a
// ring in the far field's inverse, the mean pattern's start leads DM nowhere, and a model of the
// optics a user knows to within 10% (`--probe-model aperture --probe-diameter D`) reconstructs it.
// Checked against the simulator's truth, with the R-factor every run prints. Bad model options,
// probe supports and recentring (impossible values, a solver that takes none) and the LSQML batch
// are one line, exit 2, nothing written.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "testing.hpp"

using phasis::testing::count_lines;
using phasis::testing::run_phasis;
using phasis::testing::RunResult;
using phasis::testing::TempDir;

namespace {

double number_after(const std::string& text, const std::string& key) {
  const size_t at = text.find(key);
  return at == std::string::npos ? -1 : std::atof(text.c_str() + at + key.size());
}

}  // namespace

TEST(CliProbeModel, ADefocusedRingProbeNeedsAModelOfTheOptics) {
  TempDir dir;
  const std::string cxi = dir.file("ring.cxi"), out = dir.file("rec.h5");
  // A pupil of 0.4 of the detector half-width defocused to 60 of 64 pixels; no probe in the file.
  ASSERT_EQ(run_phasis("ptycho simulate '" + cxi + "' --frame-size 64 --positions 300 --probe-diameter 60 "
                       "--aperture-fraction 0.4").exit_code, 0);
  auto reconstruct = [&](const std::string& start) {
    const RunResult r = run_phasis("ptycho reconstruct '" + cxi + "' -o '" + out + "' --iterations 100 --device cpu "
                                   "--no-pictures --no-report " + start);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const RunResult c = run_phasis("ptycho compare '" + out + "' '" + cxi + "'");
    EXPECT_EQ(c.exit_code, 0) << c.err;
    return std::pair{r.out, number_after(c.out, "phase RMSE ")};
  };
  const auto [mean_log, mean_rmse] = reconstruct("");
  const auto [model_log, model_rmse] = reconstruct("--probe-model aperture --probe-diameter 55 --aperture-fraction 0.4");
  const double mean_r = number_after(mean_log, "R-factor "), model_r = number_after(model_log, "R-factor ");
  std::printf("[ probe    ] mean-pattern start: phase RMSE %.4f rad, R %.4f; model start (diameter 8%% off): %.4f rad, R %.4f\n",
              mean_rmse, mean_r, model_rmse, model_r);
  EXPECT_NE(mean_log.find("probe: from mean diffraction pattern"), std::string::npos) << mean_log;
  EXPECT_NE(model_log.find("probe: from the aperture model (pupil 0.4 of the detector half-width, defocused to 55 object pixels)"),
            std::string::npos)
      << model_log;
  // Measured: 0.59 rad and R 0.20 from the mean pattern; 0.0066 rad and R 0.0022 from the model.
  EXPECT_GT(mean_rmse, 0.3);
  EXPECT_LT(model_rmse, 0.02);
  EXPECT_GT(mean_r, 10 * model_r) << "the R-factor tells the failed start from the good one without a truth";
}

TEST(CliProbeModel, BadModelOptionsAreOneLineAndWriteNothing) {
  TempDir dir;
  const std::string cxi = dir.file("s.cxi"), out = dir.file("rec.h5");
  ASSERT_EQ(run_phasis("ptycho simulate '" + cxi + "' --frame-size 32 --positions 20").exit_code, 0);
  const std::string base = "ptycho reconstruct '" + cxi + "' -o '" + out + "' --iterations 2 --no-pictures --no-report ";
  for (const auto& [args, says] : {std::pair<std::string, std::string>{"--probe-model zoneplate", "expected aperture or gaussian; found 'zoneplate'"},
                                   {"--probe-model aperture --probe-diameter 40", "expected 0 (0.3 M) to the frame size 32"},
                                   {"--probe-model aperture --aperture-fraction 1.5", "aperture fraction: expected in (0, 1]"},
                                   {"--probe-model gaussian --probe '" + cxi + "'", "--probe-model and --probe: expected one start"},
                                   {"--probe-support 17", "probe support radius: expected 0 (none) to half the frame, 16 pixels"},
                                   {"--probe-pupil 2", "probe pupil: expected 0 (none) or a fraction"},
                                   {"--probe-support 8 --algorithm dm:2,ml:2", "a probe support: expected solvers that take it"},
                                   {"--probe-model gaussian --gaussian-sigma 50", "probe model sigma: expected 0 (M / 10) to the frame size"},
                                   {"--probe-recentre-every -1", "probe recentre every: expected 0 (never) or a number of iterations"},
                                   {"--probe-recentre-every 5 --algorithm ml", "probe recentring: expected solvers that take it"},
                                   {"--algorithm lsqml --lsqml-batch 0", "lsqml mini batch: expected >= 1 frames; found 0"}}) {
    const RunResult r = run_phasis(base + args);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.out << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << args << ": " << r.err;
    EXPECT_NE(r.err.find(says), std::string::npos) << args << ": " << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << args;
  }
}
