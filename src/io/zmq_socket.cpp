// The stream's ZeroMQ sockets (frame_stream.hpp): PULL binds, PUSH connects. Only this file sees
// libzmq (PHASIS_HAVE_STREAM, set for it alone by CMake); a build without it throws InputError.
#include "phasis/io/frame_stream.hpp"

#include <cerrno>
#include <cstring>

#include "phasis/core/error.hpp"

#if PHASIS_HAVE_STREAM
#include <zmq.h>
#endif

namespace phasis::stream {

namespace {

/// tcp://HOST:PORT with a port in 1..65535, or ipc://PATH; InputError otherwise.
void check_address(const std::string& a, const char* what) {
  const std::string expected = std::string(what) + ": expected tcp://HOST:PORT (or ipc://PATH); found '" + a + "'";
  if (a.rfind("ipc://", 0) == 0 && a.size() > 6) return;
  if (a.rfind("tcp://", 0) != 0) throw InputError(expected);
  const size_t colon = a.rfind(':');
  if (colon == std::string::npos || colon < 7) throw InputError(expected);
  const std::string port = a.substr(colon + 1);
  char* stop = nullptr;
  const long p = std::strtol(port.c_str(), &stop, 10);
  if (port.empty() || *stop || p < 1 || p > 65535) throw InputError(expected);
}

}  // namespace

#if PHASIS_HAVE_STREAM

bool available() { return true; }

struct Puller::Impl {
  void* context = nullptr;
  void* socket = nullptr;
  ~Impl() {
    if (socket) zmq_close(socket);
    if (context) zmq_ctx_term(context);
  }
};

Puller::Puller(const std::string& address) : impl_(std::make_unique<Impl>()) {
  check_address(address, "stream address");
  impl_->context = zmq_ctx_new();
  impl_->socket = zmq_socket(impl_->context, ZMQ_PULL);
  if (!impl_->socket) throw InternalError(std::string("zmq_socket: ") + zmq_strerror(zmq_errno()));
  const int linger = 0;  // at the end nothing queued matters: what was read is in the solver
  zmq_setsockopt(impl_->socket, ZMQ_LINGER, &linger, sizeof linger);
  if (zmq_bind(impl_->socket, address.c_str()) != 0) {
    const int e = zmq_errno();
    if (e == EADDRINUSE)
      throw InputError("stream " + address + ": expected a free port to listen on; found it in use");
    throw InputError("stream " + address + ": expected an address this host can listen on; found " + zmq_strerror(e));
  }
}

Puller::~Puller() = default;

bool Puller::receive(Message& msg, int timeout_ms) {
  zmq_pollitem_t item{impl_->socket, 0, ZMQ_POLLIN, 0};
  const int ready = zmq_poll(&item, 1, timeout_ms);
  if (ready <= 0) return false;  // a timeout, or a signal: the caller looks again
  msg.clear();
  for (;;) {
    zmq_msg_t part;
    zmq_msg_init(&part);
    if (zmq_msg_recv(&part, impl_->socket, 0) < 0) {
      zmq_msg_close(&part);
      if (msg.empty()) return false;
      throw InternalError(std::string("zmq_msg_recv: ") + zmq_strerror(zmq_errno()));
    }
    msg.emplace_back(static_cast<const char*>(zmq_msg_data(&part)), zmq_msg_size(&part));
    const bool more = zmq_msg_more(&part);
    zmq_msg_close(&part);
    if (!more) return true;
  }
}

struct Pusher::Impl {
  void* context = nullptr;
  void* socket = nullptr;
  ~Impl() {
    if (socket) zmq_close(socket);
    if (context) zmq_ctx_term(context);
  }
};

Pusher::Pusher(const std::string& address) : impl_(std::make_unique<Impl>()) {
  check_address(address, "--to");
  impl_->context = zmq_ctx_new();
  impl_->socket = zmq_socket(impl_->context, ZMQ_PUSH);
  if (!impl_->socket) throw InternalError(std::string("zmq_socket: ") + zmq_strerror(zmq_errno()));
  // Queue only on a live connection: sends block until a receiver is there, so a source started
  // first neither runs ahead of its rate nor fills memory.
  const int immediate = 1, linger = 10000;  // at the end, 10 s for the last queued frames to leave
  zmq_setsockopt(impl_->socket, ZMQ_IMMEDIATE, &immediate, sizeof immediate);
  zmq_setsockopt(impl_->socket, ZMQ_LINGER, &linger, sizeof linger);
  if (zmq_connect(impl_->socket, address.c_str()) != 0)
    throw InputError("--to " + address + ": expected an address to connect to; found " + zmq_strerror(zmq_errno()));
}

Pusher::~Pusher() = default;

bool Pusher::send(const Message& msg, int timeout_ms) {
  zmq_setsockopt(impl_->socket, ZMQ_SNDTIMEO, &timeout_ms, sizeof timeout_ms);
  for (size_t i = 0; i < msg.size(); ++i) {
    const int flags = i + 1 < msg.size() ? ZMQ_SNDMORE : 0;
    for (;;) {
      if (zmq_send(impl_->socket, msg[i].data(), msg[i].size(), flags) >= 0) break;
      const int e = zmq_errno();
      if (e == EINTR) continue;
      if (e == EAGAIN && i == 0) return false;  // nobody took the first part: nothing was sent
      throw InternalError(std::string("zmq_send: ") + zmq_strerror(e));
    }
  }
  return true;
}

#else

bool available() { return false; }

struct Puller::Impl {};
struct Pusher::Impl {};

Puller::Puller(const std::string& address) {
  check_address(address, "stream address");
  throw InputError("stream " + address + ": expected a build with ZeroMQ (PHASIS_STREAM=ON, libzmq3-dev); found none");
}
Puller::~Puller() = default;
bool Puller::receive(Message&, int) { return false; }
Pusher::Pusher(const std::string& address) {
  check_address(address, "--to");
  throw InputError("--to " + address + ": expected a build with ZeroMQ (PHASIS_STREAM=ON, libzmq3-dev); found none");
}
Pusher::~Pusher() = default;
bool Pusher::send(const Message&, int) { return false; }

#endif

}  // namespace phasis::stream
