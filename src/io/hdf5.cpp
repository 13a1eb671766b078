// Files, paths, shapes and types: everything in the HDF5 wrapper except moving data.
#include "phasis/io/hdf5.hpp"

#include <filesystem>
#include <fstream>

#include "hdf5_detail.hpp"
#include "phasis/core/error.hpp"

namespace phasis::h5 {

namespace fs = std::filesystem;
using detail::Quiet;

const char* to_string(TypeClass c) {
  switch (c) {
    case TypeClass::floating: return "floating";
    case TypeClass::integer: return "integer";
    case TypeClass::compound: return "compound";
    case TypeClass::enumeration: return "enumeration";
    case TypeClass::string: return "string";
    case TypeClass::other: return "other";
  }
  return "?";
}

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    reset();
    id_ = o.id_;
    o.id_ = -1;
  }
  return *this;
}

void Handle::reset() noexcept {
  if (id_ >= 0) {
    Quiet q;
    // H5Idec_ref closes any kind of identifier once its count drops to zero.
    H5Idec_ref(id_);
    H5Eclear2(H5E_DEFAULT);
    id_ = -1;
  }
}

std::string message(const std::string& file, const std::string& what, const std::string& expected,
                    const std::string& found) {
  std::string s = "'" + file + "' " + what + ": expected " + expected + "; found " + found;
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

namespace detail {

namespace {
herr_t first_error(unsigned n, const H5E_error2_t* err, void* out) {
  // Walking upward, entry 0 is the innermost failure: the one that says what really went wrong.
  if (n == 0 && err->desc) *static_cast<std::string*>(out) = err->desc;
  return 0;
}
}  // namespace

std::string last_error() {
  std::string s;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, first_error, &s);
  H5Eclear2(H5E_DEFAULT);
  if (s.empty()) s = "unknown HDF5 error";
  // File-system failures carry the system's message inside a long record of flags; keep just it.
  const std::string key = "error message = '";
  if (auto at = s.find(key); at != std::string::npos) {
    auto end = s.find('\'', at + key.size());
    if (end != std::string::npos) s = s.substr(at + key.size(), end - at - key.size());
  }
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

std::string shape_str(const std::vector<int64_t>& shape) {
  if (shape.empty()) return "scalar";
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + ")";
}

std::vector<int64_t> space_shape(hid_t space, const std::string& file, const std::string& what) {
  int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0) throw InternalError("HDF5: cannot query a dataspace: " + last_error());
  std::vector<hsize_t> dims(rank);
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  std::vector<int64_t> shape;
  hsize_t elements = 1;
  bool too_large = false;
  for (hsize_t d : dims) {
    too_large = too_large || d > hsize_t(kMaxElements) || (d > 0 && elements > hsize_t(kMaxElements) / d);
    if (!too_large) elements *= d;
    shape.push_back(d > hsize_t(kMaxElements) ? -1 : int64_t(d));
  }
  if (too_large) {
    std::string dims_text = "(";
    for (std::size_t i = 0; i < dims.size(); ++i) dims_text += (i ? ", " : "") + std::to_string(dims[i]);
    throw InputError(message(file, what, "at most 2^56 elements", "dimensions " + dims_text + ")"));
  }
  return shape;
}

TypeClass classify(hid_t type) {
  switch (H5Tget_class(type)) {
    case H5T_FLOAT: return TypeClass::floating;
    case H5T_INTEGER: return TypeClass::integer;
    case H5T_COMPOUND: return TypeClass::compound;
    case H5T_ENUM: return TypeClass::enumeration;
    case H5T_STRING: return TypeClass::string;
    default: return TypeClass::other;
  }
}

std::string type_str(hid_t type) {
  std::string bits = std::to_string(8 * H5Tget_size(type));
  switch (H5Tget_class(type)) {
    case H5T_FLOAT: return "float" + bits;
    case H5T_INTEGER: return (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + bits;
    case H5T_STRING: return "string";
    case H5T_ENUM: {
      Handle base(H5Tget_super(type));
      return "enum of " + type_str(base.id());
    }
    case H5T_COMPOUND: {
      std::string s = "compound {";
      int n = H5Tget_nmembers(type);
      for (int i = 0; i < n; ++i) {
        char* name = H5Tget_member_name(type, i);
        Handle member(H5Tget_member_type(type, i));
        s += std::string(i ? ", " : "") + (name ? name : "?") + ": " + type_str(member.id());
        H5free_memory(name);
      }
      return s + "}";
    }
    case H5T_ARRAY: return "array type";
    case H5T_VLEN: return "variable-length type";
    case H5T_OPAQUE: return "opaque type";
    case H5T_BITFIELD: return "bitfield";
    case H5T_REFERENCE: return "reference";
    default: return "unknown type";
  }
}

bool is_complex_type(hid_t type) {
  if (H5Tget_class(type) != H5T_COMPOUND || H5Tget_nmembers(type) != 2) return false;
  for (const char* name : {"r", "i"}) {
    int index = H5Tget_member_index(type, name);
    if (index < 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
    if (H5Tget_member_class(type, static_cast<unsigned>(index)) != H5T_FLOAT) return false;
  }
  return true;
}

Handle complex_type(hid_t part, std::size_t part_size) {
  Handle t(H5Tcreate(H5T_COMPOUND, 2 * part_size));
  if (!t.valid() || H5Tinsert(t.id(), "r", 0, part) < 0 || H5Tinsert(t.id(), "i", part_size, part) < 0)
    throw InternalError("HDF5: cannot build the complex compound type: " + last_error());
  return t;
}

}  // namespace detail

File File::open_read(const std::string& path) {
  Quiet q;
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (!fs::exists(st)) throw InputError("cannot open '" + path + "': no such file");
  if (fs::is_directory(st)) throw InputError("cannot open '" + path + "': it is a folder, not a file");
  if (!std::ifstream(path, std::ios::binary)) throw InputError("cannot open '" + path + "': not readable");
#if H5_VERSION_GE(1, 12, 0)
  htri_t is_hdf5 = H5Fis_accessible(path.c_str(), H5P_DEFAULT);
#else
  htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
#endif
  H5Eclear2(H5E_DEFAULT);
  if (is_hdf5 <= 0) throw InputError("'" + path + "' is not an HDF5 file");
  detail::probe_in_child(path);  // a damaged file crashes a child, not this process
  Handle h(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!h.valid()) throw InputError("cannot open '" + path + "': " + detail::last_error());
  return File(std::move(h), path);
}

File File::open_write(const std::string& path) {
  File checked = open_read(path);  // the same checks, and the metadata walk in a child
  checked.close();
  Quiet q;
  Handle h(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
  if (!h.valid()) throw InputError("cannot open '" + path + "' for writing: " + detail::last_error());
  return File(std::move(h), path);
}

void File::flush() {
  Quiet q;
  if (file_.valid() && H5Fflush(file_.id(), H5F_SCOPE_GLOBAL) < 0)
    throw InputError("cannot write '" + path_ + "': " + detail::last_error());
}

File File::create(const std::string& path) {
  Quiet q;
  fs::path parent = fs::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty() && !fs::is_directory(parent, ec))
    throw InputError("cannot create '" + path + "': folder '" + parent.string() + "' does not exist");
  Handle h(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  if (!h.valid()) throw InputError("cannot create '" + path + "': " + detail::last_error());
  return File(std::move(h), path);
}

void File::close() {
  if (!file_.valid()) return;
  Quiet q;
  if (H5Fclose(file_.release()) < 0)
    throw InputError("cannot finish writing '" + path_ + "': " + detail::last_error());
}

void File::fail(const std::string& what, const std::string& expected, const std::string& found) const {
  throw InputError(message(path_, what, expected, found));
}

namespace {
/// "a/b/c" -> {"a", "a/b", "a/b/c"}; leading, trailing and doubled slashes are ignored.
std::vector<std::string> prefixes(const std::string& path) {
  std::vector<std::string> out;
  std::string current;
  std::size_t i = 0;
  while (i < path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) {
      if (!current.empty()) current += '/';
      current.append(path, i, j - i);
      out.push_back(current);
    }
    i = j + 1;
  }
  return out;
}
}  // namespace

bool File::exists(const std::string& path) const {
  Quiet q;
  for (const std::string& p : prefixes(path)) {
    // H5Lexists fails (rather than answering no) when a parent is missing, hence the walk; the
    // H5Oexists_by_name check also rejects dangling soft links.
    if (H5Lexists(file_.id(), p.c_str(), H5P_DEFAULT) <= 0 ||
        H5Oexists_by_name(file_.id(), p.c_str(), H5P_DEFAULT) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
  }
  return true;
}

void File::create_groups(const std::string& path) {
  Quiet q;
  for (const std::string& p : prefixes(path)) {
    if (H5Lexists(file_.id(), p.c_str(), H5P_DEFAULT) > 0) {
      Handle obj = open_object(p);
      if (H5Iget_type(obj.id()) != H5I_GROUP) fail(p, "a group", "another kind of object");
      continue;
    }
    Handle g(H5Gcreate2(file_.id(), p.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    if (!g.valid()) throw InputError("cannot write '" + path_ + "' " + p + ": " + detail::last_error());
  }
}

Handle File::open_object(const std::string& obj) const {
  Quiet q;
  bool root = prefixes(obj).empty();
  if (!root && !exists(obj)) fail(obj, "an object", "nothing at that path");
  Handle h(H5Oopen(file_.id(), root ? "/" : obj.c_str(), H5P_DEFAULT));
  if (!h.valid()) fail(obj, "an object that opens", detail::last_error());
  return h;
}

Handle File::open_dataset(const std::string& dset) const {
  Quiet q;
  if (!exists(dset)) fail(dset, "a dataset", "nothing at that path");
  Handle h = open_object(dset);
  if (H5Iget_type(h.id()) != H5I_DATASET) fail(dset, "a dataset", "a group");
  return h;
}

std::vector<int64_t> File::shape(const std::string& dset) const {
  Quiet q;
  Handle d = open_dataset(dset);
  Handle space(H5Dget_space(d.id()));
  return detail::space_shape(space.id(), path_, dset);
}

int File::rank(const std::string& dset) const { return static_cast<int>(shape(dset).size()); }

TypeClass File::type_class(const std::string& dset) const {
  Quiet q;
  Handle d = open_dataset(dset);
  Handle t(H5Dget_type(d.id()));
  return detail::classify(t.id());
}

std::string File::type_name(const std::string& dset) const {
  Quiet q;
  Handle d = open_dataset(dset);
  Handle t(H5Dget_type(d.id()));
  return detail::type_str(t.id());
}

bool File::is_complex(const std::string& dset) const {
  Quiet q;
  Handle d = open_dataset(dset);
  Handle t(H5Dget_type(d.id()));
  return detail::is_complex_type(t.id());
}

void File::link_soft(const std::string& target, const std::string& link) {
  Quiet q;
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(lcpl.id(), 1);
  if (H5Lcreate_soft(target.c_str(), file_.id(), link.c_str(), lcpl.id(), H5P_DEFAULT) < 0)
    throw InputError("cannot write '" + path_ + "' " + link + ": " + detail::last_error());
}

}  // namespace phasis::h5
