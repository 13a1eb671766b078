// Fourier relaxation from the data (counting.hpp).
#include "phasis/ptycho/counting.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "phasis/core/error.hpp"
#include "phasis/io/cxi.hpp"

namespace phasis {

FourierRelax parse_fourier_relax(const std::string& text) {
  if (text == "auto") return {};
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end == text.c_str() || *end != '\0' || !std::isfinite(v) || !(v >= 0))
    throw InputError("fourier relax: expected auto or a number of Poisson variances >= 0; found '" + text + "'");
  return {false, v};
}

double counting_relax(int64_t n, int64_t m, const std::function<void(int64_t, float*)>& frame, std::string& why) {
  why.clear();
  const int64_t samples = std::min<int64_t>(n, 16);
  if (samples < 1 || m < 1) return 0;
  std::vector<float> f(size_t(m * m));
  double sum = 0;
  for (int64_t i = 0; i < samples; ++i) {
    frame(i * n / samples, f.data());
    for (float v : f) {
      if (v != std::floor(v)) return 0;  // not counts: the exact projection
      sum += v;
    }
  }
  char line[224];
  std::snprintf(line, sizeof line,
                "fourier relax: 1, the power bound (the data are photon counts, %.3g per pixel on average; "
                "fourier relax 0 for the exact projection)",
                sum / double(samples * m * m));
  why = line;
  return 1;
}

double counting_relax(const std::string& cxi_path, std::string& why) {
  const CxiReader reader(cxi_path);
  return counting_relax(reader.frames(), reader.frame_size(),
                        [&](int64_t j, float* dst) { reader.read_frames(j, j + 1, dst); }, why);
}

}  // namespace phasis
