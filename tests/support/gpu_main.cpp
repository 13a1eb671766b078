// main() for gpu tests: exit 77 (CTest: skipped) when no GPU is present or CUDA was not built.
#include <gtest/gtest.h>

#include <cstdio>

#include "phasis/core/array.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (!phasis::cuda_available()) {
    std::printf("no CUDA device (or built without CUDA): skipping\n");
    return 77;
  }
  return RUN_ALL_TESTS();
}
