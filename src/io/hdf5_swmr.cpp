// Single writer, multiple readers (hdf5.hpp): the writer's file format and extendible datasets, the
// reader's open and refresh. HDF5 orders a SWMR writer's flushes so that a reader never sees
// metadata pointing at data not yet written; what a reader sees of a dataset is what the writer
// had flushed of it when the reader last refreshed it.
#include <filesystem>

#include "hdf5_detail.hpp"
#include "phasis/core/error.hpp"
#include "phasis/io/hdf5.hpp"

namespace phasis::h5 {

namespace fs = std::filesystem;
using detail::Element;
using detail::Quiet;

File File::create_swmr(const std::string& path) {
  Quiet q;
  const fs::path parent = fs::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty() && !fs::is_directory(parent, ec))
    throw InputError("cannot create '" + path + "': folder '" + parent.string() + "' does not exist");
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
  // SWMR needs the 1.10 file format (superblock 3, the chunk indexes made for appending).
  if (H5Pset_libver_bounds(fapl.id(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST) < 0)
    throw InternalError("HDF5: cannot ask for the latest file format: " + detail::last_error());
  Handle h(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id()));
  if (!h.valid()) throw InputError("cannot create '" + path + "': " + detail::last_error());
  return File(std::move(h), path);
}

void File::start_swmr() {
  Quiet q;
  if (H5Fstart_swmr_write(file_.id()) < 0)
    throw InputError("cannot start SWMR writing of '" + path_ + "': " + detail::last_error());
}

File File::open_swmr_read(const std::string& path) {
  Quiet q;
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (!fs::exists(st)) throw InputError("cannot open '" + path + "': no such file");
  if (fs::is_directory(st)) throw InputError("cannot open '" + path + "': it is a folder, not a file");
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  H5Eclear2(H5E_DEFAULT);
  if (is_hdf5 <= 0) throw InputError("'" + path + "' is not an HDF5 file (yet)");
  Handle h(H5Fopen(path.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, H5P_DEFAULT));
  if (!h.valid()) {
    // A writer that has not called H5Fstart_swmr_write holds the file's lock: "Resource
    // temporarily unavailable" is that lock.
    throw InputError("cannot open '" + path + "' for SWMR reading: " + detail::last_error());
  }
  return File(std::move(h), path);
}

void File::refresh(const std::string& dset) const {
  Quiet q;
  Handle d = open_dataset(dset);
  if (H5Drefresh(d.id()) < 0) throw InputError("cannot refresh '" + path_ + "' " + dset + ": " + detail::last_error());
}

int64_t File::max_rows(const std::string& dset) const {
  Quiet q;
  Handle d = open_dataset(dset);
  Handle space(H5Dget_space(d.id()));
  const int rank = H5Sget_simple_extent_ndims(space.id());
  if (rank < 1) fail(dset, "an array of rank 1 or more", "a scalar");
  std::vector<hsize_t> dims(static_cast<size_t>(rank)), maxdims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space.id(), dims.data(), maxdims.data());
  if (maxdims[0] == H5S_UNLIMITED) return -1;
  if (maxdims[0] > hsize_t(detail::kMaxElements)) fail(dset, "at most 2^56 rows", "more");
  return int64_t(maxdims[0]);
}

template <class T>
void File::create_rows(const std::string& dset, const std::vector<int64_t>& row, int64_t max_rows, int64_t chunk_rows) {
  Quiet q;
  if (exists(dset)) fail(dset, "a new dataset (datasets are written once)", "one already there");
  if (max_rows < 0 || chunk_rows < 1)
    throw InternalError("h5::File::create_rows " + dset + ": max_rows >= 0 and chunk_rows >= 1 expected");
  std::vector<hsize_t> dims{0}, maxdims{max_rows > 0 ? hsize_t(max_rows) : H5S_UNLIMITED}, chunk{hsize_t(chunk_rows)};
  if (max_rows > 0 && chunk[0] > maxdims[0]) chunk[0] = maxdims[0];
  for (int64_t v : row) {
    dims.push_back(hsize_t(v));
    maxdims.push_back(hsize_t(v));
    chunk.push_back(hsize_t(v));
  }
  Handle space(H5Screate_simple(int(dims.size()), dims.data(), maxdims.data()));
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
  if (H5Pset_chunk(dcpl.id(), int(chunk.size()), chunk.data()) < 0)
    throw InternalError("HDF5: bad chunk shape for " + dset + ": " + detail::last_error());
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(lcpl.id(), 1);
  Handle ftype = Element<T>::file();
  Handle d(H5Dcreate2(file_.id(), dset.c_str(), ftype.id(), space.id(), lcpl.id(), dcpl.id(), H5P_DEFAULT));
  if (!d.valid()) throw InputError("cannot write '" + path_ + "' " + dset + ": " + detail::last_error());
}

template <class T>
void File::append_rows(const std::string& dset, int64_t count, const T* src) {
  Quiet q;
  if (count <= 0) return;
  Handle d = open_dataset(dset);
  Handle old_space(H5Dget_space(d.id()));
  std::vector<int64_t> shape = detail::space_shape(old_space.id(), path_, dset);
  if (shape.empty()) fail(dset, "an array of rank 1 or more", "a scalar");
  std::vector<hsize_t> dims(shape.begin(), shape.end()), start(shape.size(), 0), rows(shape.begin(), shape.end());
  start[0] = dims[0];
  rows[0] = hsize_t(count);
  dims[0] += hsize_t(count);
  if (H5Dset_extent(d.id(), dims.data()) < 0)
    throw InputError("cannot extend '" + path_ + "' " + dset + " to " + std::to_string(dims[0]) + " rows: " + detail::last_error());
  Handle fspace(H5Dget_space(d.id()));
  if (H5Sselect_hyperslab(fspace.id(), H5S_SELECT_SET, start.data(), nullptr, rows.data(), nullptr) < 0)
    throw InternalError("HDF5: cannot select the new rows of " + dset + ": " + detail::last_error());
  Handle mspace(H5Screate_simple(int(rows.size()), rows.data(), nullptr));
  Handle mtype = Element<T>::memory();
  if (H5Dwrite(d.id(), mtype.id(), mspace.id(), fspace.id(), H5P_DEFAULT, src) < 0)
    throw InputError("cannot write '" + path_ + "' " + dset + ": " + detail::last_error());
}

void File::flush(const std::string& dset) {
  Quiet q;
  Handle d = open_dataset(dset);
  if (H5Dflush(d.id()) < 0) throw InputError("cannot write '" + path_ + "' " + dset + ": " + detail::last_error());
}

#define PHASIS_H5_SWMR_INSTANTIATE(T)                                                                       \
  template void File::create_rows<T>(const std::string&, const std::vector<int64_t>&, int64_t, int64_t); \
  template void File::append_rows<T>(const std::string&, int64_t, const T*);

PHASIS_H5_SWMR_INSTANTIATE(float)
PHASIS_H5_SWMR_INSTANTIATE(double)
PHASIS_H5_SWMR_INSTANTIATE(int32_t)

#undef PHASIS_H5_SWMR_INSTANTIATE

}  // namespace phasis::h5
