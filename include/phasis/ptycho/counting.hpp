// The Difference Map's Fourier relaxation chosen from the data (`--fourier-relax auto`, the
// default of the CLI and of phasis.ptycho.reconstruct): photon-counting data get the power bound
// (1 Poisson variance; the exact projection fits their noise and lets probe and object drift),
// other data the exact projection.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace phasis {

struct FourierRelax {
  bool automatic = true;
  double value = 0;  // when not automatic
};

/// "auto" or a number of Poisson variances >= 0; InputError otherwise (one line).
FourierRelax parse_fourier_relax(const std::string& text);

/// auto's choice on N frames of M x M read through frame(j, dst): 1 when every intensity of up to
/// 16 frames spread over the scan is an integer (photon counts), else 0. `why`: the line saying
/// what was chosen and why (empty when 0).
double counting_relax(int64_t n, int64_t m, const std::function<void(int64_t, float*)>& frame, std::string& why);
/// The same on a CXI file's frames.
double counting_relax(const std::string& cxi_path, std::string& why);

}  // namespace phasis
