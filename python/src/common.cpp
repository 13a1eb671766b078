// Shared pieces of the bindings (common.hpp): array checks, their messages, the callback sink.
#include "common.hpp"

#include <nanobind/stl/string.h>

#include "phasis/core/error.hpp"
#include "phasis/exec/interrupt.hpp"

namespace phasis::py {

Device device_of(const std::string& text, int threads) { return parse_device(text, threads); }
Precision precision_of(const std::string& text) { return parse_precision(text); }

std::string dtype_name(nb::dlpack::dtype t) {
  using C = nb::dlpack::dtype_code;
  std::string kind;
  switch (C(t.code)) {
    case C::Int: kind = "int"; break;
    case C::UInt: kind = "uint"; break;
    case C::Float: kind = "float"; break;
    case C::Complex: kind = "complex"; break;
    case C::Bool: return "bool";
    default: kind = "dtype code " + std::to_string(int(t.code)) + " of ";
  }
  return kind + std::to_string(int(t.bits)) + (t.lanes > 1 ? " x" + std::to_string(int(t.lanes)) : "");
}

namespace {
bool c_contiguous(const AnyArray& a) {
  int64_t expected = 1;
  for (size_t i = a.ndim(); i-- > 0;) {
    if (a.shape(i) > 1 && a.stride(i) != expected) return false;  // extents of 1 may have any stride
    expected *= int64_t(a.shape(i));
  }
  return true;
}
std::string shape_of_array(const AnyArray& a) {
  std::string s = "(";
  for (size_t i = 0; i < a.ndim(); ++i) s += (i ? ", " : "") + std::to_string(a.shape(i));
  return s + (a.ndim() == 1 ? ",)" : ")");
}
}  // namespace

std::string describe(const AnyArray& a) {
  std::string where = a.device_type() == nb::device::cpu::value    ? "on the CPU"
                      : a.device_type() == nb::device::cuda::value ? "on GPU " + std::to_string(a.device_id())
                                                                   : "on DLPack device " + std::to_string(a.device_type());
  return dtype_name(a.dtype()) + " array of shape " + shape_of_array(a) + (c_contiguous(a) ? "" : ", not C-contiguous") +
         ", " + where;
}

std::string shape_text(const std::vector<int64_t>& shape, const std::vector<std::string>& names) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + (shape[i] >= 0 ? std::to_string(shape[i]) : i < names.size() ? names[i] : std::string("*"));
  return s + (shape.size() == 1 ? ",)" : ")");
}

void require(const AnyArray& a, const char* what, nb::dlpack::dtype dtype, const std::vector<int64_t>& shape,
             const std::vector<std::string>& names, Where where) {
  bool ok = a.dtype() == dtype && c_contiguous(a) && a.ndim() == shape.size();
  for (size_t i = 0; ok && i < shape.size(); ++i) ok = shape[i] < 0 || int64_t(a.shape(i)) == shape[i];
  const int device = where == Where::host ? nb::device::cpu::value : nb::device::cuda::value;
  // numpy arrays and host DLPack arrays report the CPU; pinned (cuda_host) memory is host memory too.
  ok = ok && (a.device_type() == device || (where == Where::host && a.device_type() == nb::device::cuda_host::value));
  if (!ok)
    throw InputError(std::string(what) + ": expected a C-contiguous " + dtype_name(dtype) + " array of shape " +
                     shape_text(shape, names) + (where == Where::host ? " in host memory" : " on a GPU") +
                     " (no copy is made); found a " + describe(a));
}

void CallbackSink::call(const exec::Progress& p) {
  std::lock_guard lock(mutex_);
  if (error_) return;  // the callable failed once: the engine is stopping; call it no more
  nb::gil_scoped_acquire gil;
  try {
    callback_(p);
    // Ctrl-C while the engine works: Python's handler only sets a flag, which this raises here.
    if (PyErr_CheckSignals() != 0) throw nb::python_error();
  } catch (...) {
    error_ = std::current_exception();
    exec::request_stop();
  }
}

void CallbackSink::progress(const exec::Progress& p) { call(p); }

void CallbackSink::rethrow() {
  std::exception_ptr e;
  {
    std::lock_guard lock(mutex_);
    std::swap(e, error_);
  }
  if (e) std::rethrow_exception(e);
}

}  // namespace phasis::py
