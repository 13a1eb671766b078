// What every binding file shares: devices and precisions from their CLI names, arrays taken in
// without copies (checked, never converted) and handed out without copies (numpy arrays over the
// C++ buffers), and the event sink that calls a Python callable. C++ errors become Python
// exceptions in module.cpp, with the same one-line messages as the CLI's.
#pragma once

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <cstdint>
#include <complex>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "phasis/core/complex.hpp"
#include "phasis/core/device.hpp"
#include "phasis/exec/events.hpp"

namespace nb = nanobind;

namespace phasis::py {

void add_ptycho(nb::module_& m);
void add_multislice(nb::module_& m);
void add_spi(nb::module_& m);
void add_nufft(nb::module_& m);

/// "auto", "cpu", "cuda", "cuda:N" with the CPU's threads (0: all), as the CLI's --device.
Device device_of(const std::string& text, int threads = 0);
/// "float" or "double", as the CLI's --precision.
Precision precision_of(const std::string& text);

// --- arrays in -----------------------------------------------------------------------------------

/// Any array a caller passes (numpy, CuPy, anything with DLPack or the buffer protocol), read-only
/// ones included. nanobind is asked for no dtype, order or device, so it never converts (copies):
/// `require` checks what the engine needs and says what it found.
using AnyArray = nb::ndarray<nb::ro>;

enum class Where { host, cuda };

template <class T> nb::dlpack::dtype dtype_of() { return nb::dtype<T>(); }
template <> inline nb::dlpack::dtype dtype_of<Complex<float>>() {
  return {uint8_t(nb::dlpack::dtype_code::Complex), 64, 1};
}
template <> inline nb::dlpack::dtype dtype_of<Complex<double>>() {
  return {uint8_t(nb::dlpack::dtype_code::Complex), 128, 1};
}
/// "float32", "complex64", "int64", ...
std::string dtype_name(nb::dlpack::dtype t);
/// "float64 array of shape (3, 4), not C-contiguous, on the CPU": what a message says was found.
std::string describe(const AnyArray& a);
/// "(N, M, M)" from a shape with -1 for a free extent, named by `names` ("N", "M", ...).
std::string shape_text(const std::vector<int64_t>& shape, const std::vector<std::string>& names);

/// Checks that `a` holds T, is C-contiguous, lives where `where` says and has `shape` (-1: any
/// extent; names label them in the message); InputError "what: expected ...; found ..." otherwise.
/// Returns its data, which the caller reads in place.
void require(const AnyArray& a, const char* what, nb::dlpack::dtype dtype, const std::vector<int64_t>& shape,
             const std::vector<std::string>& names, Where where = Where::host);
template <class T>
const T* array_in(const AnyArray& a, const char* what, const std::vector<int64_t>& shape,
               const std::vector<std::string>& names = {}, Where where = Where::host) {
  require(a, what, dtype_of<T>(), shape, names, where);
  return static_cast<const T*>(a.data());
}
/// An array the engine writes (nanobind refuses read-only ones before the call).
using OutArray = nb::ndarray<>;
template <class T>
T* array_out(const OutArray& a, const char* what, const std::vector<int64_t>& shape,
          const std::vector<std::string>& names = {}, Where where = Where::host) {
  require(AnyArray(a), what, dtype_of<T>(), shape, names, where);
  return static_cast<T*>(a.data());
}

// --- arrays out ----------------------------------------------------------------------------------

template <class T> struct ScalarOf { using type = T; };
template <class T> struct ScalarOf<Complex<T>> { using type = std::complex<T>; };

/// A numpy array over `data`, which `keep` keeps alive (a capsule holds it): no copy, freed when
/// the last view goes.
template <class T>
nb::object numpy_view(T* data, const std::vector<size_t>& shape, std::shared_ptr<const void> keep) {
  auto* held = new std::shared_ptr<const void>(std::move(keep));
  nb::capsule owner(held, [](void* p) noexcept { delete static_cast<std::shared_ptr<const void>*>(p); });
  using S = typename ScalarOf<std::remove_const_t<T>>::type;
  return nb::cast(nb::ndarray<nb::numpy, S>(reinterpret_cast<S*>(const_cast<std::remove_const_t<T>*>(data)), shape.size(),
                                            shape.data(), owner));
}
/// The same over the data of `owner` (an Array, a std::vector, ...), moved into the capsule.
template <class T, class Owner>
nb::object numpy_of(Owner&& owner, const std::vector<size_t>& shape) {
  auto held = std::make_shared<Owner>(std::move(owner));
  T* data = reinterpret_cast<T*>(held->data());
  return numpy_view(data, shape, std::move(held));
}
/// Shape of an Array as numpy's.
template <class A>
std::vector<size_t> shape_of(const A& a) {
  std::vector<size_t> s;
  for (int i = 0; i < a.shape().rank; ++i) s.push_back(size_t(a.shape()[i]));
  return s;
}

// --- progress ------------------------------------------------------------------------------------

/// Progress events to a Python callable, called with a phasis.Progress with the GIL re-acquired
/// (events come from the engine's worker threads while the caller's thread waits without the GIL).
/// An exception the callable raises (KeyboardInterrupt from Ctrl-C included) asks the engine to stop
/// (exec::request_stop) and is raised again by rethrow() once the engine has returned.
class CallbackSink final : public exec::EventSink {
 public:
  explicit CallbackSink(nb::object callback) : callback_(std::move(callback)) {}
  void progress(const exec::Progress& p) override;
  /// Raises the callable's exception, if it raised one.
  void rethrow();
  bool active() const { return callback_.is_valid() && !callback_.is_none(); }

 private:
  void call(const exec::Progress& p);
  nb::object callback_;
  std::mutex mutex_;
  std::exception_ptr error_;
};

/// Runs `work` with the GIL released and progress going to `callback` (None: nowhere); the
/// callable's exception, if any, is raised after the work returns.
template <class F>
auto run_released(nb::object callback, F&& work) {
  CallbackSink sink(std::move(callback));
  exec::EventSink* events = sink.active() ? &sink : nullptr;
  if constexpr (std::is_void_v<decltype(work(events))>) {
    {
      nb::gil_scoped_release release;
      work(events);
    }
    sink.rethrow();
  } else {
    auto result = [&] {
      nb::gil_scoped_release release;
      return work(events);
    }();
    sink.rethrow();
    return result;
  }
}

}  // namespace phasis::py
