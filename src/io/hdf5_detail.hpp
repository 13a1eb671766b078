// Helpers shared by the HDF5 wrapper's source files; not part of the public interface.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "phasis/core/complex.hpp"
#include "phasis/io/hdf5.hpp"

namespace phasis::h5::detail {

static_assert(std::is_same_v<hid_t, int64_t>, "phasis::h5 stores identifiers as int64_t (HDF5 >= 1.10)");

/// HDF5 registers H5close() to run at exit. After a failed write (a full disk) a dataset whose
/// flush failed stays half-closed inside HDF5, and that teardown then crashes (H5D_close) or prints
/// "infinite loop closing library" after phasis has reported the error. Every phasis file is
/// closed by its owner before exit, so the teardown has nothing left to do: it is skipped. Must
/// run before HDF5 initialises itself, hence at the first use of this library's HDF5 layer.
inline void skip_library_teardown() {
  static const bool once = (H5dont_atexit(), true);
  (void)once;
}

/// Turns off HDF5's automatic error printing for its lifetime and restores the previous handler,
/// so that the library does not write to stderr and other HDF5 users in the process are unaffected.
class Quiet {
 public:
  Quiet() {
    skip_library_teardown();
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~Quiet() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  Quiet(const Quiet&) = delete;
  Quiet& operator=(const Quiet&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

/// The most specific message on HDF5's error stack (one line), then clears the stack.
std::string last_error();

/// Opens and walks `path` in a child process (hdf5_probe.cpp); InputError when that walk crashes
/// libhdf5 (a damaged file). Returns at once when no child can be started.
void probe_in_child(const std::string& path);


/// "(3, 64, 64)", "scalar" for rank 0.
std::string shape_str(const std::vector<int64_t>& shape);
/// Dimensions of a dataspace of dataset or attribute `what` in `file`. InputError when their product
/// exceeds kMaxElements (a corrupt or hostile file), so that element and byte counts made from them
/// never overflow an int64.
std::vector<int64_t> space_shape(hid_t space, const std::string& file, const std::string& what);
/// 2^56 elements: 16 bytes each (complex double) still fit an int64 byte count.
constexpr int64_t kMaxElements = int64_t(1) << 56;
/// "float32", "uint16", "compound {r: float64, i: float64}", "string", ...
std::string type_str(hid_t type);
TypeClass classify(hid_t type);
/// A compound whose fields "r" and "i" are both floating point.
bool is_complex_type(hid_t type);

/// Memory and file types of the element types the wrapper reads and writes, as owning handles
/// (the complex ones are compounds built on demand; the real ones are copies of HDF5's constants).
template <class T>
struct Element;

template <class T>
struct RealElement {
  static constexpr bool complex = false;
  static hid_t native_id();
  static hid_t file_id();
  static Handle memory() { return Handle(H5Tcopy(native_id())); }
  static Handle file() { return Handle(H5Tcopy(file_id())); }
};

template <> inline hid_t RealElement<float>::native_id() { return H5T_NATIVE_FLOAT; }
template <> inline hid_t RealElement<float>::file_id() { return H5T_IEEE_F32LE; }
template <> inline hid_t RealElement<double>::native_id() { return H5T_NATIVE_DOUBLE; }
template <> inline hid_t RealElement<double>::file_id() { return H5T_IEEE_F64LE; }
template <> inline hid_t RealElement<int32_t>::native_id() { return H5T_NATIVE_INT32; }
template <> inline hid_t RealElement<int32_t>::file_id() { return H5T_STD_I32LE; }
template <> inline hid_t RealElement<uint8_t>::native_id() { return H5T_NATIVE_UINT8; }
template <> inline hid_t RealElement<uint8_t>::file_id() { return H5T_STD_U8LE; }
template <> inline hid_t RealElement<uint32_t>::native_id() { return H5T_NATIVE_UINT32; }
template <> inline hid_t RealElement<uint32_t>::file_id() { return H5T_STD_U32LE; }

template <> struct Element<float> : RealElement<float> {};
template <> struct Element<double> : RealElement<double> {};
template <> struct Element<int32_t> : RealElement<int32_t> {};
template <> struct Element<uint8_t> : RealElement<uint8_t> {};
template <> struct Element<uint32_t> : RealElement<uint32_t> {};

/// {r, i} compound of `part` laid out like Complex<T> (r at offset 0, i right after it).
Handle complex_type(hid_t part, std::size_t part_size);

template <class T>
struct Element<Complex<T>> {
  static constexpr bool complex = true;
  static Handle memory() { return complex_type(RealElement<T>::native_id(), sizeof(T)); }
  static Handle file() { return complex_type(RealElement<T>::file_id(), sizeof(T)); }
};

}  // namespace phasis::h5::detail
