// nufft::Plan on CUDA against the CPU plan and the direct sums, float and double, 2D and 3D, both
// types and their adjoints, several transforms, type 2 at new points, shared-memory and global
// spreading and interpolation (bins of many subproblems, supports across the period's edge), each
// checked to be the method that ran (Plan::spread_method, interpolate_method), the automatic
// choice made by set_points, the fine-grid limit, and device-memory checks.
// Built in every configuration; the tests exist only when CUDA is (gpu_main.cpp exits 77 without
// a device or without CUDA).
#include <gtest/gtest.h>

#if PHASIS_HAVE_CUDA

#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "direct_nufft.hpp"
#include "errors.hpp"
#include "phasis/core/array.hpp"
#include "phasis/core/error.hpp"
#include "phasis/nufft/nufft.hpp"

using namespace phasis;
using namespace phasis::testing;
using nufft::Options;
using nufft::Plan;
using nufft::Type;

namespace {

template <class T>
constexpr double kTol = 0;
template <>
constexpr double kTol<float> = 1e-5;
template <>
constexpr double kTol<double> = 1e-10;

int64_t product(const std::vector<int64_t>& v) {
  int64_t p = 1;
  for (int64_t n : v) p *= n;
  return p;
}

template <class T>
Array<T> to_device(const std::vector<T>& v) {
  Array<T> host(Shape{static_cast<int64_t>(v.size())});
  for (std::size_t i = 0; i < v.size(); ++i) host[i] = v[i];
  return host.to(Memory::device);
}

template <class T>
std::vector<T> to_host(const Array<T>& dev) {
  Array<T> host = dev.to(Memory::host);
  return std::vector<T>(host.data(), host.data() + host.size());
}

/// Device copies of the coordinates, and the points set on a plan.
template <class T>
struct DevicePoints {
  std::vector<Array<T>> xyz;
  explicit DevicePoints(const std::vector<std::vector<T>>& h) {
    for (const auto& axis : h) xyz.push_back(to_device(axis));
  }
  void set(Plan<T>& plan) {
    plan.set_points(xyz[0].size(), xyz[0].data(), xyz[1].data(), xyz.size() == 3 ? xyz[2].data() : nullptr);
  }
};

template <class T>
std::vector<Complex<double>> widen(const Complex<T>* a, int64_t n) {
  std::vector<Complex<double>> out(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) out[i] = {double(a[i].re), double(a[i].im)};
  return out;
}

template <class T>
class NufftCuda : public ::testing::Test {};
using Precisions = ::testing::Types<float, double>;
TYPED_TEST_SUITE(NufftCuda, Precisions);

Options gpu_options(nufft::Spread spread = nufft::Spread::automatic) {
  Options o;
  o.device = Device::cuda();
  o.spread = spread;
  return o;
}

}  // namespace

TYPED_TEST(NufftCuda, BothTypesMatchTheCpuPlanAndTheDirectSums) {
  using T = TypeParam;
  for (const std::vector<int64_t>& modes : {std::vector<int64_t>{16, 18}, std::vector<int64_t>{8, 10, 12}})
    for (int sign : {+1, -1}) {
      const int dims = static_cast<int>(modes.size());
      const int64_t m = 2000, nk = product(modes), nt = 2;
      const auto xyz = random_points<T>(dims, m, -4, 4, 3);
      const auto c = random_values<T>(m * nt, 4);
      const auto f = random_values<T>(nk * nt, 5);
      Plan<T> cpu(Type::type1, modes, sign, kTol<T>, nt);
      Plan<T> gpu(Type::type1, modes, sign, kTol<T>, nt, gpu_options());
      cpu.set_points(m, xyz[0].data(), xyz[1].data(), dims == 3 ? xyz[2].data() : nullptr);
      DevicePoints<T> dp(xyz);
      dp.set(gpu);

      std::vector<Complex<T>> f_cpu(nk * nt), c_cpu(m * nt);
      std::vector<Complex<T>> cc = c, ff = f;
      cpu.execute(cc.data(), f_cpu.data());
      cpu.execute_adjoint(c_cpu.data(), ff.data());
      auto c_dev = to_device(c), f_dev = to_device(f);
      Array<Complex<T>> f_out(Shape{nk * nt}, Memory::device), c_out(Shape{m * nt}, Memory::device);
      gpu.execute(c_dev.data(), f_out.data());
      gpu.execute_adjoint(c_out.data(), f_dev.data());
      const auto f_gpu = to_host(f_out), c_gpu = to_host(c_out);

      for (int64_t t = 0; t < nt; ++t) {
        SCOPED_TRACE(::testing::Message() << dims << "D sign " << sign << " transform " << t);
        const auto f_ref = direct_type1(modes, xyz, c.data() + t * m, sign);
        const auto c_ref = direct_type2(modes, xyz, f.data() + t * nk, -sign);
        EXPECT_LE(relative_l2(f_gpu.data() + t * nk, f_ref), 10 * kTol<T>);
        EXPECT_LE(relative_l2(c_gpu.data() + t * m, c_ref), 10 * kTol<T>);
        // The same pipeline on both: they differ by rounding and the order of the atomic adds.
        EXPECT_LE(relative_l2(f_gpu.data() + t * nk, widen(f_cpu.data() + t * nk, nk)), kTol<T>);
        EXPECT_LE(relative_l2(c_gpu.data() + t * m, widen(c_cpu.data() + t * m, m)), kTol<T>);
      }
    }
}

/// Every CUDA path of type 1 and type 2, by name: the kernels in shared memory (bins for the
/// device's shared memory, and for a small budget: many small bins) and one thread per point,
/// with the polynomial and the exact kernel, and the automatic choice. `runs`: the method the
/// plan must report for both directions ("shared" or "global"), or null for the automatic one.
struct Method {
  const char* name;
  const char* runs;
  Options options;
};

std::vector<Method> all_methods() {
  std::vector<Method> out;
  auto add = [&](const char* name, const char* runs, nufft::Spread s, nufft::Interpolate i, int64_t bytes,
                 bool exact) {
    Options o = gpu_options(s);
    o.interpolate = i;
    o.shared_bytes = bytes;
    o.exact_kernel = exact;
    out.push_back({name, runs, o});
  };
  add("shared", "shared", nufft::Spread::shared, nufft::Interpolate::shared, 0, false);
  add("shared, small boxes", "shared", nufft::Spread::shared, nufft::Interpolate::shared, 16 * 1024, false);
  add("shared, exact kernel", "shared", nufft::Spread::shared, nufft::Interpolate::shared, 0, true);
  add("global", "global", nufft::Spread::global, nufft::Interpolate::global, 0, false);
  add("global, exact kernel", "global", nufft::Spread::global, nufft::Interpolate::global, 0, true);
  add("automatic", nullptr, nufft::Spread::automatic, nufft::Interpolate::automatic, 0, false);
  return out;
}

/// The method a plan's execution of `type` runs: spreading for type 1, interpolation for type 2.
template <class T>
std::string method_of(const Plan<T>& plan, Type type) {
  return type == Type::type1 ? plan.spread_method() : plan.interpolate_method();
}

TYPED_TEST(NufftCuda, EveryMethodOfBothTypesMatchesTheDirectSums) {
  using T = TypeParam;
  for (int dims : {2, 3})
    for (bool clustered : {false, true}) {
      // Clustered: 6000 points within 0.1 of the origin, the fine grid's corner, so a few bins hold
      // several subproblems of 1024 points each and their boxes wrap around the grid's edges.
      const std::vector<int64_t> modes = dims == 2 ? std::vector<int64_t>{40, 36} : std::vector<int64_t>{20, 18, 16};
      const int64_t m = 6000, nk = product(modes), nt = 2;
      // 3D double at 1e-7 (width 8): its boxes fit the 48 KiB of the small budget below; 2D and
      // float at 1e-5 fit with room to spare (docs/nufft.md).
      const double tol = sizeof(T) == 4 ? kTol<T> : (dims == 3 ? 1e-7 : kTol<T>);
      const auto xyz = clustered ? random_points<T>(dims, m, -0.1, 0.1, 21) : random_points<T>(dims, m, -4, 4, 22);
      const auto c = random_values<T>(m * nt, 23);
      const auto f = random_values<T>(nk * nt, 24);
      DevicePoints<T> dp(xyz);
      auto c_dev = to_device(c), f_dev = to_device(f);
      std::vector<std::vector<Complex<double>>> f_ref, c_ref;  // the direct sums, once for all methods
      for (int64_t t = 0; t < nt; ++t) {
        f_ref.push_back(direct_type1(modes, xyz, c.data() + t * m, +1));
        c_ref.push_back(direct_type2(modes, xyz, f.data() + t * nk, +1));
      }
      for (Method method : all_methods()) {
        // Small budgets: 16 KiB in float (3D: only 4 x 4 x 4 bins fit, a box of 12^3 cells of 8
        // bytes at width 6), 48 KiB in double (3D at width 8: 14^3 cells of 16 bytes).
        if (sizeof(T) == 8 && method.options.shared_bytes > 0) method.options.shared_bytes = 48 * 1024;
        for (Type type : {Type::type1, Type::type2}) {
          Plan<T> gpu(type, modes, +1, tol, nt, method.options);
          dp.set(gpu);
          Array<Complex<T>> f_out(Shape{nk * nt}, Memory::device), c_out(Shape{m * nt}, Memory::device);
          if (type == Type::type1) gpu.execute(c_dev.data(), f_out.data());
          else gpu.execute(c_out.data(), f_dev.data());
          const auto f_gpu = to_host(f_out), c_gpu = to_host(c_out);
          // The path that ran: the one asked for, or for automatic either (printed).
          const std::string ran = method_of(gpu, type);
          if (method.runs) EXPECT_EQ(ran, method.runs) << dims << "D method " << method.name << " type " << int(type);
          else EXPECT_TRUE(ran == "shared" || ran == "global") << ran;
          for (int64_t t = 0; t < nt; ++t) {
            SCOPED_TRACE(::testing::Message() << dims << "D clustered " << clustered << " method " << method.name
                                              << " type " << int(type) << " transform " << t);
            const double err = type == Type::type1 ? relative_l2(f_gpu.data() + t * nk, f_ref[t])
                                                   : relative_l2(c_gpu.data() + t * m, c_ref[t]);
            std::printf("  %s %dD clustered %d type %d method %-20s ran %s: relative error %.2e (tol %.0e)\n",
                        sizeof(T) == 4 ? "float " : "double", dims, int(clustered), int(type), method.name,
                        ran.c_str(), err, tol);
            EXPECT_LE(err, 10 * tol);
          }
        }
      }
    }
}

TYPED_TEST(NufftCuda, WideKernelsFallBackToGlobalSpreading) {
  using T = TypeParam;
  // The smallest tolerance the accuracy tests cover in each precision, at a 48 KiB budget. In
  // double (width 13) no 3D box fits (4 x 4 x 4 bins at the least: 20^3 cells of 16 bytes, 125
  // KiB), so asking for shared is an InputError and automatic runs one thread per point; in float
  // (width 7) boxes fit and automatic chooses by its cost model (printed).
  const double tol = sizeof(T) == 8 ? 1e-12 : 1e-6;
  const std::vector<int64_t> modes = {12, 10, 14};
  const int64_t m = 800;
  const auto xyz = random_points<T>(3, m, -4, 4, 24);
  const auto c = random_values<T>(m, 25);
  Options small = gpu_options(nufft::Spread::shared);
  small.shared_bytes = 48 * 1024;
  if (sizeof(T) == 8) {
    EXPECT_THROW(Plan<T>(Type::type1, modes, +1, tol, 1, small), InputError);
    small.spread = nufft::Spread::global;
    small.interpolate = nufft::Interpolate::shared;
    EXPECT_THROW(Plan<T>(Type::type2, modes, +1, tol, 1, small), InputError);
  }
  small.spread = nufft::Spread::automatic;
  small.interpolate = nufft::Interpolate::automatic;
  Plan<T> gpu(Type::type1, modes, +1, tol, 1, small);
  DevicePoints<T> dp(xyz);
  dp.set(gpu);
  auto c_dev = to_device(c);
  Array<Complex<T>> f_out(Shape{product(modes)}, Memory::device);
  gpu.execute(c_dev.data(), f_out.data());
  const double err = relative_l2(to_host(f_out).data(), direct_type1(modes, xyz, c.data(), +1));
  std::printf("  %s width %d, 48 KiB budget, automatic: spreading ran %s, interpolation would run %s; "
              "relative error %.2e\n",
              sizeof(T) == 4 ? "float" : "double", gpu.kernel_width(), gpu.spread_method(), gpu.interpolate_method(),
              err);
  if (sizeof(T) == 8) {
    EXPECT_STREQ(gpu.spread_method(), "global");
    EXPECT_STREQ(gpu.interpolate_method(), "global");
  }
  EXPECT_LE(err, 10 * tol);
}

TYPED_TEST(NufftCuda, AutomaticChoiceIsMadeBySetPointsAndKeptByExecutions) {
  using T = TypeParam;
  // 2D, fine grid 32 x 36 at either precision's tolerance (width 6 or 11). 20,000 points are 17
  // per fine cell: bins of 8 x 8 hold a full subproblem and their boxes cost well under a cell per
  // point, so both directions choose shared; 3 points leave a box of hundreds of cells per point,
  // so both choose global. Forced methods are fixed when the plan is made.
  const std::vector<int64_t> modes = {16, 18};
  Plan<T> plan(Type::type1, modes, +1, kTol<T>, 1, gpu_options());
  EXPECT_STREQ(plan.spread_method(), "global");  // no points yet
  EXPECT_STREQ(plan.interpolate_method(), "global");
  Options forced = gpu_options(nufft::Spread::shared);
  forced.interpolate = nufft::Interpolate::global;
  Plan<T> fixed(Type::type1, modes, +1, kTol<T>, 1, forced);
  EXPECT_STREQ(fixed.spread_method(), "shared");
  EXPECT_STREQ(fixed.interpolate_method(), "global");
  for (const int64_t m : {int64_t(20000), int64_t(3), int64_t(20000)}) {
    const bool dense = m > 100;
    const auto xyz = random_points<T>(2, m, -4, 4, 50 + unsigned(m % 7));
    const auto c = random_values<T>(m, 51);
    const auto f = random_values<T>(product(modes), 52);
    DevicePoints<T> dp(xyz);
    dp.set(plan);
    const std::string spread = plan.spread_method(), interp = plan.interpolate_method();
    std::printf("  %s %lld points on 32 x 36 cells: spreading %s, interpolation %s\n",
                sizeof(T) == 4 ? "float" : "double", (long long)m, spread.c_str(), interp.c_str());
    EXPECT_EQ(spread, dense ? "shared" : "global") << m << " points";
    EXPECT_EQ(interp, dense ? "shared" : "global") << m << " points";
    auto c_dev = to_device(c), f_dev = to_device(f);
    Array<Complex<T>> f_out(Shape{product(modes)}, Memory::device), c_out(Shape{m}, Memory::device);
    for (int run = 0; run < 2; ++run) {  // executions use the choice and leave it as it is
      plan.execute(c_dev.data(), f_out.data());
      plan.execute_adjoint(c_out.data(), f_dev.data());
      EXPECT_EQ(plan.spread_method(), spread);
      EXPECT_EQ(plan.interpolate_method(), interp);
    }
    EXPECT_LE(relative_l2(to_host(f_out).data(), direct_type1(modes, xyz, c.data(), +1)), 10 * kTol<T>);
    EXPECT_LE(relative_l2(to_host(c_out).data(), direct_type2(modes, xyz, f.data(), -1)), 10 * kTol<T>);
  }
}

TYPED_TEST(NufftCuda, FineGridsOf2To30CellsPerDimensionAreRefused) {
  using T = TypeParam;
  // 2^29 modes along x: a fine grid of 2^30 cells there (upsampling 2), past the kernels' 32-bit
  // per-dimension indices. Refused before anything is allocated (its 10 x 2^30 cells would take 80
  // GiB in float, 160 in double).
  try {
    Plan<T> plan(Type::type1, {int64_t(1) << 29, 2}, +1, 1e-4, 1, gpu_options());
    ADD_FAILURE() << "a fine grid of 2^30 cells along x was accepted";
  } catch (const InputError& e) {
    std::printf("  %s\n", e.what());
    EXPECT_NE(std::string(e.what()).find("below 2^30 cells per dimension on CUDA; found 1073741824"), std::string::npos)
        << e.what();
  }
}

TYPED_TEST(NufftCuda, Type2AtNewPointsFromOnePreparedGrid) {
  using T = TypeParam;
  const std::vector<int64_t> modes = {8, 10, 12};
  const auto f = random_values<T>(product(modes), 6);
  auto f_dev = to_device(f);
  Plan<T> plan(Type::type2, modes, -1, kTol<T>, 1, gpu_options());
  plan.prepare_uniform(f_dev.data());
  for (unsigned set = 0; set < 3; ++set) {
    const int64_t m = std::vector<int64_t>{1200, 500, 1900}[set];  // the plan's arrays shrink and grow
    const auto xyz = random_points<T>(3, m, -3.2, 3.2, 40 + set);
    DevicePoints<T> dp(xyz);
    dp.set(plan);
    Array<Complex<T>> c(Shape{m}, Memory::device);
    plan.interpolate(c.data());
    EXPECT_LE(relative_l2(to_host(c).data(), direct_type2(modes, xyz, f.data(), -1)), 10 * kTol<T>);
  }
}

TYPED_TEST(NufftCuda, HostPointersAndBadDevicesAreRefused) {
  using T = TypeParam;
  Options bad = gpu_options();
  bad.device = Device::cuda(1 << 20);
  EXPECT_THROW(Plan<T>(Type::type1, {8, 8}, 1, 1e-4, 1, bad), DeviceError);  // no GPU with that number
  Plan<T> plan(Type::type1, {8, 8}, 1, 1e-4, 1, gpu_options());
  std::vector<T> x = {T(0.1), T(0.2)};
  EXPECT_THROW(plan.set_points(2, x.data(), x.data()), InputError);
  auto xd = to_device(x);
  plan.set_points(2, xd.data(), xd.data());
  std::vector<Complex<T>> c(2), f(64);
  EXPECT_THROW(plan.execute(c.data(), f.data()), InputError);
  // Non-finite coordinates: found by the sort's counting pass, or by the separate check of a plan
  // that does not sort.
  std::vector<T> nan = {T(0.1), std::numeric_limits<T>::quiet_NaN()};
  auto nd = to_device(nan);
  EXPECT_THROW(plan.set_points(2, xd.data(), nd.data()), InputError);
  Options unsorted = gpu_options();
  unsorted.sort = false;
  Plan<T> plain(Type::type1, {8, 8}, 1, 1e-4, 1, unsorted);
  EXPECT_THROW(plain.set_points(2, nd.data(), xd.data()), InputError);
  EXPECT_STREQ(plain.spread_method(), "global");  // unsorted points: one thread per point
}

#endif  // PHASIS_HAVE_CUDA
