// Fuzzes the CXI reader (io/cxi.hpp) with arbitrary bytes as an HDF5 file: opening, the layout
// checks, reading every frame and the optional mask, probe and truth, and --probe FILE's reader.
// A clean rejection is an InputError; anything else (another exception, a crash, a sanitizer
// report, a huge allocation from a tiny file) is a finding.
#include <cstdint>

#include "fuzz_input.hpp"
#include "phasis/core/error.hpp"
#include "phasis/io/cxi.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static phasis::fuzz::InputFile file(".cxi");
  const std::string& path = file.write(data, size);
  int64_t m = 0;
  try {
    const phasis::CxiReader reader(path);
    m = reader.frame_size();
    const phasis::PtychoData all = reader.read_all();
    if (reader.frames() > 1) (void)reader.read_part({0, reader.frames() - 1});
    if (reader.has_truth()) (void)reader.truth();
  } catch (const phasis::InputError&) {
  }
  try {
    (void)phasis::read_probe_file(path, m > 0 ? m : 8);
  } catch (const phasis::InputError&) {
  }
  return 0;
}
