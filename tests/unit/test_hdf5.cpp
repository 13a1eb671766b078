#include <gtest/gtest.h>

#include <fstream>

#include "phasis/core/error.hpp"
#include "phasis/io/hdf5.hpp"
#include "testing.hpp"

using namespace phasis;
using phasis::testing::count_lines;
using phasis::testing::TempDir;

namespace {

/// Runs f, expects InputError, returns its message.
template <class F>
std::string input_error(F f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError was thrown";
  return {};
}

template <class T>
std::vector<T> ramp(int64_t n) {
  std::vector<T> v(n);
  for (int64_t i = 0; i < n; ++i) {
    if constexpr (std::is_same_v<T, Complex<float>> || std::is_same_v<T, Complex<double>>)
      v[i] = {static_cast<decltype(T{}.re)>(i) * 0.5f, -static_cast<decltype(T{}.re)>(i) - 0.25f};
    else
      v[i] = static_cast<T>((i * 7) % 200);
  }
  return v;
}

template <class T>
void round_trip(const char* name) {
  TempDir tmp;
  std::string path = tmp.file("a.h5");
  auto values = ramp<T>(24);
  {
    auto f = h5::File::create(path);
    f.write("group/sub/" + std::string(name), values.data(), {2, 3, 4});
    f.close();
  }
  auto f = h5::File::open_read(path);
  std::string dset = "group/sub/" + std::string(name);
  EXPECT_EQ(f.shape(dset), (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(f.rank(dset), 3);
  std::vector<T> back(24);
  f.read(dset, back.data(), 24);
  for (int i = 0; i < 24; ++i) EXPECT_EQ(back[i], values[i]) << name << " element " << i;
  Array<T> a = f.read_array<T>(dset);
  EXPECT_EQ(a.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(a[23], values[23]);
}

}  // namespace

TEST(Hdf5, RoundTripOfEveryElementType) {
  round_trip<float>("f32");
  round_trip<double>("f64");
  round_trip<int32_t>("i32");
  round_trip<uint8_t>("u8");
  round_trip<uint32_t>("u32");
  round_trip<Complex<float>>("c64");
  round_trip<Complex<double>>("c128");
}

TEST(Hdf5, TypeQueries) {
  TempDir tmp;
  auto f = h5::File::create(tmp.file("a.h5"));
  float x[2] = {1, 2};
  int32_t k[2] = {3, 4};
  Complex<double> c[2] = {{1, 2}, {3, 4}};
  f.write("x", x, {2});
  f.write("k", k, {2});
  f.write("c", c, {2});
  EXPECT_EQ(f.type_class("x"), h5::TypeClass::floating);
  EXPECT_EQ(f.type_class("k"), h5::TypeClass::integer);
  EXPECT_EQ(f.type_class("c"), h5::TypeClass::compound);
  EXPECT_TRUE(f.is_complex("c"));
  EXPECT_FALSE(f.is_complex("x"));
  EXPECT_EQ(f.type_name("x"), "float32");
  EXPECT_EQ(f.type_name("k"), "int32");
  EXPECT_EQ(f.type_name("c"), "compound {r: float64, i: float64}");
}

TEST(Hdf5, ComplexReadsConvertPrecision) {
  TempDir tmp;
  std::string path = tmp.file("c.h5");
  {
    auto f = h5::File::create(path);
    Complex<double> d[3] = {{1.5, -2.25}, {0, 1}, {1e-3, 4}};
    Complex<float> s[2] = {{0.5f, 0.75f}, {-8, 16}};
    f.write("double", d, {3});
    f.write("single", s, {2});
    f.close();
  }
  auto f = h5::File::open_read(path);
  Complex<float> as_float[3];
  f.read("double", as_float, 3);
  EXPECT_EQ(as_float[0], (Complex<float>{1.5f, -2.25f}));
  EXPECT_FLOAT_EQ(as_float[2].re, 1e-3f);
  Complex<double> as_double[2];
  f.read("single", as_double, 2);
  EXPECT_EQ(as_double[1], (Complex<double>{-8, 16}));
  // A real dataset is not silently taken for complex numbers, nor the reverse.
  std::string msg = input_error([&] { f.read_array<float>("double"); });
  EXPECT_NE(msg.find("expected real numbers; found compound {r: float64, i: float64}"), std::string::npos) << msg;
}

TEST(Hdf5, IntegerDatasetsReadAsFloat) {
  TempDir tmp;
  auto f = h5::File::create(tmp.file("i.h5"));
  uint32_t v[3] = {0, 7, 65536};
  f.write("v", v, {3});
  float out[3];
  f.read("v", out, 3);
  EXPECT_EQ(out[1], 7.0f);
  EXPECT_EQ(out[2], 65536.0f);
}

TEST(Hdf5, HyperslabOfTheFirstAxis) {
  TempDir tmp;
  auto f = h5::File::create(tmp.file("h.h5"));
  std::vector<float> v(6 * 4 * 5);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = float(i);
  f.write("stack", v.data(), {6, 4, 5}, {1, 4, 5});
  std::vector<float> part(3 * 20, -1);
  f.read_rows("stack", 2, 5, part.data());
  for (int i = 0; i < 60; ++i) EXPECT_EQ(part[i], v[40 + i]);
  f.read_rows("stack", 4, 4, part.data());  // empty range: reads nothing
  EXPECT_THROW(f.read_rows("stack", 5, 7, part.data()), InternalError);
  EXPECT_THROW(f.read_rows("stack", -1, 2, part.data()), InternalError);
}

TEST(Hdf5, ScalarsAndAttributes) {
  TempDir tmp;
  std::string path = tmp.file("s.h5");
  {
    auto f = h5::File::create(path);
    f.write_scalar("energy", 1.25e-15);
    f.write_scalar("version", int32_t{160});
    double one[1] = {3.5};
    f.write("one", one, {1});
    double two[2] = {1, 2};
    f.write("two", two, {2});
    f.create_groups("entry_1/data_1");
    f.write_attr("entry_1", "NX_class", "NXentry");
    f.write_attr("energy", "units", "J");
    f.write_attr("energy", "scale", 2.5);
    f.write_attr("/", "title", "root");
    f.write_attr("energy", "units", "eV");  // replaces
    f.close();
  }
  auto f = h5::File::open_read(path);
  EXPECT_EQ(f.rank("energy"), 0);
  EXPECT_EQ(f.read_scalar("energy"), 1.25e-15);
  EXPECT_EQ(f.read_scalar("version"), 160.0);
  EXPECT_EQ(f.read_scalar("one"), 3.5);
  std::string msg = input_error([&] { f.read_scalar("two"); });
  EXPECT_NE(msg.find("two: expected a scalar; found shape (2)"), std::string::npos) << msg;
  EXPECT_TRUE(f.exists("entry_1/data_1"));
  EXPECT_FALSE(f.exists("entry_1/data_2"));
  EXPECT_FALSE(f.exists("nope/deeper/still"));
  EXPECT_EQ(f.read_attr_string("entry_1", "NX_class"), "NXentry");
  EXPECT_EQ(f.read_attr_string("energy", "units"), "eV");
  EXPECT_EQ(f.read_attr_double("energy", "scale"), 2.5);
  EXPECT_EQ(f.read_attr_string("", "title"), "root");
  EXPECT_TRUE(f.has_attr("energy", "units"));
  EXPECT_FALSE(f.has_attr("energy", "offset"));
  EXPECT_FALSE(f.has_attr("missing", "units"));
  msg = input_error([&] { f.read_attr_string("energy", "offset"); });
  EXPECT_NE(msg.find("energy attribute 'offset': expected an attribute; found none"), std::string::npos) << msg;
}

TEST(Hdf5, SoftLinksResolve) {
  TempDir tmp;
  auto f = h5::File::create(tmp.file("l.h5"));
  float v[2] = {4, 5};
  f.write("a/data", v, {2});
  f.link_soft("/a/data", "b/alias");
  float back[2];
  f.read("b/alias", back, 2);
  EXPECT_EQ(back[1], 5.0f);
  f.link_soft("/a/missing", "b/dangling");
  EXPECT_FALSE(f.exists("b/dangling"));
}

TEST(Hdf5, MissingFileIsNamed) {
  TempDir tmp;
  std::string path = tmp.file("absent.h5");
  std::string msg = input_error([&] { h5::File::open_read(path); });
  EXPECT_EQ(msg, "cannot open '" + path + "': no such file");
}

TEST(Hdf5, TextFileIsNotHdf5) {
  TempDir tmp;
  std::string path = tmp.file("notes.txt");
  std::ofstream(path) << "this is not HDF5\n";
  ::testing::internal::CaptureStderr();
  std::string msg = input_error([&] { h5::File::open_read(path); });
  std::string printed = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(msg, "'" + path + "' is not an HDF5 file");
  EXPECT_EQ(printed, "") << "HDF5's error stack leaked to stderr";
}

TEST(Hdf5, MissingDatasetNamesFileAndPath) {
  TempDir tmp;
  std::string path = tmp.file("m.h5");
  {
    auto f = h5::File::create(path);
    f.create_groups("entry_1");
    f.close();
  }
  auto f = h5::File::open_read(path);
  ::testing::internal::CaptureStderr();
  std::string msg = input_error([&] { f.shape("entry_1/data_1/data"); });
  std::string printed = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(msg, "'" + path + "' entry_1/data_1/data: expected a dataset; found nothing at that path");
  EXPECT_EQ(printed, "");
  msg = input_error([&] { f.shape("entry_1"); });
  EXPECT_EQ(msg, "'" + path + "' entry_1: expected a dataset; found a group");
}

TEST(Hdf5, ErrorsAreOneLine) {
  TempDir tmp;
  std::string path = tmp.file("e.h5");
  auto f = h5::File::create(path);
  float v[4] = {1, 2, 3, 4};
  f.write("v", v, {4});
  std::vector<std::string> messages = {
      input_error([&] { f.write("v", v, {4}); }),
      input_error([&] {
        float out[3];
        f.read("v", out, 3);
      }),
      input_error([&] { h5::File::create(tmp.file("no/such/folder/x.h5")); }),
      input_error([&] { h5::File::open_read(tmp.path().string()); }),
  };
  EXPECT_NE(messages[0].find("v: expected a new dataset"), std::string::npos) << messages[0];
  EXPECT_NE(messages[1].find("v: expected 3 elements; found (4), 4 elements"), std::string::npos) << messages[1];
  EXPECT_NE(messages[2].find("does not exist"), std::string::npos) << messages[2];
  EXPECT_NE(messages[3].find("folder"), std::string::npos) << messages[3];
  for (const auto& m : messages) EXPECT_EQ(count_lines(m), 1) << m;
}

TEST(Hdf5, CloseReportsAndIsIdempotent) {
  TempDir tmp;
  auto f = h5::File::create(tmp.file("c.h5"));
  f.write_scalar("x", 1.0);
  f.close();
  f.close();
  auto g = h5::File::open_read(tmp.file("c.h5"));
  EXPECT_EQ(g.read_scalar("x"), 1.0);
}
