// Where and in what precision work runs, as values: every capability takes a Device and a Precision,
// and one dispatch point (src/backend/dispatch.hpp) turns them into the backend and real-type
// template arguments of its algorithm. Names of devices and precisions are parsed here, once, so
// no code below the CLI compares strings to choose a backend.
#pragma once

#include <string>
#include <string_view>

namespace phasis {

enum class DeviceKind { cpu, cuda };

struct Device {
  DeviceKind kind = DeviceKind::cpu;
  int index = 0;    // cuda: the GPU's number
  int threads = 0;  // cpu: OpenMP threads of this device's parallel regions (0: all the process may use)

  static Device cpu(int threads = 0) { return {DeviceKind::cpu, 0, threads}; }
  static Device cuda(int index = 0) { return {DeviceKind::cuda, index, 0}; }
  bool is_cuda() const { return kind == DeviceKind::cuda; }
  bool operator==(const Device&) const = default;
};

enum class Precision { single, double_ };

/// "cpu", "cuda" or "cuda:N"; "auto": cuda (GPU 0) when a GPU is present, else cpu. `threads` goes
/// to a CPU device. Throws InputError for anything else.
Device parse_device(std::string_view text, int threads = 0);
/// "float" or "double"; InputError otherwise.
Precision parse_precision(std::string_view text);

/// "cpu" or "cuda" (the kind only: what result files record).
const char* kind_name(const Device& d);
/// "cpu", "cpu (8 threads)", "cuda:1": for messages and logs.
std::string describe(const Device& d);
/// "float" or "double".
const char* precision_name(Precision p);

/// Throws DeviceError when `d` cannot run here: a CUDA device in a build without CUDA, on a machine
/// without a GPU, or with a number beyond the GPUs present; a negative thread count.
void require_device(const Device& d);

}  // namespace phasis
