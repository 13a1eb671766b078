// A small RAII layer over the HDF5 C API: the few operations the CXI reader and writer need.
// Every HDF5 identifier is owned by a Handle and closed when it dies. HDF5's own error printing is
// silenced while these functions run; failures become phasis::InputError with a one-line message
// naming the file and the dataset, what was expected and what was found.
// hdf5.h stays out of this header (identifiers are held as int64_t, which is what hid_t is since
// HDF5 1.10), so code that includes it does not inherit the C API's macros.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "phasis/core/array.hpp"    // for Array
#include "phasis/core/complex.hpp"  // for Complex

namespace phasis::h5 {

/// Class of a dataset's element type, as far as readers care.
enum class TypeClass { floating, integer, compound, enumeration, string, other };
const char* to_string(TypeClass c);

/// Owns one HDF5 identifier (file, group, dataset, dataspace, type, property list, attribute).
class Handle {
 public:
  Handle() = default;
  explicit Handle(int64_t id) : id_(id) {}
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept : id_(o.id_) { o.id_ = -1; }
  Handle& operator=(Handle&& o) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  int64_t id() const { return id_; }
  bool valid() const { return id_ >= 0; }
  /// Closes the identifier now (errors ignored: used on paths that already failed or succeeded).
  void reset() noexcept;
  /// Gives up ownership without closing (for callers that close it themselves, checking errors).
  int64_t release() noexcept {
    int64_t id = id_;
    id_ = -1;
    return id;
  }

 private:
  int64_t id_ = -1;
};

/// "'FILE' WHAT: expected EXPECTED; found FOUND": the one shape every data error message has.
std::string message(const std::string& file, const std::string& what, const std::string& expected,
                    const std::string& found);

/// Runs `checks` (a reader's metadata checks of `path`: lookups, shapes, small datasets) in a
/// child process first, then returns for the caller to run them for real; InputError when the
/// child does not end normally: a damaged file crashed libhdf5, which it does on some corrupt
/// heaps (src/io/hdf5_probe.cpp). Data reads are not repeated there. `checks` must open the file
/// by File::open_read (which walks it in that child), so that the caller's own open needs no walk.
void run_isolated(const std::string& path, const std::function<void()>& checks);

/// An open HDF5 file. Dataset paths are relative to the root ("entry_1/data_1/data").
/// Element types T supported by the templates: float, double, int32_t, uint8_t, uint32_t,
/// Complex<float>, Complex<double>. Complex numbers use h5py's compound {r, i} convention; reads
/// convert between precisions and from integer to floating types, as HDF5 does.
class File {
 public:
  /// Read-only. Throws InputError "cannot open 'X': no such file" or "'X' is not an HDF5 file".
  static File open_read(const std::string& path);
  /// New file, replacing any file of that name.
  static File create(const std::string& path);
  /// An existing file, to add to: open_read's checks first.
  static File open_write(const std::string& path);

  // Single writer, multiple readers (SWMR, hdf5_swmr.cpp): a file that one process appends to
  // while others read it. The writer makes every object first, then calls start_swmr(); from then
  // on it may only extend chunked datasets and overwrite data (no new objects or attributes).
  /// New file in the latest format (SWMR needs it), replacing any file of that name.
  static File create_swmr(const std::string& path);
  /// Lets readers in: the file is unlocked and every later change is ordered for them.
  void start_swmr();
  /// One attempt to open a file for SWMR reading (one being written in SWMR mode, or a finished
  /// one). InputError saying why it did not open: no such file, not (yet) HDF5, locked by a writer
  /// not in SWMR mode. No walk in a child (open_read's): the file changes under the reader.
  static File open_swmr_read(const std::string& path);
  /// A reader's view of `dset` (extent, chunk index, cached data) brought up to the writer's last
  /// flush of it.
  void refresh(const std::string& dset) const;
  /// Maximum extent of a dataset's first axis; -1 when unlimited.
  int64_t max_rows(const std::string& dset) const;
  /// New chunked dataset of 0 rows of `row` elements each, extendible along its first axis up to
  /// `max_rows` (0: unlimited), `chunk_rows` rows to a chunk.
  template <class T>
  void create_rows(const std::string& dset, const std::vector<int64_t>& row, int64_t max_rows, int64_t chunk_rows);
  /// Extends a dataset made by create_rows by `count` rows and writes them from src.
  template <class T>
  void append_rows(const std::string& dset, int64_t count, const T* src);
  /// One dataset's data and metadata to disk (under SWMR: what a reader's refresh sees).
  void flush(const std::string& dset);

  File(File&&) noexcept = default;
  File& operator=(File&&) noexcept = default;
  ~File() = default;

  /// Flushes and closes; throws InputError when the data could not be written out.
  void close();
  const std::string& path() const { return path_; }

  /// True when every link along `path` exists and the last one resolves to an object.
  bool exists(const std::string& path) const;
  /// Creates every missing group along `path` (like mkdir -p).
  void create_groups(const std::string& path);
  /// Dimensions of a dataset; empty for a scalar.
  std::vector<int64_t> shape(const std::string& dset) const;
  int rank(const std::string& dset) const;
  TypeClass type_class(const std::string& dset) const;
  /// The element type in words: "float32", "uint16", "compound {r: float64, i: float64}", ...
  std::string type_name(const std::string& dset) const;
  /// True for a compound with floating fields "r" and "i".
  bool is_complex(const std::string& dset) const;

  /// Whole dataset into dst; `count` must equal the dataset's number of elements.
  template <class T>
  void read(const std::string& dset, T* dst, int64_t count) const;
  /// Whole dataset into a new host array of the dataset's shape (rank 1 to 4).
  template <class T>
  Array<T> read_array(const std::string& dset) const;
  /// Rows [begin, end) of the first axis into dst, one hyperslab read.
  template <class T>
  void read_rows(const std::string& dset, int64_t begin, int64_t end, T* dst) const;
  /// Rows [begin, end) of the first axis of an existing dataset from src, one hyperslab write.
  template <class T>
  void write_rows(const std::string& dset, int64_t begin, int64_t end, const T* src);
  /// Everything written so far to disk (a file written in parts survives a kill after this).
  void flush();
  /// New dataset of `shape` (empty: scalar); `chunk` empty means contiguous storage; a null `src`
  /// leaves it to write_rows (contiguous: allocated at once and not filled, so unwritten elements
  /// hold whatever the disk held; chunked: unwritten chunks read as 0).
  template <class T>
  void write(const std::string& dset, const T* src, const std::vector<int64_t>& shape,
             const std::vector<int64_t>& chunk = {});
  template <class T>
  void write(const std::string& dset, const Array<T>& a, const std::vector<int64_t>& chunk = {});

  /// A numeric dataset holding one value (rank 0, or any rank with one element).
  double read_scalar(const std::string& dset) const;
  template <class T>
  void write_scalar(const std::string& dset, T value);

  /// Attributes of a group or dataset ("" or "/" is the root group). Writing replaces.
  bool has_attr(const std::string& obj, const std::string& name) const;
  void write_attr(const std::string& obj, const std::string& name, const std::string& value);
  void write_attr(const std::string& obj, const std::string& name, const char* value) {
    write_attr(obj, name, std::string(value));
  }
  void write_attr(const std::string& obj, const std::string& name, double value);
  std::string read_attr_string(const std::string& obj, const std::string& name) const;
  double read_attr_double(const std::string& obj, const std::string& name) const;

  /// A soft link at `link` pointing to the absolute path `target`.
  void link_soft(const std::string& target, const std::string& link);

 private:
  File(Handle h, std::string path) : file_(std::move(h)), path_(std::move(path)) {}
  /// Opens an existing dataset, or throws InputError naming it.
  Handle open_dataset(const std::string& dset) const;
  Handle open_object(const std::string& obj) const;
  [[noreturn]] void fail(const std::string& what, const std::string& expected,
                         const std::string& found) const;

  Handle file_;
  std::string path_;
};

}  // namespace phasis::h5
