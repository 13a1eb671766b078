// Fuzzes the SPI dataset reader (spi/dataset.hpp) with arbitrary bytes as an HDF5 file: the image
// count, the whole dataset with its truth, and a part of it. InputError is a clean rejection;
// anything else is a finding.
#include <cstdint>

#include "fuzz_input.hpp"
#include "phasis/core/error.hpp"
#include "phasis/spi/dataset.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static phasis::fuzz::InputFile file(".h5");
  const std::string& path = file.write(data, size);
  try {
    const int64_t n = phasis::spi::dataset_images(path);
    (void)phasis::spi::read_dataset_part(path, n / 2, n);
  } catch (const phasis::InputError&) {
  }
  try {
    const phasis::spi::SpiDataset d = phasis::spi::read_dataset(path, true);
    (void)phasis::spi::valid_pixels(d);
  } catch (const phasis::InputError&) {
  }
  return 0;
}
