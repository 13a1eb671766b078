// The extension module phasis._phasis: the exceptions, the Progress that callbacks receive, the
// device queries, and one submodule per area (ptycho.cpp, multislice.cpp, spi.cpp, nufft.cpp).
// phasis/__init__.py re-exports it as the package `phasis`.
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <new>

#include "common.hpp"
#include "phasis/core/array.hpp"
#include "phasis/core/error.hpp"

namespace {

/// One Python exception class per phasis error, each a subclass of phasis.Error (a RuntimeError);
/// InputError is a ValueError too, as Python code expects of a bad argument.
PyObject* new_exception(nb::module_& m, const char* name, PyObject* bases, const char* doc) {
  const std::string full = std::string("phasis.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(full.c_str(), doc, bases, nullptr);
  if (!type) throw nb::python_error();
  m.attr(name) = nb::handle(type);
  return type;
}

}  // namespace

NB_MODULE(_phasis, m) {
  m.doc() = "phasis: coherent diffractive imaging (ptychography, multislice, single-particle imaging, NUFFT)";
  m.attr("__version__") = "0.1.0";

  PyObject* error = new_exception(m, "Error", PyExc_RuntimeError, "Base of every error phasis raises on purpose.");
  nb::object input_bases = nb::make_tuple(nb::handle(error), nb::handle(PyExc_ValueError));
  PyObject* input = new_exception(m, "InputError", input_bases.ptr(),
                                  "Bad input: a file, a dataset, a shape, a dtype, a value, an option (the CLI's exit code 2).");
  PyObject* device = new_exception(m, "DeviceError", error, "A device (GPU) could not do what was asked: none present, out of memory.");
  PyObject* internal = new_exception(m, "InternalError", error, "A bug or an unexpected library failure.");
  // The messages are the CLI's: the same one line, without its "phasis: error: " prefix.
  nb::register_exception_translator(
      [](const std::exception_ptr& p, void* payload) {
        PyObject** types = static_cast<PyObject**>(payload);
        try {
          std::rethrow_exception(p);
        } catch (const phasis::InputError& e) {
          PyErr_SetString(types[1], e.what());
        } catch (const phasis::DeviceError& e) {
          PyErr_SetString(types[2], e.what());
        } catch (const phasis::InternalError& e) {
          PyErr_SetString(types[3], e.what());
        } catch (const phasis::Error& e) {
          PyErr_SetString(types[0], e.what());
        }
      },
      new PyObject*[4]{error, input, device, internal});

  nb::class_<phasis::exec::Progress>(m, "Progress", "What a progress callback receives: done of total, rate, ETA, values.")
      .def_ro("task", &phasis::exec::Progress::task, "The work reporting: \"dm\", \"spi\", \"stem\", ...")
      .def_ro("done", &phasis::exec::Progress::done)
      .def_ro("total", &phasis::exec::Progress::total)
      .def_ro("unit", &phasis::exec::Progress::unit, "\"iterations\", \"generations\", ...")
      .def_ro("elapsed", &phasis::exec::Progress::elapsed, "Seconds since the task started.")
      .def_ro("rate", &phasis::exec::Progress::rate, "Units per second so far.")
      .def_ro("eta", &phasis::exec::Progress::eta, "Seconds left; < 0 when not known yet.")
      .def_ro("values", &phasis::exec::Progress::values, "Named values such as the error: [(name, value), ...].")
      .def("__repr__", [](const phasis::exec::Progress& p) { return phasis::exec::format_progress(p, 0); });

  m.def("cuda_available", &phasis::cuda_available, "True when this build has CUDA and a GPU is visible.");
  m.def("cuda_device_count", &phasis::cuda_device_count, "GPUs visible to this build (0 without CUDA).");
  m.def("built_with_cuda", [] { return bool(PHASIS_HAVE_CUDA); }, "True when this build has the CUDA backend.");
  m.def(
      "describe_device",
      [](const std::string& device, int threads) {
        const phasis::Device d = phasis::py::device_of(device, threads);
        return phasis::describe(d);
      },
      nb::arg("device") = "auto", nb::arg("threads") = 0,
      "The device a `device` argument names (\"auto\", \"cpu\", \"cuda\", \"cuda:N\"), as \"cpu\" or \"cuda:0\".");

  nb::module_ ptycho = m.def_submodule("ptycho", "Ptychography: simulate, reconstruct, compare (as `phasis ptycho`).");
  phasis::py::add_ptycho(ptycho);
  nb::module_ multislice = m.def_submodule("multislice", "Multislice electron scattering (as `phasis multislice run`).");
  phasis::py::add_multislice(multislice);
  nb::module_ spi = m.def_submodule("spi", "Single-particle imaging by M-TIP: simulate, reconstruct, compare (as `phasis spi`).");
  phasis::py::add_spi(spi);
  nb::module_ nufft = m.def_submodule("nufft", "Non-uniform FFTs of type 1 and 2 in 2D and 3D (FINUFFT's plan interface).");
  phasis::py::add_nufft(nufft);
}
