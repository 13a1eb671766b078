// The stream's message format (frame_stream.hpp): JSON first parts, raw little-endian payloads.
// Decoding checks everything a reader of a CXI file checks, so that a frame that joins the solver is
// as sound as one read from a file; a bad message becomes one line, never an exception.
#include "phasis/io/frame_stream.hpp"

#include <nlohmann/json.hpp>

#include <bit>
#include <cmath>
#include <cstring>

namespace phasis::stream {

static_assert(std::endian::native == std::endian::little, "the stream's payloads are little-endian");

namespace {

const char* dtype_name(Dtype d) { return d == Dtype::float32 ? "float32" : d == Dtype::uint16 ? "uint16" : "uint32"; }
int64_t dtype_bytes(Dtype d) { return d == Dtype::uint16 ? 2 : 4; }

std::string bytes_of(const void* p, size_t n) { return std::string(static_cast<const char*>(p), n); }

bool positive_finite(double v) { return std::isfinite(v) && v > 0; }

Decoded malformed(std::string why) {
  Decoded d;
  d.problem = std::move(why);
  return d;
}

Decoded decode_header(const nlohmann::json& j, const Message& msg) {
  Decoded d;
  Header& h = d.header;
  if (j.value("phasis_stream", 0) != 1)
    return malformed("header: expected \"phasis_stream\": 1; found " + (j.contains("phasis_stream") ? j["phasis_stream"].dump() : "none"));
  const auto shape = j.value("frame_shape", nlohmann::json());
  if (!shape.is_array() || shape.size() != 2 || !shape[0].is_number_integer() || shape[0] != shape[1] ||
      shape[0].get<int64_t>() < 2 || shape[0].get<int64_t>() > 16384)
    return malformed("header: expected \"frame_shape\": [M, M] with 2 <= M <= 16384; found " + shape.dump());
  h.frame_size = shape[0].get<int64_t>();
  const std::string dtype = j.value("dtype", std::string());
  if (dtype == "float32") h.dtype = Dtype::float32;
  else if (dtype == "uint16") h.dtype = Dtype::uint16;
  else if (dtype == "uint32") h.dtype = Dtype::uint32;
  else return malformed("header: expected \"dtype\" float32, uint16 or uint32; found '" + dtype + "'");
  h.geometry.energy_J = j.value("energy_J", 0.0);
  h.geometry.distance_m = j.value("distance_m", 0.0);
  h.geometry.pixel_x_m = j.value("x_pixel_size_m", 0.0);
  h.geometry.pixel_y_m = j.value("y_pixel_size_m", 0.0);
  if (!positive_finite(h.geometry.energy_J) || !positive_finite(h.geometry.distance_m) ||
      !positive_finite(h.geometry.pixel_x_m) || !positive_finite(h.geometry.pixel_y_m))
    return malformed("header: expected positive finite energy_J, distance_m, x_pixel_size_m, y_pixel_size_m; found " + j.dump());
  h.frames = j.value("frames", int64_t(0));
  if (h.frames < 0) return malformed("header: expected \"frames\" >= 0 (0: not known); found " + std::to_string(h.frames));
  const bool mask = j.value("mask", false), probe = j.value("probe", false);
  const size_t parts = 1 + size_t(mask) + size_t(probe);
  if (msg.size() != parts)
    return malformed("header: expected " + std::to_string(parts) + " parts (mask " + (mask ? "yes" : "no") + ", probe " +
                     (probe ? "yes" : "no") + "); found " + std::to_string(msg.size()));
  const int64_t pix = h.frame_size * h.frame_size;
  size_t at = 1;
  if (mask) {
    if (int64_t(msg[at].size()) != pix)
      return malformed("header: expected a mask of " + std::to_string(pix) + " bytes; found " + std::to_string(msg[at].size()));
    h.valid = Array<uint8_t>(Shape{h.frame_size, h.frame_size});
    std::memcpy(h.valid.data(), msg[at].data(), size_t(pix));
    ++at;
  }
  if (probe) {
    if (int64_t(msg[at].size()) != pix * 8)
      return malformed("header: expected a complex64 probe of " + std::to_string(pix * 8) + " bytes; found " +
                       std::to_string(msg[at].size()));
    h.probe = Array<Complex<float>>(Shape{h.frame_size, h.frame_size});
    std::memcpy(h.probe.data(), msg[at].data(), size_t(pix * 8));
  }
  d.kind = Decoded::Kind::header;
  return d;
}

Decoded decode_frame(const nlohmann::json& j, const Message& msg, const Header* h) {
  if (!h) return malformed("frame: expected a header first; found a frame");
  Decoded d;
  Frame& f = d.frame;
  if (!j.contains("index") || !j["index"].is_number_integer())
    return malformed("frame: expected an integer \"index\"; found " + j.dump());
  f.index = j["index"].get<int64_t>();
  const std::string which = "frame " + std::to_string(f.index);
  if (f.index < 0 || (h->frames > 0 && f.index >= h->frames))
    return malformed(which + ": expected an index in [0, " + (h->frames > 0 ? std::to_string(h->frames) : "inf") + ")");
  if (!j.contains("x_m") || !j.contains("y_m") || !j["x_m"].is_number() || !j["y_m"].is_number())
    return malformed(which + ": expected numbers \"x_m\" and \"y_m\"; found " + j.dump());
  f.x_m = j["x_m"].get<double>();
  f.y_m = j["y_m"].get<double>();
  if (!std::isfinite(f.x_m) || !std::isfinite(f.y_m)) return malformed(which + ": expected a finite position");
  const int64_t pix = h->frame_size * h->frame_size, bytes = pix * dtype_bytes(h->dtype);
  if (msg.size() != 2 || int64_t(msg[1].size()) != bytes)
    return malformed(which + ": expected 2 parts, the second " + std::to_string(bytes) + " bytes of " + dtype_name(h->dtype) +
                     "; found " + std::to_string(msg.size()) + " parts" +
                     (msg.size() > 1 ? ", the second " + std::to_string(msg[1].size()) + " bytes" : std::string()));
  f.intensities.resize(size_t(pix));
  const char* p = msg[1].data();
  if (h->dtype == Dtype::float32) {
    std::memcpy(f.intensities.data(), p, size_t(bytes));
    for (int64_t i = 0; i < pix; ++i)
      if (!(f.intensities[i] >= 0) || !std::isfinite(f.intensities[i]))
        return malformed(which + ": expected finite non-negative intensities; found " + std::to_string(f.intensities[i]) +
                         " at pixel (" + std::to_string(i / h->frame_size) + ", " + std::to_string(i % h->frame_size) + ")");
  } else if (h->dtype == Dtype::uint16) {
    for (int64_t i = 0; i < pix; ++i) {
      uint16_t v;
      std::memcpy(&v, p + 2 * i, 2);
      f.intensities[i] = float(v);
    }
  } else {
    for (int64_t i = 0; i < pix; ++i) {
      uint32_t v;
      std::memcpy(&v, p + 4 * i, 4);
      f.intensities[i] = float(v);
    }
  }
  d.kind = Decoded::Kind::frame;
  return d;
}

}  // namespace

static Decoded decode_object(const nlohmann::json& j, const Message& msg, const Header* header);

Message encode_header(const Header& h) {
  nlohmann::json j = {{"phasis_stream", 1},
                      {"type", "header"},
                      {"frame_shape", {h.frame_size, h.frame_size}},
                      {"dtype", dtype_name(h.dtype)},
                      {"energy_J", h.geometry.energy_J},
                      {"distance_m", h.geometry.distance_m},
                      {"x_pixel_size_m", h.geometry.pixel_x_m},
                      {"y_pixel_size_m", h.geometry.pixel_y_m},
                      {"frames", h.frames},
                      {"mask", !h.valid.empty()},
                      {"probe", !h.probe.empty()}};
  Message msg{j.dump()};
  if (!h.valid.empty()) msg.push_back(bytes_of(h.valid.data(), h.valid.bytes()));
  if (!h.probe.empty()) msg.push_back(bytes_of(h.probe.data(), h.probe.bytes()));
  return msg;
}

Message encode_frame(int64_t index, double x_m, double y_m, const float* values, int64_t m) {
  const nlohmann::json j = {{"type", "frame"}, {"index", index}, {"x_m", x_m}, {"y_m", y_m}};
  return {j.dump(), bytes_of(values, size_t(m * m) * sizeof(float))};
}

Message encode_end(int64_t frames) { return {nlohmann::json{{"type", "end"}, {"frames", frames}}.dump()}; }

Decoded decode(const Message& msg, const Header* header) {
  if (msg.empty()) return malformed("message: expected at least one part; found none");
  nlohmann::json j = nlohmann::json::parse(msg[0], nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    const std::string head = msg[0].substr(0, 40);
    std::string shown;
    for (unsigned char c : head) shown += c >= 32 && c < 127 ? char(c) : '?';
    return malformed("message: expected a JSON object as the first part; found '" + shown + (msg[0].size() > 40 ? "...'" : "'"));
  }
  try {
    return decode_object(j, msg, header);
  } catch (const nlohmann::json::exception&) {  // a field of the wrong JSON type
    return malformed("message: expected the documented fields and types; found " + j.dump().substr(0, 200));
  }
}

static Decoded decode_object(const nlohmann::json& j, const Message& msg, const Header* header) {
  const std::string type = j.value("type", std::string());
  if (type == "frame") return decode_frame(j, msg, header);
  if (type == "header") {
    if (header) return malformed("header: expected one header per stream; found a second");
    return decode_header(j, msg);
  }
  if (type == "end") {
    Decoded d;
    d.kind = Decoded::Kind::end;
    d.end_frames = j.value("frames", int64_t(-1));
    if (msg.size() != 1 || d.end_frames < 0) return malformed("end: expected one part with \"frames\" >= 0; found " + j.dump());
    return d;
  }
  return malformed("message: expected type header, frame or end; found '" + type + "'");
}

}  // namespace phasis::stream
