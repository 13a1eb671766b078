// phasis.multislice: atoms from a structure file, a named crystal or arrays, and run() with the
// TOML config of `phasis multislice run` (phasis/multislice/config.hpp: the same reader, the same
// Simulation, the same checks). Readings come back as numpy views of the engine's arrays.
#include <nanobind/stl/array.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <cstring>

#include "common.hpp"
#include "phasis/core/error.hpp"
#include "phasis/io/paths.hpp"
#include "phasis/multislice/config.hpp"
#include "phasis/multislice/crystal.hpp"
#include "phasis/multislice/outputs.hpp"
#include "phasis/multislice/structure.hpp"
#include "phasis/multislice/simulation.hpp"

namespace phasis::py {
namespace {

ms::Atoms atoms_from_arrays(const AnyArray& numbers, const AnyArray& positions, std::array<double, 3> cell,
                            std::optional<AnyArray> sigma) {
  const int64_t n = numbers.ndim() == 1 ? int64_t(numbers.shape(0)) : -1;
  const int32_t* z = array_in<int32_t>(numbers, "numbers", {n}, {"N"});
  const double* p = array_in<double>(positions, "positions", {n, 3}, {"N", "3"});
  ms::Atoms a;
  a.cell = cell;
  for (int64_t i = 0; i < n; ++i) a.add(z[i], p[3 * i], p[3 * i + 1], p[3 * i + 2]);
  if (sigma) {
    const double* s = array_in<double>(*sigma, "sigma", {n}, {"N"});
    a.sigma.assign(s, s + n);
  }
  ms::check_atoms(a);
  return a;
}

/// What run() returns: readings per detector (STEM) or the exit wave and image (HRTEM).
struct MsResult {
  std::shared_ptr<ms::SimulationResult> r;
  std::shared_ptr<ms::Simulation> s;
  nb::dict readings;
  nb::object mean_pattern, exit_wave, exit_intensity, image, diffraction, potential, lost_beyond_aperture;
};

}  // namespace

void add_multislice(nb::module_& m) {
  nb::class_<ms::Atoms>(m, "Atoms", "Atoms in an orthogonal periodic cell (Angstrom, beam along +z).")
      .def("__init__",
           [](ms::Atoms* self, const AnyArray& numbers, const AnyArray& positions, std::array<double, 3> cell,
              std::optional<AnyArray> sigma) { new (self) ms::Atoms(atoms_from_arrays(numbers, positions, cell, sigma)); },
           nb::arg("numbers"), nb::arg("positions"), nb::arg("cell"), nb::arg("sigma") = nb::none(),
           "numbers: N int32 atomic numbers; positions: N x 3 float64 (x, y, z), A; cell: (a, b, c), A;\n"
           "sigma: N float64 rms thermal displacements, A (frozen phonons). The arrays are copied (atoms are few).")
      .def_prop_ro("numbers", [](const ms::Atoms& a) { return a.z; })
      .def_prop_ro("x", [](const ms::Atoms& a) { return a.x; })
      .def_prop_ro("y", [](const ms::Atoms& a) { return a.y; })
      .def_prop_ro("z", [](const ms::Atoms& a) { return a.pos_z; })
      .def_prop_ro("sigma", [](const ms::Atoms& a) { return a.sigma; })
      .def_ro("cell", &ms::Atoms::cell)
      .def("__len__", &ms::Atoms::size);

  m.def(
      "read_atoms",
      [](const std::string& path, double vacuum, const std::string& zone_axis) {
        require_input_file(path, "structure");
        const std::array<int, 3> zone = ms::parse_zone_axis(zone_axis);
        ms::Atoms a;
        if (std::optional<ms::Crystal> c = ms::read_crystal(path)) {
          a = ms::orient(*c, zone).atoms;  // a crystal of any cell, along the zone axis
        } else {
          a = ms::read_atoms(path);
          const bool has_cell = a.cell[0] > 0 && a.cell[1] > 0 && a.cell[2] > 0;
          if (zone != std::array<int, 3>{0, 0, 1}) {
            if (!has_cell) throw InputError("zone_axis: expected [0 0 1] for a structure without a cell; found " + zone_axis);
            a = ms::orient(ms::crystal_from_atoms(a), zone).atoms;
          }
        }
        // As a config's structure.file: a structure without a cell is centred in a box.
        if (a.cell[0] <= 0 || a.cell[1] <= 0 || a.cell[2] <= 0 || vacuum > 0) ms::center_in_box(a, vacuum);
        return a;
      },
      nb::arg("path"), nb::arg("vacuum") = 0.0, nb::arg("zone_axis") = "001",
      "Atoms of a structure file (PDB, mmCIF, small-molecule CIF, XYZ, POSCAR), as a config's structure.file: crystals "
      "of any cell cut along the zone axis [uvw] into an orthogonal cell.");
  m.def("crystal", &ms::crystal, nb::arg("name"), nb::arg("nx") = 1, nb::arg("ny") = 1, nb::arg("nz") = 1,
        nb::arg("zone_axis") = "001", nb::arg("lattice_constant") = 0.0,
        "A named crystal (\"Au\", \"Si\", \"SrTiO3\", \"GaN\", \"MoS2\") along a zone axis [uvw], repeated.");

  nb::class_<MsResult>(m, "Result", "A multislice run: detector readings (STEM) or exit wave and image (HRTEM).")
      .def_ro("readings", &MsResult::readings, "Detector name -> float64 readings: (n), (n, rings, segments) or (n, my, mx).")
      .def_ro("mean_pattern", &MsResult::mean_pattern, "The first pixelated detector's mean diffraction pattern.")
      .def_ro("exit_wave", &MsResult::exit_wave, "HRTEM: (ny, nx) complex64, first configuration.")
      .def_ro("exit_intensity", &MsResult::exit_intensity)
      .def_ro("image", &MsResult::image, "HRTEM: (ny, nx) image, vacuum = 1.")
      .def_ro("diffraction", &MsResult::diffraction, "HRTEM: (ny, nx) mean diffraction pattern, unshifted, shares of the beam.")
      .def_ro("potential", &MsResult::potential, "[potential] output: (ny, nx) or (slices, ny, nx) float32, V A.")
      .def_ro("lost_beyond_aperture", &MsResult::lost_beyond_aperture,
              "Share of the beam lost beyond the antialiasing aperture: (n) positions or (1) for a plane wave.")
      .def_prop_ro("spots", [](const MsResult& r) {
        nb::list out;  // (h, k, l, kx, ky, angle_mrad, intensity), brightest first
        for (const ms::Spot& p : r.r->spots) out.append(nb::make_tuple(p.h, p.k, p.l, p.kx, p.ky, p.angle, p.intensity));
        return out;
      }, "HRTEM: the indexed spots, (h, k, l, kx, ky, angle_mrad, intensity) tuples, brightest first.")
      .def_prop_ro("scan_shape", [](const MsResult& r) { return r.s->scan_shape; }, "(rows, columns) of the positions.")
      .def_prop_ro("seconds", [](const MsResult& r) { return r.r->seconds; })
      .def_prop_ro("propagation_path", [](const MsResult& r) { return r.r->timings.path; })
      .def("write", [](const MsResult& r, const std::string& path, const std::string& parameters_json) {
        require_output_path(path);
        nb::gil_scoped_release release;
        ms::write_simulation(path, *r.s, *r.r, parameters_json);
      }, nb::arg("path"), nb::arg("parameters_json") = "{}", "Writes the result file (as `phasis multislice run`'s).");

  m.def(
      "run",
      [](const std::string& config, std::optional<ms::Atoms> atoms, std::optional<std::string> device,
         std::optional<std::string> precision, nb::object progress) {
        require_input_file(config, "multislice config");
        ms::MsConfig c = ms::read_ms_config(config, !atoms.has_value());
        if (device) c.device = *device;
        if (precision) c.precision = *precision;
        const Device dev = device_of(c.device);
        const Precision prec = precision_of(c.precision);
        MsResult out;
        out.s = std::make_shared<ms::Simulation>(ms::simulation_from_config(c, atoms ? &*atoms : nullptr));
        out.r = std::make_shared<ms::SimulationResult>(
            run_released(progress, [&](exec::EventSink* events) { return ms::run(*out.s, dev, prec, events); }));
        ms::SimulationResult& r = *out.r;
        for (size_t i = 0; i < r.readings.size() && i < out.s->detectors.size(); ++i)
          out.readings[out.s->detectors[i].name.c_str()] = numpy_view(r.readings[i].data(), shape_of(r.readings[i]), out.r);
        auto view = [&](auto& a) { return a.empty() ? nb::none() : numpy_view(a.data(), shape_of(a), out.r); };
        out.mean_pattern = view(r.mean_pattern);
        out.exit_wave = view(r.exit_wave);
        out.exit_intensity = view(r.exit_intensity);
        out.image = view(r.image);
        out.diffraction = view(r.diffraction);
        out.potential = view(r.potential);
        out.lost_beyond_aperture = view(r.lost_beyond_aperture);
        return out;
      },
      nb::arg("config"), nb::kw_only(), nb::arg("atoms") = nb::none(), nb::arg("device") = nb::none(),
      nb::arg("precision") = nb::none(), nb::arg("progress") = nb::none(),
      "Runs the simulation of a `phasis multislice run` TOML config (docs/multislice.md lists the keys).\n"
      "atoms: these atoms instead of the config's [structure] crystal or file (which must then be absent);\n"
      "device, precision: instead of the config's [run] ones. The GIL is released while it runs.");
}

}  // namespace phasis::py
