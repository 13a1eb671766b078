#include "phasis/spi/dataset.hpp"

#include <cmath>
#include <cstdio>
#include <string>

#include "phasis/core/error.hpp"
#include "phasis/exec/chunks.hpp"
#include "phasis/io/atomic_output.hpp"
#include "phasis/io/hdf5.hpp"

namespace phasis::spi {

namespace {
std::string shape_text(const std::vector<int64_t>& s) {
  std::string t = "(";
  for (size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
  return t + ")";
}

std::vector<int64_t> expect_rank(const h5::File& f, const std::string& dset, int rank) {
  if (!f.exists(dset))
    throw InputError(h5::message(f.path(), dset, "a dataset (this is not a phasis spi file?)", "nothing there"));
  std::vector<int64_t> shape = f.shape(dset);
  if (static_cast<int>(shape.size()) != rank)
    throw InputError(h5::message(f.path(), dset, std::to_string(rank) + " dimensions", shape_text(shape)));
  return shape;
}
}  // namespace

SpiDataset read_dataset_part(const std::string& path, int64_t begin, int64_t end, bool truth);

double wavelength_of(double photon_energy_ev) { return 12398.419843320026 / photon_energy_ev; }

double edge_resolution(const Detector& d) {
  const double half = d.pixels / 2.0 * d.pixel_size;
  const double two_theta = std::atan2(half, d.distance);
  return d.wavelength / (2 * std::sin(two_theta / 2));
}

void write_dataset(const std::string& path, const SpiDataset& d) {
  AtomicOutput output(path);
  {
    h5::File f = h5::File::create(output.temp_path());
    const int64_t p = d.detector.pixels, m = p * p;
    f.create_groups("spi/detector");
    f.write("spi/intensities", d.intensities.data(), {d.images, p, p}, {1, p, p});
    f.write("spi/mask", d.mask.data(), {p, p});
    std::vector<double> s(static_cast<size_t>(3 * m));
    for (int a = 0; a < 3; ++a) std::copy(d.s[a].begin(), d.s[a].end(), s.begin() + a * m);
    f.write("spi/s", s.data(), {3, p, p});
    f.write_scalar("spi/detector/pixels", int32_t(p));
    f.write_scalar("spi/detector/pixel_size", d.detector.pixel_size);
    f.write_scalar("spi/detector/distance", d.detector.distance);
    f.write_scalar("spi/detector/wavelength", d.detector.wavelength);
    f.write_scalar("spi/detector/photon_energy", d.photon_energy);
    if (!d.orientations.empty()) {
      f.create_groups("truth");
      f.write("truth/orientations", d.orientations.front().data(), {int64_t(d.orientations.size()), 3, 3});
      f.write("truth/density", d.density.data(), {d.density_n, d.density_n, d.density_n});
      f.write_attr("truth/density", "voxel", d.density_voxel);
    }
    f.close();
  }
  output.commit();
}

int64_t dataset_images(const std::string& path) {
  const h5::File f = h5::File::open_read(path);
  return expect_rank(f, "spi/intensities", 3)[0];
}

SpiDataset read_dataset(const std::string& path, bool truth) { return read_dataset_part(path, 0, -1, truth); }

SpiDataset read_dataset_part(const std::string& path, int64_t begin, int64_t end) {
  return read_dataset_part(path, begin, end, false);
}

SpiDataset read_dataset_part(const std::string& path, int64_t begin, int64_t end, bool truth) {
  // The layout's lookups first in a child: a damaged file that crashes libhdf5 there is an
  // InputError (io/hdf5.hpp), then for real below.
  h5::run_isolated(path, [&] {
    const h5::File g = h5::File::open_read(path);
    for (const char* name : {"spi/intensities", "spi/mask", "spi/s", "spi/detector/pixel_size", "spi/detector/distance",
                             "spi/detector/wavelength", "spi/detector/photon_energy", "truth/orientations", "truth/density"})
      if (g.exists(name)) (void)g.shape(name);
  });
  const h5::File f = h5::File::open_read(path);
  SpiDataset d;
  const auto shape = expect_rank(f, "spi/intensities", 3);
  if (shape[0] < 1) throw InputError(h5::message(path, "spi/intensities", "at least one image", "none"));
  if (shape[1] != shape[2] || shape[1] < 2)
    throw InputError(h5::message(path, "spi/intensities", "images of P x P pixels, P >= 2", shape_text(shape)));
  const int64_t p = shape[1], m = p * p;
  for (const char* name : {"spi/detector/pixel_size", "spi/detector/distance", "spi/detector/wavelength"})
    if (!f.exists(name)) throw InputError(h5::message(path, name, "a dataset", "nothing there"));
  d.detector = {p, f.read_scalar("spi/detector/pixel_size"), f.read_scalar("spi/detector/distance"),
                f.read_scalar("spi/detector/wavelength")};
  for (const char* name : {"spi/detector/pixel_size", "spi/detector/distance", "spi/detector/wavelength"}) {
    const double v = f.read_scalar(name);
    if (!(std::isfinite(v) && v > 0)) throw InputError(h5::message(path, name, "a positive, finite value", std::to_string(v)));
  }
  if (f.exists("spi/detector/photon_energy")) d.photon_energy = f.read_scalar("spi/detector/photon_energy");
  if (end < 0) end = shape[0];
  if (begin < 0 || begin > end || end > shape[0])
    throw InputError(h5::message(path, "spi/intensities", "images [" + std::to_string(begin) + ", " + std::to_string(end) + ")",
                                 std::to_string(shape[0]) + " images"));
  d.images = end - begin, d.first = begin, d.total = shape[0];
  // The arrays the header's shape asks for, before any is allocated: a damaged or huge file must
  // not end in std::bad_alloc (fuzz_spi_dataset: 309 GB asked by a 20 KB file).
  const double need = double(m) * (4.0 * double(d.images) + 1 + 48);  // intensities, mask, s (read and kept)
  const int64_t free_bytes = exec::host_available_bytes();
  if (free_bytes > 0 && need > double(free_bytes)) {
    char found[160];
    std::snprintf(found, sizeof found, "%lld images of %lld x %lld pixels: %.3g GB, more than the %.3g GB free",
                  (long long)d.images, (long long)p, (long long)p, need / 1e9, double(free_bytes) / 1e9);
    throw InputError(h5::message(path, "spi/intensities", "images that fit the free memory (fewer per MPI rank)", found));
  }
  const auto mshape = expect_rank(f, "spi/mask", 2);
  if (mshape[0] != p || mshape[1] != p)
    throw InputError(h5::message(path, "spi/mask", "(" + std::to_string(p) + ", " + std::to_string(p) + ") like the images",
                                 shape_text(mshape)));
  d.mask.resize(m);
  f.read("spi/mask", d.mask.data(), m);
  const auto sshape = expect_rank(f, "spi/s", 3);
  if (sshape[0] != 3 || sshape[1] != p || sshape[2] != p)
    throw InputError(h5::message(path, "spi/s", "(3, " + std::to_string(p) + ", " + std::to_string(p) + ")", shape_text(sshape)));
  std::vector<double> s(static_cast<size_t>(3 * m));
  f.read("spi/s", s.data(), 3 * m);
  for (int a = 0; a < 3; ++a) d.s[a].assign(s.begin() + a * m, s.begin() + (a + 1) * m);
  for (double v : s)
    if (!std::isfinite(v)) throw InputError(h5::message(path, "spi/s", "finite coordinates", "NaN or infinity"));
  d.intensities.resize(static_cast<size_t>(d.images * m));
  if (d.images > 0) f.read_rows("spi/intensities", begin, end, d.intensities.data());
  for (size_t i = 0; i < d.intensities.size(); ++i) {
    const float v = d.intensities[i];
    if (!std::isfinite(v) || v < 0) {
      const int64_t img = begin + int64_t(i) / m, pix = int64_t(i) % m;
      throw InputError(h5::message(path, "spi/intensities", "finite counts >= 0",
                                   std::to_string(v) + " in image " + std::to_string(img) + " at pixel (" +
                                       std::to_string(pix / p) + ", " + std::to_string(pix % p) + ")"));
    }
  }
  if (truth) {
    const auto oshape = expect_rank(f, "truth/orientations", 3);
    if (oshape[0] != d.total || oshape[1] != 3 || oshape[2] != 3)
      throw InputError(h5::message(path, "truth/orientations", "(" + std::to_string(d.images) + ", 3, 3)", shape_text(oshape)));
    d.orientations.resize(d.images);
    f.read("truth/orientations", d.orientations.front().data(), d.images * 9);
    const auto dshape = expect_rank(f, "truth/density", 3);
    if (dshape[0] != dshape[1] || dshape[0] != dshape[2])
      throw InputError(h5::message(path, "truth/density", "a cube", shape_text(dshape)));
    d.density_n = dshape[0];
    d.density.resize(d.density_n * d.density_n * d.density_n);
    f.read("truth/density", d.density.data(), int64_t(d.density.size()));
    d.density_voxel = f.read_attr_double("truth/density", "voxel");
  }
  return d;
}

SpiImages valid_pixels(const SpiDataset& d) {
  SpiImages im;
  const int64_t m = d.detector.pixels * d.detector.pixels;
  std::vector<int64_t> keep;
  for (int64_t j = 0; j < m; ++j)
    if (d.mask[j]) keep.push_back(j);
  im.count = d.images, im.pixels = int64_t(keep.size());
  im.first = d.first, im.total = d.total;
  for (int64_t j : keep) im.sx.push_back(d.s[0][j]), im.sy.push_back(d.s[1][j]), im.sz.push_back(d.s[2][j]);
  im.intensities.resize(static_cast<size_t>(im.count * im.pixels));
  for (int64_t i = 0; i < d.images; ++i)
    for (int64_t k = 0; k < im.pixels; ++k) im.intensities[i * im.pixels + k] = d.intensities[i * m + keep[k]];
  return im;
}

}  // namespace phasis::spi
