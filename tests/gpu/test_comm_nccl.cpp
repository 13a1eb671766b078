// The NCCL communicator on the GPUs of this machine: with one GPU a one-part communicator, whose
// collectives still go through NCCL (device buffers directly, host buffers through the scratch
// buffer); with two or more, one part per GPU on its own thread, as run_dm_distributed drives
// them. Skipped in builds without NCCL; exits 77 without a GPU (support/gpu_main.cpp).
#include <gtest/gtest.h>

#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "phasis/comm/nccl.hpp"
#include "phasis/core/array.hpp"
#include "phasis/core/error.hpp"

using namespace phasis;

namespace {

/// Runs `body(comm)` on parts 0..parts-1 of one NCCL communicator, part p on GPU p, each on its own
/// thread; rethrows the first part's error.
template <class F>
void on_every_gpu(int parts, F body) {
  const comm::NcclId id = comm::nccl_unique_id();
  std::vector<std::exception_ptr> errors(static_cast<size_t>(parts));
  std::vector<std::thread> threads;
  for (int p = 0; p < parts; ++p)
    threads.emplace_back([&, p] {
      try {
        cuda_use_device(p);
        comm::Nccl gpus(id, parts, p);
        body(gpus);
      } catch (...) {
        errors[size_t(p)] = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

/// Sums, broadcasts and gathers in device and host memory; every part checks what it holds.
/// gtest's EXPECT macros are thread-safe where the platform has pthreads.
void collectives(comm::Communicator& c) {
  const int parts = c.size(), me = c.rank();
  const int64_t n = 1000;
  const double rank_total = parts * (parts - 1) / 2.0;
  for (Memory where : {Memory::device, Memory::host}) {
    Array<float> f(Shape{n});
    Array<double> d(Shape{n});
    for (int64_t i = 0; i < n; ++i) f[i] = float(me * 10 + i), d[i] = -0.5 * (me + 1) * i;
    Array<float> fw = f.to(where);
    Array<double> dw = d.to(where);
    c.sum(fw.data(), n, where);
    c.sum(dw.data(), n, where);
    f = fw.to(Memory::host), d = dw.to(Memory::host);
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_EQ(f[i], float(10 * rank_total + parts * i)) << to_string(where) << ", value " << i;
      ASSERT_EQ(d[i], -0.5 * (rank_total + parts) * i) << to_string(where) << ", value " << i;
    }

    const int root = parts - 1;
    Array<int32_t> said(Shape{3});
    for (int i = 0; i < 3; ++i) said[i] = 100 * me + i;
    Array<int32_t> saidw = said.to(where);
    c.broadcast(saidw.data(), int64_t(saidw.bytes()), root, where);
    said = saidw.to(Memory::host);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(said[i], 100 * root + i) << to_string(where);

    Array<uint8_t> mine(Shape{5});
    for (int i = 0; i < 5; ++i) mine[i] = uint8_t(10 * me + i);
    const Array<uint8_t> minew = mine.to(where);
    Array<uint8_t> allw(Shape{5 * int64_t(parts)}, where);
    c.all_gather(minew.data(), 5, allw.data(), where);
    const Array<uint8_t> all = allw.to(Memory::host);
    for (int r = 0; r < parts; ++r)
      for (int i = 0; i < 5; ++i) EXPECT_EQ(all[5 * r + i], 10 * r + i) << to_string(where) << ", part " << r;
  }
  EXPECT_EQ(c.sum(double(me + 1)), rank_total + parts);
  c.barrier();
}

}  // namespace

TEST(CommNccl, OnePartCollectives) {
  if (!comm::nccl_available()) GTEST_SKIP() << "built without NCCL";
  cuda_use_device(0);
  comm::Nccl alone(comm::nccl_unique_id(), 1, 0);
  EXPECT_EQ(alone.size(), 1);
  EXPECT_EQ(alone.rank(), 0);
  collectives(alone);
  alone.agree({});
  try {
    alone.agree({comm::Failure::input, "frame 2: expected finite values; found NaN"});
    ADD_FAILURE() << "went on";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "frame 2: expected finite values; found NaN");
  }
}

TEST(CommNccl, EveryGpuAPart) {
  if (!comm::nccl_available()) GTEST_SKIP() << "built without NCCL";
  const int gpus = cuda_device_count();
  if (gpus < 2) GTEST_SKIP() << "one GPU";
  on_every_gpu(gpus, [](comm::Communicator& c) { collectives(c); });
}

// A ring of device messages, and agree(): every part throws the lowest failing part's message.
TEST(CommNccl, ExchangeAndAgreeOverGpus) {
  if (!comm::nccl_available()) GTEST_SKIP() << "built without NCCL";
  const int gpus = cuda_device_count();
  if (gpus < 2) GTEST_SKIP() << "one GPU";
  on_every_gpu(gpus, [](comm::Communicator& c) {
    const int parts = c.size(), me = c.rank();
    const int right = (me + 1) % parts, left = (me + parts - 1) % parts;
    Array<double> to_right(Shape{me + 1}), to_left(Shape{2});
    for (int i = 0; i <= me; ++i) to_right[i] = 1000 * me + i;
    to_left[0] = -me, to_left[1] = -100 - me;
    const Array<double> dright = to_right.to(Memory::device), dleft = to_left.to(Memory::device);
    Array<double> from_left(Shape{left + 1}, Memory::device), from_right(Shape{2}, Memory::device);
    c.exchange({{right, const_cast<double*>(dright.data()), int64_t(dright.bytes())},
                {left, const_cast<double*>(dleft.data()), int64_t(dleft.bytes())}},
               {{left, from_left.data(), int64_t(from_left.bytes())},
                {right, from_right.data(), int64_t(from_right.bytes())}},
               Memory::device);
    const Array<double> got_left = from_left.to(Memory::host), got_right = from_right.to(Memory::host);
    for (int i = 0; i <= left; ++i) EXPECT_EQ(got_left[i], 1000 * left + i);
    EXPECT_EQ(got_right[0], -right);
    EXPECT_EQ(got_right[1], -100 - right);

    comm::Failure mine;
    if (me > 0) mine = {comm::Failure::device, "part " + std::to_string(me) + " out of memory"};
    try {
      c.agree(mine);
      ADD_FAILURE() << "part " << me << " went on";
    } catch (const DeviceError& e) {
      EXPECT_EQ(std::string(e.what()), me == 1 ? "part 1 out of memory" : "GPU part 1: part 1 out of memory");
    }
  });
}
