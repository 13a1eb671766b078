// The frame stream's message format (io/frame_stream.hpp): what is encoded decodes to the same
// values, and every kind of bad message becomes one line naming what was expected and found.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "phasis/core/error.hpp"
#include "phasis/io/frame_stream.hpp"

using namespace phasis;
using namespace phasis::stream;

namespace {

Header small_header(int64_t m = 4, int64_t frames = 3) {
  Header h;
  h.frame_size = m;
  h.geometry.energy_J = 1.28e-15;
  h.geometry.distance_m = 2;
  h.geometry.pixel_x_m = h.geometry.pixel_y_m = 75e-6;
  h.frames = frames;
  return h;
}

std::vector<float> ramp(int64_t m) {
  std::vector<float> v(size_t(m * m));
  for (size_t i = 0; i < v.size(); ++i) v[i] = float(i) * 0.5f;
  return v;
}

void expect_malformed(const Message& msg, const Header* h, const std::string& words) {
  const Decoded d = decode(msg, h);
  EXPECT_EQ(d.kind, Decoded::Kind::malformed);
  EXPECT_NE(d.problem.find(words), std::string::npos) << d.problem;
  EXPECT_EQ(d.problem.find('\n'), std::string::npos) << "one line: " << d.problem;
}

}  // namespace

TEST(FrameStream, HeaderFrameAndEndRoundTrip) {
  Header h = small_header();
  h.valid = Array<uint8_t>(Shape{4, 4});
  for (int64_t p = 0; p < 16; ++p) h.valid[p] = p != 5;
  h.probe = Array<Complex<float>>(Shape{4, 4});
  for (int64_t p = 0; p < 16; ++p) h.probe[p] = {float(p), -float(p)};
  const Decoded dh = decode(encode_header(h), nullptr);
  ASSERT_EQ(dh.kind, Decoded::Kind::header) << dh.problem;
  EXPECT_EQ(dh.header.frame_size, 4);
  EXPECT_EQ(dh.header.frames, 3);
  EXPECT_EQ(dh.header.geometry.distance_m, 2);
  EXPECT_EQ(dh.header.geometry.energy_J, 1.28e-15);
  ASSERT_EQ(dh.header.valid.size(), 16);
  EXPECT_EQ(dh.header.valid[5], 0);
  EXPECT_EQ(dh.header.valid[6], 1);
  ASSERT_EQ(dh.header.probe.size(), 16);
  EXPECT_EQ(dh.header.probe[7].im, -7.f);

  const std::vector<float> v = ramp(4);
  const Decoded df = decode(encode_frame(2, 1.5e-6, -2.5e-6, v.data(), 4), &dh.header);
  ASSERT_EQ(df.kind, Decoded::Kind::frame) << df.problem;
  EXPECT_EQ(df.frame.index, 2);
  EXPECT_EQ(df.frame.x_m, 1.5e-6);
  EXPECT_EQ(df.frame.y_m, -2.5e-6);
  EXPECT_EQ(df.frame.intensities, v);

  const Decoded de = decode(encode_end(3), &dh.header);
  ASSERT_EQ(de.kind, Decoded::Kind::end);
  EXPECT_EQ(de.end_frames, 3);
}

TEST(FrameStream, IntegerFramesAreConverted) {
  Header h = small_header(2, 1);
  h.dtype = Dtype::uint16;
  Message msg = encode_frame(0, 0, 0, ramp(2).data(), 2);
  const uint16_t counts[4] = {0, 1, 65535, 7};
  msg[1].assign(reinterpret_cast<const char*>(counts), sizeof counts);
  const Decoded d = decode(msg, &h);
  ASSERT_EQ(d.kind, Decoded::Kind::frame) << d.problem;
  EXPECT_EQ(d.frame.intensities, (std::vector<float>{0, 1, 65535, 7}));
}

TEST(FrameStream, BadMessagesAreOneLineEach) {
  const Header h = small_header();
  const std::vector<float> v = ramp(4);
  expect_malformed({}, &h, "at least one part");
  expect_malformed({"\x01\x02garbage"}, &h, "JSON object");
  expect_malformed({"{\"type\":\"picture\"}"}, &h, "header, frame or end");
  expect_malformed(encode_frame(0, 0, 0, v.data(), 4), nullptr, "a header first");
  expect_malformed(encode_header(h), &h, "one header per stream");
  expect_malformed(encode_frame(3, 0, 0, v.data(), 4), &h, "index in [0, 3)");
  expect_malformed(encode_frame(-1, 0, 0, v.data(), 4), &h, "index in [0, 3)");
  expect_malformed(encode_frame(0, std::nan(""), 0, v.data(), 4), &h, "expected numbers \"x_m\" and \"y_m\"");  // NaN is JSON null
  Message short_frame = encode_frame(0, 0, 0, v.data(), 4);
  short_frame[1].resize(10);
  expect_malformed(short_frame, &h, "64 bytes of float32; found 2 parts, the second 10 bytes");
  std::vector<float> negative = v;
  negative[5] = -1;
  expect_malformed(encode_frame(1, 0, 0, negative.data(), 4), &h, "non-negative intensities; found -1");
  std::vector<float> inf = v;
  inf[6] = std::numeric_limits<float>::infinity();
  expect_malformed(encode_frame(1, 0, 0, inf.data(), 4), &h, "pixel (1, 2)");
  expect_malformed({"{\"type\":\"frame\",\"index\":\"one\",\"x_m\":0,\"y_m\":0}", std::string(64, '\0')}, &h, "integer \"index\"");
  expect_malformed({"{\"type\":\"end\",\"frames\":\"all\"}"}, &h, "documented fields");
  Header bad = small_header();
  bad.geometry.distance_m = 0;
  expect_malformed(encode_header(bad), nullptr, "positive finite");
  Message missing_mask = encode_header(small_header());
  missing_mask[0].replace(missing_mask[0].find("\"mask\":false"), 12, "\"mask\":true");
  expect_malformed(missing_mask, nullptr, "expected 2 parts");
}

TEST(FrameStream, AddressesAreChecked) {
  for (const char* bad : {"localhost:5555", "tcp://127.0.0.1", "tcp://127.0.0.1:0", "tcp://127.0.0.1:99999", "tcp://:5"}) {
    try {
      Puller p(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("expected tcp://HOST:PORT"), std::string::npos) << e.what();
    }
  }
}

TEST(FrameStream, APortInUseIsAnInputError) {
  if (!available()) GTEST_SKIP() << "built without ZeroMQ";
  Puller first("tcp://127.0.0.1:47321");
  try {
    Puller second("tcp://127.0.0.1:47321");
    ADD_FAILURE() << "a second bind succeeded";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("in use"), std::string::npos) << e.what();
  }
}

TEST(FrameStream, MessagesPassThroughTheSockets) {
  if (!available()) GTEST_SKIP() << "built without ZeroMQ";
  Puller pull("tcp://127.0.0.1:47322");
  Pusher push("tcp://127.0.0.1:47322");
  const std::vector<float> v = ramp(4);
  ASSERT_TRUE(push.send(encode_frame(1, 2, 3, v.data(), 4), 5000));
  Message got;
  ASSERT_TRUE(pull.receive(got, 5000));
  ASSERT_EQ(got.size(), 2u);
  const Header h = small_header();
  EXPECT_EQ(decode(got, &h).frame.intensities, v);
  EXPECT_FALSE(pull.receive(got, 50));  // nothing more
}
