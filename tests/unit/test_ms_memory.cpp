// The multislice memory estimate: a 4D-STEM scan whose patterns cannot fit is refused before any
// work with the largest item named; a small run passes; the arithmetic of the estimate by hand.
#include <gtest/gtest.h>

#include "phasis/core/error.hpp"
#include "phasis/multislice/diffraction.hpp"
#include "phasis/multislice/execution.hpp"
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
  Execution x;
  const MemoryEstimate e = estimate_memory(s, plan_chunking(s, x, Precision::single), Precision::single);
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
  Execution x;
  x.workers = 1;
  const Chunking c = plan_chunking(s, x, Precision::single);
  ASSERT_EQ(c.batch, 16);
  ASSERT_EQ(c.workers.size(), 1u);
  const MemoryEstimate e = estimate_memory(s, c, Precision::single);
  // One worker: 20 slices x 256^2 x (potential + complex transmission) x 4 bytes, plus 16 waves of
  // 256^2 complex floats and their FFT work space: 15.7 MB + 16.8 MB; the patterns (cy x cx
  // doubles per position): the chunk's on the backend and host, those waiting in the queue's
  // window (2 x 1 worker + 3 chunks of 16) and the 16 kept.
  const auto [cy, cx] = pixelated_shape(s.grid);
  const double pattern = double(cy * cx) * 8;
  const double want = 20.0 * 65536 * 12 + 2.0 * 16 * 65536 * 8 + 16 * 2 * pattern + 5 * 16 * pattern + 16 * pattern;
  EXPECT_GT(e.host_bytes, want);
  EXPECT_LT(e.host_bytes, 1.1 * want);
  EXPECT_NO_THROW(check_memory(e, available_host_bytes(), 0));
  Execution gx;
  gx.device = Device::cuda(0);
  const MemoryEstimate g = estimate_memory(s, plan_chunking(s, gx, Precision::single), Precision::single);
  EXPECT_GT(g.device_bytes, 0);
  EXPECT_THROW(check_memory(g, 1e12, 1e6), InputError);  // 1 MB of GPU memory is not enough
}
