// A failure of one part of a distributed run in a form that can travel to the others (a kind and
// a message), so that Communicator::agree() can make every part throw the same typed error.
#pragma once

#include <exception>
#include <string>

namespace phasis::comm {

/// What went wrong in one part.
struct Failure {
  enum Kind : int { none = 0, input = 1, device = 2, internal = 3 };
  int kind = none;
  std::string message;
  explicit operator bool() const { return kind != none; }
};

/// The failure an exception describes (InputError -> input, DeviceError or bad_alloc -> device).
Failure failure_of(std::exception_ptr e);
/// Throws the phasis error of `f`'s kind with its message.
[[noreturn]] void raise(const Failure& f);

}  // namespace phasis::comm
