// Devices and precisions as values; see device.hpp.
#include "phasis/core/device.hpp"

#include <charconv>

#include "phasis/core/array.hpp"  // for cuda_available, cuda_device_count
#include "phasis/core/error.hpp"

namespace phasis {

Device parse_device(std::string_view text, int threads) {
  if (text == "auto") return cuda_available() ? Device::cuda(0) : Device::cpu(threads);
  if (text == "cpu") return Device::cpu(threads);
  if (text == "cuda") return Device::cuda(0);
  if (text.starts_with("cuda:")) {
    const std::string_view number = text.substr(5);
    int index = -1;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), index);
    if (ec == std::errc() && end == number.data() + number.size() && !number.empty() && index >= 0)
      return Device::cuda(index);
  }
  throw InputError("device: expected cpu, cuda, cuda:N or auto; found '" + std::string(text) + "'");
}

Precision parse_precision(std::string_view text) {
  if (text == "float") return Precision::single;
  if (text == "double") return Precision::double_;
  throw InputError("precision: expected float or double; found '" + std::string(text) + "'");
}

const char* kind_name(const Device& d) { return d.is_cuda() ? "cuda" : "cpu"; }

std::string describe(const Device& d) {
  if (d.is_cuda()) return "cuda:" + std::to_string(d.index);
  return d.threads > 0 ? "cpu (" + std::to_string(d.threads) + " threads)" : "cpu";
}

const char* precision_name(Precision p) { return p == Precision::single ? "float" : "double"; }

void require_device(const Device& d) {
  if (!d.is_cuda()) {
    if (d.threads < 0) throw InputError("threads: expected >= 0 (0: all); found " + std::to_string(d.threads));
    return;
  }
#if !PHASIS_HAVE_CUDA
  throw DeviceError("device cuda: this phasis was built without CUDA (configure with -DPHASIS_CUDA=ON)");
#else
  const int count = cuda_device_count();
  if (count == 0) throw DeviceError("device cuda: expected a CUDA GPU; found none");
  if (d.index < 0 || d.index >= count)
    throw DeviceError("device cuda:" + std::to_string(d.index) + ": expected a GPU number below " +
                      std::to_string(count) + "; found no GPU with that number");
#endif
}

}  // namespace phasis
