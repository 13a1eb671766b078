// Failures to and from exceptions (failure.hpp).
#include "phasis/comm/failure.hpp"

#include <new>

#include "phasis/core/error.hpp"

namespace phasis::comm {

Failure failure_of(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const InputError& x) {
    return {Failure::input, x.what()};
  } catch (const DeviceError& x) {
    return {Failure::device, x.what()};
  } catch (const std::bad_alloc&) {
    return {Failure::device, "out of host memory"};
  } catch (const std::exception& x) {
    return {Failure::internal, x.what()};
  } catch (...) {
    return {Failure::internal, "unknown error"};
  }
}

void raise(const Failure& f) {
  if (f.kind == Failure::input) throw InputError(f.message);
  if (f.kind == Failure::device) throw DeviceError(f.message);
  throw InternalError(f.message);
}

}  // namespace phasis::comm
