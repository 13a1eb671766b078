// The multislice memory estimate: a 4D-STEM scan whose patterns cannot fit is refused before any
// work with the largest item named; a small run passes; the arithmetic of the estimate by hand.
#include <gtest/gtest.h>

#include "phasis/core/error.hpp"
#include "phasis/multislice/diffraction.hpp"
#include "phasis/multislice/memory.hpp"

using namespace phasis;
using namespace phasis::ms;

namespace {
Simulation scan(int64_t positions, int64_t pixels) {
  Simulation s;
  s.atoms.cell = {20, 20, 40};
  s.grid = grid_from_gpts(20, 20, pixels, pixels);
  s.potential.slice_thickness = 2;
  s.positions.assign(positions, Position{1, 1});
  s.batch = 16;
  Detector d;
  d.type = DetectorType::pixelated;
  d.name = "pixelated";
  s.detectors.push_back(d);
  return s;
}
}  // namespace

TEST(MsMemory, AHugeScanIsRefusedWithItsLargestItem) {
  const Simulation s = scan(1000000, 512);
  const MemoryEstimate e = estimate_memory(s, Device::cpu(), Precision::single);
  const auto [cy, cx] = pixelated_shape(s.grid);
  // The patterns alone: positions x crop x 8 bytes.
  EXPECT_GE(e.host_bytes, 1e6 * double(cy) * double(cx) * 8);
  EXPECT_NE(e.largest.find("pixelated patterns: 1000000"), std::string::npos) << e.largest;
  try {
    check_memory(e, 24.0 * (1 << 30), 0);
    FAIL() << "expected a refusal";
  } catch (const InputError& err) {
    EXPECT_NE(std::string(err.what()).find("GiB of host memory"), std::string::npos) << err.what();
  }
}

TEST(MsMemory, ASmallRunFitsAndTheSlicesAreCounted) {
  const Simulation s = scan(16, 256);
  const MemoryEstimate e = estimate_memory(s, Device::cpu(), Precision::single);
  // 20 slices x 256^2 x (potential + complex transmission) x 4 bytes x 2 configurations, plus
  // 3 copies of 16 waves of 256^2 complex floats: 31.5 MB + 25.2 MB, and small results.
  EXPECT_GT(e.host_bytes, 2.0 * 20 * 65536 * 12 + 3.0 * 16 * 65536 * 8);
  EXPECT_LT(e.host_bytes, 1.1 * (2.0 * 20 * 65536 * 12 + 3.0 * 16 * 65536 * 8) + 1e7);
  EXPECT_NO_THROW(check_memory(e, available_host_bytes(), 0));
  const MemoryEstimate g = estimate_memory(s, Device::cuda(0), Precision::single);
  EXPECT_GT(g.device_bytes, 0);
  EXPECT_THROW(check_memory(g, 1e12, 1e6), InputError);  // 1 MB of GPU memory is not enough
}
