// Communicators of one part: Local, and Mpi outside an MPI launcher (a world of one rank that must
// behave as Local without calling MPI). Failures to and from exceptions. The collectives over
// several ranks are tests/mpi/test_comm_mpi.cpp; NCCL's, tests/gpu/test_comm_nccl.cpp.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "phasis/comm/local.hpp"
#include "phasis/comm/mpi.hpp"
#include "phasis/comm/nccl.hpp"
#include "phasis/core/error.hpp"
#include "testing.hpp"

using namespace phasis;
using phasis::testing::count_lines;

namespace {

/// Runs `f` and returns the one-line message of the error of type E it throws.
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw another error: " << e.what();
    return {};
  }
  ADD_FAILURE() << "threw nothing";
  return {};
}

/// The checks every one-part communicator passes: Local, and Mpi without MPI running.
void expect_one_part(comm::Communicator& c) {
  EXPECT_EQ(c.size(), 1);
  EXPECT_EQ(c.rank(), 0);

  std::vector<float> f{1.5f, -2.f, 3.f};
  c.sum(f.data(), int64_t(f.size()), Memory::host);
  EXPECT_EQ(f, (std::vector<float>{1.5f, -2.f, 3.f}));
  std::vector<double> d{0.25, 7.0};
  c.sum(d.data(), int64_t(d.size()), Memory::host);
  EXPECT_EQ(d, (std::vector<double>{0.25, 7.0}));
  EXPECT_EQ(c.sum(4.5), 4.5);

  char text[] = "root's bytes";
  c.broadcast(text, sizeof text, 0, Memory::host);
  EXPECT_STREQ(text, "root's bytes");
  const std::string bad_root = message_of<InternalError>([&] { c.broadcast(text, sizeof text, 1, Memory::host); });
  EXPECT_EQ(bad_root, "broadcast: expected a root part in [0, 1); found 1");

  const int mine[3] = {4, 5, 6};
  int all[3] = {};
  c.all_gather(mine, sizeof mine, all, Memory::host);
  EXPECT_EQ(std::vector<int>(all, all + 3), (std::vector<int>{4, 5, 6}));

  // Messages to itself arrive in the receive listed at the same place.
  double a[2] = {1, 2}, b[1] = {3}, ra[2] = {}, rb[1] = {};
  c.exchange({{0, a, sizeof a}, {0, b, sizeof b}}, {{0, ra, sizeof ra}, {0, rb, sizeof rb}}, Memory::host);
  EXPECT_EQ(ra[0], 1);
  EXPECT_EQ(ra[1], 2);
  EXPECT_EQ(rb[0], 3);
  c.exchange({}, {}, Memory::host);  // nothing to send: returns at once

  c.barrier();
  c.agree({});  // no failure: returns
  EXPECT_EQ(message_of<InputError>([&] { c.agree({comm::Failure::input, "frame 3: expected finite values"}); }),
            "frame 3: expected finite values");
  EXPECT_EQ(message_of<DeviceError>([&] { c.agree({comm::Failure::device, "out of device memory"}); }),
            "out of device memory");
  EXPECT_EQ(message_of<InternalError>([&] { c.agree({comm::Failure::internal, "bug"}); }), "bug");
}

}  // namespace

TEST(CommLocal, OnePartSumsBroadcastsGathersAndExchanges) {
  comm::Local local;
  expect_one_part(local);
}

TEST(CommLocal, ExchangeRefusesMessagesThatCannotMatch) {
  comm::Local local;
  char s[4] = "abc", r[4] = {}, big[8] = {};
  const std::string peer = message_of<InternalError>([&] { local.exchange({{1, s, 4}}, {{0, r, 4}}, Memory::host); });
  EXPECT_EQ(peer, "exchange in one part: expected messages to and from part 0; found part 1");
  const std::string count = message_of<InternalError>([&] { local.exchange({{0, s, 4}}, {}, Memory::host); });
  EXPECT_EQ(count, "exchange in one part: expected as many receives as sends; found 0 receives for 1 sends");
  const std::string size = message_of<InternalError>([&] { local.exchange({{0, s, 4}}, {{0, big, 8}}, Memory::host); });
  EXPECT_EQ(size, "exchange in one part: expected a receive of the size of its send (4 bytes); found 8");
  EXPECT_EQ(count_lines(peer) + count_lines(count) + count_lines(size), 3);
}

TEST(CommLocal, OnePartCopiesDeviceBuffersToo) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  comm::Local local;
  Array<float> mine(Shape{3});
  for (int i = 0; i < 3; ++i) mine[i] = float(i + 1);
  const Array<float> dmine = mine.to(Memory::device);
  Array<float> dall(Shape{3}, Memory::device);
  local.all_gather(dmine.data(), int64_t(dmine.bytes()), dall.data(), Memory::device);
  const Array<float> all = dall.to(Memory::host);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(all[i], float(i + 1));
}

// Outside an MPI launcher the session initialises nothing and the world is one rank, whose calls
// never reach MPI (they would fail: MPI is not initialised).
TEST(CommMpi, WithoutALauncherTheWorldIsOneRank) {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"})
    if (std::getenv(v)) GTEST_SKIP() << "started by an MPI launcher (" << v << ")";
  const comm::MpiSession session;
  EXPECT_FALSE(session.initialised());
  comm::Mpi world;
  expect_one_part(world);
  // A one-rank agree() is this rank's own error, not one that every rank holds.
  EXPECT_FALSE(comm::failure_agreed());
}

TEST(CommFailure, FromEachKindOfErrorAndBack) {
  auto of = [](auto error) { return comm::failure_of(std::make_exception_ptr(error)); };
  const comm::Failure input = of(InputError("frames: expected 3; found 2"));
  EXPECT_EQ(input.kind, comm::Failure::input);
  EXPECT_EQ(input.message, "frames: expected 3; found 2");
  EXPECT_EQ(of(DeviceError("no GPU")).kind, comm::Failure::device);
  const comm::Failure memory = of(std::bad_alloc());
  EXPECT_EQ(memory.kind, comm::Failure::device);
  EXPECT_EQ(memory.message, "out of host memory");
  const comm::Failure other = of(std::runtime_error("odd"));
  EXPECT_EQ(other.kind, comm::Failure::internal);
  EXPECT_EQ(other.message, "odd");
  EXPECT_FALSE(comm::Failure{});
  EXPECT_TRUE(input);
  EXPECT_EQ(message_of<InputError>([&] { comm::raise(input); }), "frames: expected 3; found 2");
}

TEST(CommNccl, ABuildWithoutNcclRefusesOne) {
  if (comm::nccl_available()) GTEST_SKIP() << "built with NCCL: tests/gpu/test_comm_nccl.cpp runs it";
  const std::string what = message_of<DeviceError>([] { comm::Nccl gpus(comm::NcclId{}, 1, 0); });
  EXPECT_EQ(what, "NCCL: expected a build with NCCL (CUDA and libnccl); found none");
  EXPECT_EQ(message_of<DeviceError>([] { comm::nccl_unique_id(); }), what);
}
