// Moving data: whole datasets, first-axis hyperslabs, scalars and attributes.
#include <cstring>
#include <type_traits>

#include "hdf5_detail.hpp"
#include "phasis/core/error.hpp"
#include "phasis/io/hdf5.hpp"

namespace phasis::h5 {

using detail::Element;
using detail::Quiet;

namespace {

int64_t element_count(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

/// Reads a raw integer of `size` bytes and the given signedness.
int64_t load_integer(const unsigned char* p, std::size_t size, bool is_signed) {
  switch (size) {
    case 1: { int8_t s; uint8_t u; std::memcpy(&s, p, 1); std::memcpy(&u, p, 1); return is_signed ? s : u; }
    case 2: { int16_t s; uint16_t u; std::memcpy(&s, p, 2); std::memcpy(&u, p, 2); return is_signed ? s : u; }
    case 4: { int32_t s; uint32_t u; std::memcpy(&s, p, 4); std::memcpy(&u, p, 4); return is_signed ? s : u; }
    default: { int64_t s; std::memcpy(&s, p, 8); return s; }
  }
}

/// Type checks and the actual H5Dread, shared by whole and partial reads.
struct Reader {
  const std::string& file;
  const std::string& dset;

  [[noreturn]] void fail(const std::string& expected, const std::string& found) const {
    throw InputError(message(file, dset, expected, found));
  }

  template <class T>
  void check(hid_t ftype) const {
    TypeClass c = detail::classify(ftype);
    if constexpr (Element<T>::complex) {
      if (!detail::is_complex_type(ftype))
        fail("complex numbers (compound {r, i} of floats)", detail::type_str(ftype));
    } else {
      bool ok = c == TypeClass::floating || c == TypeClass::integer ||
                (std::is_integral_v<T> && c == TypeClass::enumeration);
      if (!ok) fail("real numbers", detail::type_str(ftype));
    }
  }

  /// The dataset's storage must be what its dataspace declares before libhdf5 reads it: fuzz_cxi
  /// found heap overflows inside H5Dread for chunks larger than a fixed dimension (which HDF5 never
  /// writes) and for a chunk index that H5Dget_storage_size reports as damaged. An unwritten
  /// contiguous or compact dataset (no stored bytes) would read as fill values, a silent array of
  /// zeros. Chunked data may be compressed or sparse, so only its index is checked.
  void check_storage(hid_t d, hid_t ftype, const std::vector<int64_t>& shape) const {
    H5Eclear2(H5E_DEFAULT);
    const auto stored = static_cast<unsigned long long>(H5Dget_storage_size(d));
    if (H5Eget_num(H5E_DEFAULT) > 0) fail("a readable dataset", "damaged storage (" + detail::last_error() + ")");
    Handle dcpl(H5Dget_create_plist(d));
    const H5D_layout_t layout = H5Pget_layout(dcpl.id());
    if (layout == H5D_CHUNKED) {
      const int rank = static_cast<int>(shape.size());
      std::vector<hsize_t> chunk(shape.size() + 1, 0), dims(shape.size()), maxdims(shape.size());
      Handle space(H5Dget_space(d));
      if (H5Pget_chunk(dcpl.id(), rank, chunk.data()) != rank ||
          H5Sget_simple_extent_dims(space.id(), dims.data(), maxdims.data()) != rank)
        fail("a chunk shape of the dataset's rank", "another (" + detail::last_error() + ")");
      for (int i = 0; i < rank; ++i)
        if (maxdims[i] != H5S_UNLIMITED && chunk[i] > maxdims[i])
          fail("chunks within the dataset's fixed dimensions", "a chunk of " + std::to_string(chunk[i]) + " along axis " +
               std::to_string(i) + " of " + std::to_string(maxdims[i]) + " (a damaged file)");
      return;
    }
    if (layout != H5D_COMPACT && layout != H5D_CONTIGUOUS) return;
    int64_t elements = 1;
    for (int64_t v : shape) elements *= v;
    const auto want = static_cast<unsigned long long>(elements) * H5Tget_size(ftype);
    if (stored != want)
      fail(std::to_string(want) + " bytes of stored data (" + std::to_string(elements) + " elements)",
           std::to_string(stored) + (stored == 0 ? " (a dataset never written)" : " (a damaged or truncated file)"));
  }

  template <class T>
  void read(hid_t d, hid_t ftype, hid_t mspace, hid_t fspace, T* dst, int64_t n) const {
    if constexpr (std::is_integral_v<T>) {
      // HDF5 converts no enum to integer, yet h5py stores boolean masks as an enum over int8:
      // read the enum's own integers and convert them here.
      if (detail::classify(ftype) == TypeClass::enumeration) {
        Handle native(H5Tget_native_type(ftype, H5T_DIR_ASCEND));
        Handle base(H5Tget_super(ftype));
        std::size_t size = H5Tget_size(native.id());
        bool is_signed = H5Tget_sign(base.id()) != H5T_SGN_NONE;
        std::vector<unsigned char> raw(static_cast<std::size_t>(n) * size);
        if (H5Dread(d, native.id(), mspace, fspace, H5P_DEFAULT, raw.data()) < 0)
          throw InputError("cannot read '" + file + "' " + dset + ": " + detail::last_error());
        for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<T>(load_integer(&raw[i * size], size, is_signed));
        return;
      }
    }
    Handle mtype = Element<T>::memory();
    if (H5Dread(d, mtype.id(), mspace, fspace, H5P_DEFAULT, dst) < 0)
      throw InputError("cannot read '" + file + "' " + dset + ": " + detail::last_error());
  }
};

}  // namespace

template <class T>
void File::read(const std::string& dset, T* dst, int64_t count) const {
  Quiet q;
  Reader r{path_, dset};
  Handle d = open_dataset(dset);
  Handle ftype(H5Dget_type(d.id()));
  r.check<T>(ftype.id());
  Handle space(H5Dget_space(d.id()));
  std::vector<int64_t> shape = detail::space_shape(space.id(), path_, dset);
  int64_t n = element_count(shape);
  if (n != count)
    r.fail(std::to_string(count) + " elements", detail::shape_str(shape) + ", " + std::to_string(n) + " elements");
  if (n > 0) r.check_storage(d.id(), ftype.id(), shape);
  if (n > 0) r.read(d.id(), ftype.id(), H5S_ALL, H5S_ALL, dst, n);
}

template <class T>
Array<T> File::read_array(const std::string& dset) const {
  std::vector<int64_t> dims = shape(dset);
  if (dims.empty()) dims = {1};
  if (dims.size() > static_cast<std::size_t>(kMaxRank))
    fail(dset, "rank 1 to 4", "rank " + std::to_string(dims.size()) + " " + detail::shape_str(dims));
  Shape s;
  for (int64_t v : dims) s.dims[s.rank++] = v;
  Array<T> a(s);
  read(dset, a.data(), element_count(dims));
  return a;
}

template <class T>
void File::read_rows(const std::string& dset, int64_t begin, int64_t end, T* dst) const {
  Quiet q;
  Reader r{path_, dset};
  Handle d = open_dataset(dset);
  Handle ftype(H5Dget_type(d.id()));
  r.check<T>(ftype.id());
  Handle fspace(H5Dget_space(d.id()));
  std::vector<int64_t> shape = detail::space_shape(fspace.id(), path_, dset);
  if (shape.empty()) r.fail("an array of rank 1 or more", "a scalar");
  if (begin < 0 || begin > end || end > shape[0])
    throw InternalError(message(path_, dset, "rows [begin, end) within [0, " + std::to_string(shape[0]) + ")",
                                "[" + std::to_string(begin) + ", " + std::to_string(end) + ")"));
  if (begin == end) return;
  r.check_storage(d.id(), ftype.id(), shape);
  std::vector<hsize_t> start(shape.size(), 0), count(shape.begin(), shape.end());
  start[0] = static_cast<hsize_t>(begin);
  count[0] = static_cast<hsize_t>(end - begin);
  if (H5Sselect_hyperslab(fspace.id(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr) < 0)
    throw InternalError("HDF5: cannot select a hyperslab of " + dset + ": " + detail::last_error());
  Handle mspace(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr));
  int64_t n = (end - begin) * (element_count(shape) / shape[0]);
  if (n > 0) r.read(d.id(), ftype.id(), mspace.id(), fspace.id(), dst, n);
}

template <class T>
void File::write(const std::string& dset, const T* src, const std::vector<int64_t>& shape,
                 const std::vector<int64_t>& chunk) {
  Quiet q;
  if (exists(dset)) fail(dset, "a new dataset (datasets are written once)", "one already there");
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  Handle space(shape.empty() ? H5Screate(H5S_SCALAR)
                             : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
  if (!chunk.empty()) {
    if (chunk.size() != shape.size())
      throw InternalError("h5::File::write: chunk rank differs from the dataset's rank for " + dset);
    std::vector<hsize_t> cdims(chunk.begin(), chunk.end());
    if (H5Pset_chunk(dcpl.id(), static_cast<int>(cdims.size()), cdims.data()) < 0)
      throw InternalError("HDF5: bad chunk shape " + detail::shape_str(chunk) + " for " + dset + ": " +
                          detail::last_error());
  }
  if (!src && chunk.empty()) {
    // Space for write_rows now, and no fill: writing rows later changes no metadata, so a process
    // killed while writing them leaves the file's structure intact.
    H5Pset_alloc_time(dcpl.id(), H5D_ALLOC_TIME_EARLY);
    H5Pset_fill_time(dcpl.id(), H5D_FILL_TIME_NEVER);
  }
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(lcpl.id(), 1);
  Handle ftype = Element<T>::file();
  Handle mtype = Element<T>::memory();
  Handle d(H5Dcreate2(file_.id(), dset.c_str(), ftype.id(), space.id(), lcpl.id(), dcpl.id(), H5P_DEFAULT));
  if (!d.valid() ||
      (src && element_count(shape) > 0 && H5Dwrite(d.id(), mtype.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, src) < 0))
    throw InputError("cannot write '" + path_ + "' " + dset + ": " + detail::last_error());
}

template <class T>
void File::write_rows(const std::string& dset, int64_t begin, int64_t end, const T* src) {
  Quiet q;
  Handle d = open_dataset(dset);
  Handle fspace(H5Dget_space(d.id()));
  std::vector<int64_t> shape = detail::space_shape(fspace.id(), path_, dset);
  if (shape.empty() || begin < 0 || begin > end || end > shape[0])
    throw InternalError(message(path_, dset, "rows [begin, end) within the first axis",
                                "[" + std::to_string(begin) + ", " + std::to_string(end) + ") of " + detail::shape_str(shape)));
  if (begin == end) return;
  std::vector<hsize_t> start(shape.size(), 0), count(shape.begin(), shape.end());
  start[0] = static_cast<hsize_t>(begin);
  count[0] = static_cast<hsize_t>(end - begin);
  if (H5Sselect_hyperslab(fspace.id(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr) < 0)
    throw InternalError("HDF5: cannot select a hyperslab of " + dset + ": " + detail::last_error());
  Handle mspace(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr));
  Handle mtype = Element<T>::memory();
  if (H5Dwrite(d.id(), mtype.id(), mspace.id(), fspace.id(), H5P_DEFAULT, src) < 0)
    throw InputError("cannot write '" + path_ + "' " + dset + ": " + detail::last_error());
}

template <class T>
void File::write(const std::string& dset, const Array<T>& a, const std::vector<int64_t>& chunk) {
  if (a.memory() == Memory::device)
    throw InternalError("h5::File::write: " + dset + " is in device memory; copy it to the host first");
  std::vector<int64_t> shape(a.shape().dims.begin(), a.shape().dims.begin() + a.shape().rank);
  write(dset, a.data(), shape, chunk);
}

double File::read_scalar(const std::string& dset) const {
  Quiet q;
  Reader r{path_, dset};
  Handle d = open_dataset(dset);
  Handle ftype(H5Dget_type(d.id()));
  TypeClass c = detail::classify(ftype.id());
  if (c != TypeClass::floating && c != TypeClass::integer) r.fail("a number", detail::type_str(ftype.id()));
  Handle space(H5Dget_space(d.id()));
  std::vector<int64_t> shape = detail::space_shape(space.id(), path_, dset);
  if (element_count(shape) != 1) r.fail("a scalar", "shape " + detail::shape_str(shape));
  double v = 0;
  r.read(d.id(), ftype.id(), H5S_ALL, H5S_ALL, &v, 1);
  return v;
}

template <class T>
void File::write_scalar(const std::string& dset, T value) {
  write(dset, &value, {});
}

namespace {

/// An attribute `name` of `obj`, opened; `what` names it in errors.
Handle open_attr(hid_t obj, const std::string& name, const std::string& file, const std::string& what) {
  if (H5Aexists(obj, name.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw InputError(message(file, what, "an attribute", "none"));
  }
  Handle a(H5Aopen(obj, name.c_str(), H5P_DEFAULT));
  if (!a.valid()) throw InputError(message(file, what, "a readable attribute", detail::last_error()));
  return a;
}

/// Replaces attribute `name` of `obj` with a scalar of file type `ftype`, written from `value`.
void put_attr(hid_t obj, const std::string& name, hid_t ftype, hid_t mtype, const void* value,
              const std::string& file, const std::string& what) {
  if (H5Aexists(obj, name.c_str()) > 0) H5Adelete(obj, name.c_str());
  Handle space(H5Screate(H5S_SCALAR));
  Handle a(H5Acreate2(obj, name.c_str(), ftype, space.id(), H5P_DEFAULT, H5P_DEFAULT));
  if (!a.valid() || H5Awrite(a.id(), mtype, value) < 0)
    throw InputError("cannot write '" + file + "' " + what + ": " + detail::last_error());
}

std::string attr_what(const std::string& obj, const std::string& name) {
  return (obj.empty() || obj == "/" ? std::string("/") : obj) + " attribute '" + name + "'";
}

}  // namespace

bool File::has_attr(const std::string& obj, const std::string& name) const {
  Quiet q;
  if (!obj.empty() && obj != "/" && !exists(obj)) return false;
  Handle o = open_object(obj);
  htri_t r = H5Aexists(o.id(), name.c_str());
  H5Eclear2(H5E_DEFAULT);
  return r > 0;
}

void File::write_attr(const std::string& obj, const std::string& name, const std::string& value) {
  Quiet q;
  Handle o = open_object(obj);
  // Variable-length UTF-8, as h5py writes Python strings, so Python readers get str back.
  Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.id(), H5T_VARIABLE);
  H5Tset_cset(type.id(), H5T_CSET_UTF8);
  const char* p = value.c_str();
  put_attr(o.id(), name, type.id(), type.id(), &p, path_, attr_what(obj, name));
}

void File::write_attr(const std::string& obj, const std::string& name, double value) {
  Quiet q;
  Handle o = open_object(obj);
  put_attr(o.id(), name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value, path_, attr_what(obj, name));
}

std::string File::read_attr_string(const std::string& obj, const std::string& name) const {
  Quiet q;
  std::string what = attr_what(obj, name);
  Handle o = open_object(obj);
  Handle a = open_attr(o.id(), name, path_, what);
  Handle ftype(H5Aget_type(a.id()));
  if (detail::classify(ftype.id()) != TypeClass::string) fail(what, "a string", detail::type_str(ftype.id()));
  Handle space(H5Aget_space(a.id()));
  if (element_count(detail::space_shape(space.id(), path_, what)) != 1)
    fail(what, "one string", "shape " + detail::shape_str(detail::space_shape(space.id(), path_, what)));
  std::string out;
  if (H5Tis_variable_str(ftype.id()) > 0) {
    Handle mtype(H5Tcopy(H5T_C_S1));
    H5Tset_size(mtype.id(), H5T_VARIABLE);
    H5Tset_cset(mtype.id(), H5Tget_cset(ftype.id()));
    char* p = nullptr;
    if (H5Aread(a.id(), mtype.id(), &p) < 0) fail(what, "a readable string", detail::last_error());
    out = p ? p : "";
    H5free_memory(p);
  } else {
    std::size_t size = H5Tget_size(ftype.id());
    out.assign(size, '\0');
    if (H5Aread(a.id(), ftype.id(), out.data()) < 0) fail(what, "a readable string", detail::last_error());
    out.resize(std::strlen(out.c_str()));
    if (H5Tget_strpad(ftype.id()) == H5T_STR_SPACEPAD)
      out.erase(out.find_last_not_of(' ') + 1);
  }
  return out;
}

double File::read_attr_double(const std::string& obj, const std::string& name) const {
  Quiet q;
  std::string what = attr_what(obj, name);
  Handle o = open_object(obj);
  Handle a = open_attr(o.id(), name, path_, what);
  Handle ftype(H5Aget_type(a.id()));
  TypeClass c = detail::classify(ftype.id());
  if (c != TypeClass::floating && c != TypeClass::integer) fail(what, "a number", detail::type_str(ftype.id()));
  Handle space(H5Aget_space(a.id()));
  std::vector<int64_t> shape = detail::space_shape(space.id(), path_, what);
  if (element_count(shape) != 1) fail(what, "one number", "shape " + detail::shape_str(shape));
  double v = 0;
  if (H5Aread(a.id(), H5T_NATIVE_DOUBLE, &v) < 0) fail(what, "a readable number", detail::last_error());
  return v;
}

#define PHASIS_H5_INSTANTIATE(T)                                                                        \
  template void File::read<T>(const std::string&, T*, int64_t) const;                                  \
  template Array<T> File::read_array<T>(const std::string&) const;                                     \
  template void File::read_rows<T>(const std::string&, int64_t, int64_t, T*) const;                   \
  template void File::write<T>(const std::string&, const T*, const std::vector<int64_t>&,              \
                               const std::vector<int64_t>&);                                           \
  template void File::write<T>(const std::string&, const Array<T>&, const std::vector<int64_t>&);      \
  template void File::write_rows<T>(const std::string&, int64_t, int64_t, const T*);                  \
  template void File::write_scalar<T>(const std::string&, T);

PHASIS_H5_INSTANTIATE(float)
PHASIS_H5_INSTANTIATE(double)
PHASIS_H5_INSTANTIATE(int32_t)
PHASIS_H5_INSTANTIATE(uint8_t)
PHASIS_H5_INSTANTIATE(uint32_t)
PHASIS_H5_INSTANTIATE(Complex<float>)
PHASIS_H5_INSTANTIATE(Complex<double>)

#undef PHASIS_H5_INSTANTIATE

}  // namespace phasis::h5
