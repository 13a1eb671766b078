// Devices and precisions as values: parsing, descriptions, the checks of a device this build or
// machine lacks, and the one dispatch point that turns the values into template arguments.
#include <gtest/gtest.h>

#include <type_traits>

#include "backend/cpu.hpp"
#include "backend/dispatch.hpp"
#include "phasis/core/array.hpp"
#include "phasis/core/device.hpp"
#include "phasis/core/error.hpp"

using namespace phasis;

TEST(Device, ParsesNamesAndNumbers) {
  EXPECT_EQ(parse_device("cpu"), Device::cpu());
  EXPECT_EQ(parse_device("cpu", 3), Device::cpu(3));
  EXPECT_EQ(parse_device("cuda"), Device::cuda(0));
  EXPECT_EQ(parse_device("cuda:2"), Device::cuda(2));
  EXPECT_EQ(parse_device("auto", 4), cuda_available() ? Device::cuda(0) : Device::cpu(4));
  for (const char* bad : {"", "gpu", "CUDA", "cuda:", "cuda:-1", "cuda:1x", "cuda:x", "cpu:1"})
    EXPECT_THROW(parse_device(bad), InputError) << bad;
  EXPECT_EQ(parse_precision("float"), Precision::single);
  EXPECT_EQ(parse_precision("double"), Precision::double_);
  EXPECT_THROW(parse_precision("half"), InputError);
}

TEST(Device, DescribesItself) {
  EXPECT_STREQ(kind_name(Device::cuda(3)), "cuda");
  EXPECT_STREQ(kind_name(Device::cpu(2)), "cpu");
  EXPECT_EQ(describe(Device::cuda(3)), "cuda:3");
  EXPECT_EQ(describe(Device::cpu()), "cpu");
  EXPECT_EQ(describe(Device::cpu(8)), "cpu (8 threads)");
  EXPECT_STREQ(precision_name(Precision::single), "float");
  EXPECT_STREQ(precision_name(Precision::double_), "double");
}

TEST(Device, MissingDevicesAreOneLineDeviceErrors) {
  EXPECT_NO_THROW(require_device(Device::cpu()));
  EXPECT_THROW(require_device(Device::cpu(-1)), InputError);
  const int gpus = cuda_device_count();
  try {
    require_device(Device::cuda(gpus));  // one past the last GPU (or the first, when there is none)
    FAIL() << "expected a DeviceError";
  } catch (const DeviceError& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    EXPECT_NE(m.find("cuda"), std::string::npos) << m;
  }
}

TEST(Dispatch, ValuesBecomeTheBackendAndRealType) {
  const auto kind = [](Precision p) {
    // Both branches are compiled (a CUDA build instantiates the CUDA one too); a CPU device takes
    // the CPU's, which returns the real type's size.
    return dispatch(Device::cpu(1), p,
                    []<class B, class T>() { return std::is_same_v<B, CpuBackend> ? sizeof(T) : size_t(0); });
  };
  EXPECT_EQ(kind(Precision::single), sizeof(float));
  EXPECT_EQ(kind(Precision::double_), sizeof(double));
  EXPECT_TRUE(dispatch_backend(Device::cpu(), []<class B>() { return std::is_same_v<B, CpuBackend>; }));
  // A CUDA device this machine lacks is refused before any template is called.
  if (!cuda_available()) {
    bool called = false;
    EXPECT_THROW(dispatch(Device::cuda(), Precision::single, [&]<class B, class T>() { called = true; }), DeviceError);
    EXPECT_FALSE(called);
  }
}

TEST(CpuBackend, OwnsItsThreadCount) {
  const CpuBackend one(1), three(Device::cpu(3));
  EXPECT_EQ(one.threads(), 1);
  EXPECT_EQ(three.threads(), 3);
  EXPECT_EQ(three.device(), Device::cpu(3));
  // The same sum with different thread counts: exact here (integers in double), and the same
  // bits run to run for one count (partials added in thread order).
  const auto f = [](int64_t i) { return double(i % 7) * 0.125; };
  EXPECT_EQ(one.sum(100001, f), three.sum(100001, f));
  const double a = three.sum(1000003, [](int64_t i) { return 1.0 / double(i + 1); });
  for (int r = 0; r < 5; ++r) EXPECT_EQ(three.sum(1000003, [](int64_t i) { return 1.0 / double(i + 1); }), a);
}
