// Typed exceptions. Library code throws; the CLI and Python boundaries catch once and map to an
// exit code: InputError (bad file, bad shape, bad parameter, out of device memory) -> 2, anything
// else -> 1. Messages are one line: what was expected and what was found.
#pragma once

#include <stdexcept>
#include <string>

namespace phasis {

/// Base of every error phasis throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The user's input is wrong: a file, a dataset, a shape, a value, an option. Exit code 2.
class InputError : public Error {
 public:
  using Error::Error;
};

/// A device (GPU) could not do what was asked: none present, out of memory. Exit code 2, since the
/// user can fix it (smaller batch, other device).
class DeviceError : public Error {
 public:
  using Error::Error;
};

/// A bug or an unexpected library failure. Exit code 1.
class InternalError : public Error {
 public:
  using Error::Error;
};

}  // namespace phasis
