// Ptychography frames as a stream of messages (docs/ptychography.md, "Streaming input"): the
// message format (ZeroMQ multipart messages; the first part a JSON object, the others raw bytes),
// its encoder and its checking decoder, and the two ZeroMQ sockets that carry it (PUSH at the
// source, PULL at the reconstruction: every frame reaches the one consumer, and a slow consumer
// slows the source instead of losing frames, as PUB/SUB would at its high-water mark).
//   header  {"phasis_stream":1,"type":"header","frame_shape":[M,M],"dtype":"float32"|"uint16"|"uint32",
//            "energy_J":E,"distance_m":z,"x_pixel_size_m":px,"y_pixel_size_m":py,"frames":N,
//            "mask":bool,"probe":bool}  [M*M uint8 mask, 1 = good] [M*M complex64 probe]
//   frame   {"type":"frame","index":j,"x_m":x,"y_m":y}  [M*M little-endian values of dtype]
//   end     {"type":"end","frames":n}
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "phasis/core/array.hpp"      // for Array
#include "phasis/core/complex.hpp"    // for Complex
#include "phasis/ptycho/dataset.hpp"  // for PtychoGeometry

namespace phasis::stream {

/// One message: its parts in order.
using Message = std::vector<std::string>;

enum class Dtype { float32, uint16, uint32 };

struct Header {
  int64_t frame_size = 0;    // M: frames are M x M
  Dtype dtype = Dtype::float32;
  PtychoGeometry geometry;
  int64_t frames = 0;        // frames the source will send; 0: not known
  Array<uint8_t> valid;      // M x M, 1 = good pixel; empty: all good
  Array<Complex<float>> probe;  // M x M initial probe; empty: none
};

struct Frame {
  int64_t index = 0;         // the frame's place in the scan
  double x_m = 0, y_m = 0;   // the scan position, metres
  std::vector<float> intensities;  // M x M
  double arrived = 0;        // when the receiving side accepted it (system clock, s since 1970; 0: not stamped)
};

Message encode_header(const Header& h);
/// A frame of M x M intensities `values` (sent as float32).
Message encode_frame(int64_t index, double x_m, double y_m, const float* values, int64_t m);
Message encode_end(int64_t frames);

/// A message read and checked. kind `malformed` carries the one line saying what was expected and
/// what was found; the others carry their contents.
struct Decoded {
  enum class Kind { header, frame, end, malformed } kind = Kind::malformed;
  Header header;
  Frame frame;
  int64_t end_frames = 0;
  std::string problem;
};

/// Decodes `msg`. `header`: the stream's header when one arrived (frames are checked against its
/// shape, dtype and frame count: values finite and non-negative, index in range), else null (a
/// frame is then malformed). Never throws for bad input.
Decoded decode(const Message& msg, const Header* header);

/// The PULL side: binds `address` (tcp://HOST:PORT) at once; InputError naming the address when it
/// is malformed or in use.
class Puller {
 public:
  explicit Puller(const std::string& address);
  ~Puller();
  Puller(const Puller&) = delete;
  Puller& operator=(const Puller&) = delete;
  /// The next message, or false after `timeout_ms` without one.
  bool receive(Message& msg, int timeout_ms);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The PUSH side: connects to `address`; sends block while no receiver is connected or the
/// receiver's queue is full (nothing is dropped). InputError for a malformed address.
class Pusher {
 public:
  explicit Pusher(const std::string& address);
  ~Pusher();
  Pusher(const Pusher&) = delete;
  Pusher& operator=(const Pusher&) = delete;
  /// Sends `msg`; false when no receiver took it within `timeout_ms` (< 0: wait forever).
  bool send(const Message& msg, int timeout_ms = -1);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Whether this build carries ZeroMQ (PHASIS_STREAM); without it Puller and Pusher throw
/// InputError saying so.
bool available();

}  // namespace phasis::stream
