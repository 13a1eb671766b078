// phasis.ptycho: simulate, read, reconstruct and compare, with the options of `phasis ptycho ...`
// (keyword arguments named as the long options, '-' as '_'). reconstruct takes a CXI file (the
// CLI's path: reconstruct_distributed, frames read in parts) or a Dataset or arrays of frames and
// translations. Arrays come back as numpy views of the engine's own buffers.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <cmath>
#include <functional>
#include <cstring>
#include <optional>

#include "common.hpp"
#include "phasis/core/error.hpp"
#include "phasis/exec/interrupt.hpp"
#include "phasis/io/cxi.hpp"
#include "phasis/io/paths.hpp"
#include "phasis/ptycho/chain.hpp"
#include "phasis/ptycho/compare.hpp"
#include "phasis/ptycho/counting.hpp"
#include "phasis/ptycho/distributed.hpp"
#include "phasis/ptycho/output.hpp"
#include "phasis/ptycho/problem.hpp"
#include "phasis/ptycho/simulate.hpp"

namespace phasis::py {
namespace {

/// A scan in memory: what simulate() made or read() read, with the truth when there is one.
struct Dataset {
  std::shared_ptr<PtychoData> data;
  std::shared_ptr<PtychoTruth> truth;  // null: none
  nb::object frames, translations, valid, probe, truth_object, truth_probe;

  Dataset(PtychoData&& d, std::optional<PtychoTruth>&& t) : data(std::make_shared<PtychoData>(std::move(d))) {
    frames = numpy_view(data->intensities.data(), shape_of(data->intensities), data);
    translations = numpy_view(data->translations.data(), shape_of(data->translations), data);
    valid = data->valid.empty() ? nb::none() : numpy_view(data->valid.data(), shape_of(data->valid), data);
    probe = data->probe.empty() ? nb::none() : numpy_view(data->probe.data(), shape_of(data->probe), data);
    truth_object = truth_probe = nb::none();
    if (t) {
      truth = std::make_shared<PtychoTruth>(std::move(*t));
      truth_object = numpy_view(truth->object.data(), shape_of(truth->object), truth);
      truth_probe = numpy_view(truth->probe.data(), shape_of(truth->probe), truth);
    }
  }
};

/// What reconstruct() returns: the solver's result and where its object sits.
struct Result {
  std::shared_ptr<SolverResult> result;
  std::shared_ptr<ScanLayout> layout;
  int64_t frame_size = 0;
  std::string probe_source;
  nb::object object, probe, errors, iteration_seconds, offsets;
};

Result make_result(SolverResult&& r, ScanLayout&& layout, int64_t m, std::string probe_source) {
  Result out;
  out.result = std::make_shared<SolverResult>(std::move(r));
  out.layout = std::make_shared<ScanLayout>(std::move(layout));
  out.frame_size = m;
  out.probe_source = std::move(probe_source);
  SolverResult& s = *out.result;
  out.object = numpy_view(s.object.data(), shape_of(s.object), out.result);
  out.probe = numpy_view(s.probe.data(), shape_of(s.probe), out.result);
  out.errors = numpy_view(s.fourier_error.data(), {s.fourier_error.size()}, out.result);
  out.iteration_seconds = numpy_view(s.iteration_seconds.data(), {s.iteration_seconds.size()}, out.result);
  out.offsets = numpy_view(out.layout->offsets.data(), shape_of(out.layout->offsets), out.layout);
  return out;
}

/// Copies a checked host array into an Array of the engine (small ones: translations, mask, probe).
template <class T>
Array<T> copy_in(const AnyArray& a, const char* what, const std::vector<int64_t>& shape, const std::vector<std::string>& names) {
  const T* p = array_in<T>(a, what, shape, names);
  Shape s;
  s.rank = int(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) s.dims[i] = int64_t(a.shape(i));
  Array<T> out(s);
  std::memcpy(out.data(), p, out.bytes());
  return out;
}

struct ReconstructArgs {
  FourierRelax relax;  // resolved against the data in reconstruct_py
  std::string algorithm;
  SolverSettings settings;
  std::string device, precision;
  int threads;
  double gpu_memory;
  DistributedOptions dist;
};

Result reconstruct_py(nb::object input, std::optional<AnyArray> frames, std::optional<AnyArray> translations,
                      std::optional<double> energy, std::optional<double> distance, std::optional<std::pair<double, double>> pixel_size,
                      std::optional<AnyArray> valid, std::optional<AnyArray> probe, const ReconstructArgs& a,
                      nb::object progress) {
  if (a.settings.shared.iterations < 1)
    throw InputError("iterations: expected at least 1; found " + std::to_string(a.settings.shared.iterations));
  const Device device = device_of(a.device, a.threads);
  const Precision precision = precision_of(a.precision);
  if (!(a.gpu_memory >= 0)) throw InputError("gpu_memory: expected >= 0 GiB; found " + std::to_string(a.gpu_memory));
  SolverSettings settings = a.settings;
  settings.shared.device_memory_limit = int64_t(a.gpu_memory * double(1ll << 30));
  // The chain once the Fourier relaxation is known: auto looks at the frames (counting.hpp).
  auto chain_for = [&](const std::function<double(std::string&)>& counting) {
    std::string why;
    settings.shared.fourier_relax = a.relax.automatic ? counting(why) : a.relax.value;
    return make_chain(a.algorithm, settings);
  };
  (void)make_chain(a.algorithm, settings);  // bad options are refused before any reading
  exec::clear_stop();

  const bool from_file = nb::isinstance<nb::str>(input) || nb::hasattr(input, "__fspath__");
  if (from_file) {
    if (frames || translations) throw InputError("reconstruct: expected a file or frames and translations; found both");
    const std::string path = nb::cast<std::string>(nb::module_::import_("os").attr("fspath")(input));
    require_input_file(path, "input CXI file");
    if (!a.dist.probe_file.empty()) require_input_file(a.dist.probe_file, "probe file");
    const SolverChain chain = chain_for([&](std::string& why) { return counting_relax(path, why); });
    // Python objects are made once the GIL is back: the work returns C++ values only.
    DistributedRun run = run_released(progress, [&](exec::EventSink* events) {
      return reconstruct_distributed(path, chain, device, precision, a.dist, events);
    });
    return make_result(std::move(run.result), std::move(run.layout), run.frame_size, run.probe_source);
  }
  if (!a.dist.probe_file.empty()) throw InputError("probe_file: expected with a CXI file input; pass probe= with arrays");
  PtychoData data;
  if (nb::isinstance<Dataset>(input)) {
    const Dataset& d = nb::cast<const Dataset&>(input);
    if (frames || translations) throw InputError("reconstruct: expected a Dataset or frames and translations; found both");
    frames = nb::cast<AnyArray>(d.frames);
    translations = nb::cast<AnyArray>(d.translations);
    data.geometry = d.data->geometry;
    if (!valid && !d.valid.is_none()) valid = nb::cast<AnyArray>(d.valid);
    if (!probe && !d.probe.is_none()) probe = nb::cast<AnyArray>(d.probe);
  } else if (!input.is_none()) {
    throw InputError("reconstruct: expected a CXI file name, a Dataset or None (with frames=, translations=); found " +
                     nb::cast<std::string>(nb::str(input.type().attr("__name__"))));
  } else {
    if (!frames || !translations) throw InputError("reconstruct: expected a CXI file, a Dataset, or frames= and translations=");
    if (!energy || !distance || !pixel_size)
      throw InputError("reconstruct: expected energy= (J), distance= (m) and pixel_size= ((y, x) m) with frames");
    data.geometry.energy_J = *energy;
    data.geometry.distance_m = *distance;
    data.geometry.pixel_y_m = pixel_size->first;
    data.geometry.pixel_x_m = pixel_size->second;
  }
  // The frames are read where they are; the solver's amplitudes (square roots, FFT-shifted) are its
  // own working array, filled from them (as from the file's hyperslabs) with the GIL released.
  const float* intensities = array_in<float>(*frames, "frames", {-1, -1, -1}, {"N", "M", "M"});
  const int64_t n = int64_t(frames->shape(0)), m = int64_t(frames->shape(1));
  data.translations = copy_in<double>(*translations, "translations", {n, 3}, {"N", "3"});
  if (valid) data.valid = copy_in<uint8_t>(*valid, "valid", {m, m}, {"M", "M"});
  if (probe) data.probe = copy_in<Complex<float>>(*probe, "probe", {m, m}, {"M", "M"});
  if (probe) data.probe_source = "probe argument";
  data.intensities = Array<float>(Shape{n, m, int64_t(frames->shape(2))});
  const SolverChain chain = chain_for([&](std::string& why) {
    return counting_relax(n, m, [&](int64_t j, float* dst) { std::memcpy(dst, intensities + j * m * m, size_t(m * m) * sizeof(float)); }, why);
  });
  PtychoProblem problem;
  SolverResult r = run_released(progress, [&](exec::EventSink* events) {
    std::memcpy(data.intensities.data(), intensities, data.intensities.bytes());
    check_data(data);
    problem = make_problem(std::move(data));
    return reconstruct(problem, chain, device, precision, events);
  });
  const std::string source = problem.probe_source;
  return make_result(std::move(r), std::move(static_cast<ScanLayout&>(problem)), m, source);
}

CompareResult compare_py(nb::object reconstruction, nb::object truth, double threshold, int64_t max_shift) {
  // The reconstruction: a Result, or a result file of `phasis ptycho reconstruct`.
  const Array<Complex<double>>* object;
  Reconstruction from_file;
  double oy, ox, py_m, px_m;
  if (nb::isinstance<Result>(reconstruction)) {
    const Result& r = nb::cast<const Result&>(reconstruction);
    object = &r.result->object;
    oy = r.layout->origin_y, ox = r.layout->origin_x, py_m = r.layout->pixel_y_m, px_m = r.layout->pixel_x_m;
  } else {
    const std::string path = nb::cast<std::string>(nb::module_::import_("os").attr("fspath")(reconstruction));
    require_input_file(path, "reconstruction");
    from_file = read_reconstruction(path);
    object = &from_file.object;
    oy = from_file.origin_y, ox = from_file.origin_x, py_m = from_file.pixel_y_m, px_m = from_file.pixel_x_m;
  }
  if (nb::isinstance<Dataset>(truth)) {
    const Dataset& d = nb::cast<const Dataset&>(truth);
    if (!d.truth) throw InputError("compare: expected a simulated Dataset with its truth; found none");
    return compare_with_truth(*object, oy, ox, py_m, px_m, *d.truth, d.data->geometry, d.data->intensities.shape()[1],
                              d.data->translations, threshold, max_shift);
  }
  const std::string path = nb::cast<std::string>(nb::module_::import_("os").attr("fspath")(truth));
  require_input_file(path, "truth CXI file");
  CxiReader cxi(path);
  if (!cxi.has_truth()) throw InputError("'" + path + "': expected a simulated file with entry_1/phasis_truth; found none");
  nb::gil_scoped_release release;
  return compare_with_truth(*object, oy, ox, py_m, px_m, cxi.truth(), cxi.geometry(), cxi.frame_size(),
                            cxi.translations(), threshold, max_shift);
}

}  // namespace

void add_ptycho(nb::module_& m) {
  nb::class_<Dataset>(m, "Dataset", "A ptychography scan in memory (as a CXI file holds it), with its truth when simulated.")
      .def_ro("frames", &Dataset::frames, "N x M x M float32 intensities (photons).")
      .def_ro("translations", &Dataset::translations, "N x 3 float64 positions (x, y, z), metres.")
      .def_ro("valid", &Dataset::valid, "M x M uint8, 1 = good pixel; None: all good.")
      .def_ro("probe", &Dataset::probe, "M x M complex64 initial probe; None: none.")
      .def_ro("truth_object", &Dataset::truth_object, "H x W complex64 object of the simulation (None: unknown).")
      .def_ro("truth_probe", &Dataset::truth_probe, "M x M or K x M x M complex64 probe of the simulation.")
      .def_prop_ro("truth_origin", [](const Dataset& d) {
        return d.truth ? nb::cast(std::make_pair(d.truth->origin_y, d.truth->origin_x)) : nb::none();
      }, "Object pixel (y, x) of truth_object[0, 0].")
      .def_prop_ro("energy", [](const Dataset& d) { return d.data->geometry.energy_J; }, "Photon energy, J.")
      .def_prop_ro("distance", [](const Dataset& d) { return d.data->geometry.distance_m; }, "Sample-detector distance, m.")
      .def_prop_ro("pixel_size", [](const Dataset& d) {
        return std::make_pair(d.data->geometry.pixel_y_m, d.data->geometry.pixel_x_m);
      }, "Detector pixel size (y, x), m.")
      .def("write", [](const Dataset& d, const std::string& path) {
        require_output_path(path);
        nb::gil_scoped_release release;
        write_cxi(path, *d.data, d.truth.get());
      }, nb::arg("path"), "Writes the scan (and its truth) as a CXI file, as `phasis ptycho simulate` does.");

  nb::class_<Result>(m, "Result", "A reconstruction: object, probe, error per iteration, and where the object sits.")
      .def_ro("object", &Result::object, "L x H x W complex128 object modes.")
      .def_ro("probe", &Result::probe, "K x M x M complex128 probe modes.")
      .def_ro("errors", &Result::errors, "The solver's error per iteration (float64).")
      .def_ro("iteration_seconds", &Result::iteration_seconds)
      .def_ro("offsets", &Result::offsets, "N x 2 int32 (y, x) corners of the frames in the object array.")
      .def_ro("probe_source", &Result::probe_source)
      .def_prop_ro("origin", [](const Result& r) { return std::make_pair(r.layout->origin_y, r.layout->origin_x); },
                   "Object pixel (y, x) of object[:, 0, 0].")
      .def_prop_ro("pixel_size", [](const Result& r) { return std::make_pair(r.layout->pixel_y_m, r.layout->pixel_x_m); },
                   "Object pixel size (y, x), m.")
      .def_prop_ro("occupancy", [](const Result& r) { return r.result->occupancy; }, "Probe-mode power fractions.")
      .def_prop_ro("r_factor", [](const Result& r) { return r.result->r_factor; },
                   "sum |a - A| / sum A over valid pixels: the data misfit of the final object and probe (every solver's).")
      .def_prop_ro("algorithm", [](const Result& r) { return r.result->algorithm; })
      .def_prop_ro("device", [](const Result& r) { return r.result->device; })
      .def_prop_ro("precision", [](const Result& r) { return r.result->precision; })
      .def_prop_ro("fourier_path", [](const Result& r) { return r.result->fourier_path; })
      .def_prop_ro("streamed", [](const Result& r) { return r.result->streamed; })
      .def_prop_ro("interrupted", [](const Result& r) { return r.result->interrupted; });

  nb::class_<CompareResult>(m, "Comparison", "Object error against the truth over the illuminated region.")
      .def_ro("phase_rmse", &CompareResult::phase_rmse, "rad")
      .def_ro("complex_error", &CompareResult::complex_error)
      .def_prop_ro("shift", [](const CompareResult& c) { return std::make_pair(c.shift_y + c.subpixel_y, c.shift_x + c.subpixel_x); },
                   "Translation removed (y, x), pixels.")
      .def_prop_ro("ramp", [](const CompareResult& c) { return std::make_pair(c.ramp_y, c.ramp_x); }, "Phase ramp removed, rad/px.")
      .def_ro("pixels", &CompareResult::pixels, "Pixels compared.");

  m.def("solver_names", &solver_names, "The solvers of this build (the names `algorithm` takes).");

  m.def(
      "simulate",
      [](std::optional<std::string> output, int64_t frame_size, double energy, double distance, double pixel_size,
         const std::string& probe, double aperture_fraction, double probe_diameter, double gaussian_sigma,
         int64_t probe_modes, std::vector<double> mode_occupancy, const std::string& scan, int64_t positions, double step,
         double jitter, double fly_blur, double photons, const std::string& noise, uint64_t seed,
         const std::string& initial_probe, double model_error) {
        SimulationOptions o;
        o.frame_size = frame_size, o.energy_kev = energy, o.distance_m = distance, o.detector_pixel_m = pixel_size;
        o.probe = probe, o.aperture_fraction = aperture_fraction, o.probe_diameter_px = probe_diameter;
        o.gaussian_sigma_px = gaussian_sigma, o.probe_modes = probe_modes, o.mode_occupancy = std::move(mode_occupancy);
        o.scan = scan, o.positions = positions, o.step_px = step, o.jitter_px = jitter, o.fly_blur_px = fly_blur;
        o.photons = photons, o.seed = seed, o.initial_probe = initial_probe, o.model_error = model_error;
        if (noise != "none" && noise != "poisson") throw InputError("noise: expected none or poisson; found '" + noise + "'");
        o.poisson = noise == "poisson";
        if (output) require_output_path(*output);
        PtychoData data;
        std::optional<PtychoTruth> truth(std::in_place);
        {
          nb::gil_scoped_release release;
          simulate(o, data, *truth);
          if (output) write_cxi(*output, data, &*truth);
        }
        return Dataset(std::move(data), std::move(truth));
      },
      nb::arg("output") = nb::none(), nb::kw_only(), nb::arg("frame_size") = 128, nb::arg("energy") = 8.0,
      nb::arg("distance") = 2.0, nb::arg("pixel_size") = 75e-6, nb::arg("probe") = "aperture",
      nb::arg("aperture_fraction") = 0.25, nb::arg("probe_diameter") = 0.0, nb::arg("gaussian_sigma") = 0.0,
      nb::arg("probe_modes") = 1, nb::arg("mode_occupancy") = std::vector<double>{}, nb::arg("scan") = "spiral",
      nb::arg("positions") = 1000, nb::arg("step") = 0.0, nb::arg("jitter") = 0.0, nb::arg("fly_blur") = 0.0,
      nb::arg("photons") = 1e6, nb::arg("noise") = "none", nb::arg("seed") = 1, nb::arg("initial_probe") = "none",
      nb::arg("model_error") = 0.25,
      "Simulates a scan with its truth (`phasis ptycho simulate`; energy in keV, sizes in object pixels);\n"
      "writes it as CXI to `output` when given. Returns the Dataset.");

  m.def(
      "read",
      [](const std::string& path) {
        require_input_file(path, "input CXI file");
        CxiReader cxi(path);
        PtychoData data;
        std::optional<PtychoTruth> truth;
        {
          nb::gil_scoped_release release;
          data = cxi.read_all();
          if (cxi.has_truth()) truth = cxi.truth();
        }
        return Dataset(std::move(data), std::move(truth));
      },
      nb::arg("path"), "Reads a CXI file (frames, translations, geometry, mask, probe; the truth when simulated).");

  m.def(
      "reconstruct",
      [](nb::object input, std::optional<AnyArray> frames, std::optional<AnyArray> translations, std::optional<double> energy,
         std::optional<double> distance, std::optional<std::pair<double, double>> pixel_size, std::optional<AnyArray> valid,
         std::optional<AnyArray> probe, const std::string& algorithm, int iterations, const std::string& device,
         const std::string& precision, int threads, int probe_modes, int object_modes, int orthogonalize_every,
         int probe_start, int overlap_iterations, bool fuse_exit_update, bool fused_fourier, bool object_gather,
         double object_inertia, double probe_inertia, nb::object fourier_relax, double modulus_gain_limit,
         int64_t batch_frames, double gpu_memory, double raar_beta, std::optional<double> pie_alpha,
         std::optional<double> pie_beta, int64_t mini_batch, std::optional<int64_t> lsqml_batch, uint64_t seed,
         const std::string& noise, double smoothness, double probe_support, double probe_pupil,
         const std::string& partition, std::vector<int> devices, const std::string& reduce, const std::string& probe_file,
         nb::object progress) {
        ReconstructArgs a;
        a.algorithm = algorithm, a.device = device, a.precision = precision, a.threads = threads, a.gpu_memory = gpu_memory;
        DmOptions& d = a.settings.shared;
        d.iterations = iterations, d.probe_modes = probe_modes, d.object_modes = object_modes;
        d.orthogonalize_every = orthogonalize_every, d.probe_start = probe_start, d.overlap_iterations = overlap_iterations;
        d.fuse_exit_update = fuse_exit_update, d.fused_fourier = fused_fourier, d.object_gather = object_gather;
        d.object_inertia = object_inertia, d.probe_inertia = probe_inertia;
        // "auto" (the CLI's default: the power bound for photon counts) or a number.
        a.relax = parse_fourier_relax(nb::isinstance<nb::str>(fourier_relax) ? nb::cast<std::string>(fourier_relax)
                                                                              : nb::cast<std::string>(nb::str(fourier_relax)));
        d.modulus_gain_limit = modulus_gain_limit, d.batch_frames = batch_frames;
        a.settings.raar_beta = raar_beta, a.settings.pie_alpha = pie_alpha, a.settings.pie_beta = pie_beta;
        a.settings.mini_batch = mini_batch, a.settings.seed = seed, a.settings.smoothness = smoothness;
        a.settings.lsqml_batch = lsqml_batch;
        d.probe_support_radius = probe_support, d.probe_pupil = probe_pupil;
        if (noise != "poisson" && noise != "gaussian") throw InputError("noise: expected poisson or gaussian; found '" + noise + "'");
        a.settings.noise = noise == "gaussian" ? NoiseModel::gaussian : NoiseModel::poisson;
        if (partition != "spatial" && partition != "interleaved")
          throw InputError("partition: expected spatial or interleaved; found '" + partition + "'");
        if (reduce != "auto" && reduce != "whole" && reduce != "regions")
          throw InputError("reduce: expected auto, whole or regions; found '" + reduce + "'");
        a.dist.partition = partition, a.dist.devices = std::move(devices), a.dist.reduce = reduce, a.dist.probe_file = probe_file;
        return reconstruct_py(input, frames, translations, energy, distance, pixel_size, valid, probe, a, progress);
      },
      nb::arg("input") = nb::none(), nb::kw_only(), nb::arg("frames") = nb::none(), nb::arg("translations") = nb::none(),
      nb::arg("energy") = nb::none(), nb::arg("distance") = nb::none(), nb::arg("pixel_size") = nb::none(),
      nb::arg("valid") = nb::none(), nb::arg("probe") = nb::none(), nb::arg("algorithm") = "dm",
      nb::arg("iterations") = DmOptions().iterations, nb::arg("device") = "auto", nb::arg("precision") = "float",
      nb::arg("threads") = 0, nb::arg("probe_modes") = DmOptions().probe_modes,
      nb::arg("object_modes") = DmOptions().object_modes, nb::arg("orthogonalize_every") = DmOptions().orthogonalize_every,
      nb::arg("probe_start") = DmOptions().probe_start, nb::arg("overlap_iterations") = DmOptions().overlap_iterations,
      nb::arg("fuse_exit_update") = DmOptions().fuse_exit_update, nb::arg("fused_fourier") = DmOptions().fused_fourier,
      nb::arg("object_gather") = DmOptions().object_gather, nb::arg("object_inertia") = DmOptions().object_inertia,
      nb::arg("probe_inertia") = DmOptions().probe_inertia, nb::arg("fourier_relax") = "auto",
      nb::arg("modulus_gain_limit") = DmOptions().modulus_gain_limit, nb::arg("batch_frames") = DmOptions().batch_frames,
      nb::arg("gpu_memory") = 0.0, nb::arg("raar_beta") = RaarOptions().beta, nb::arg("pie_alpha") = nb::none(),
      nb::arg("pie_beta") = nb::none(), nb::arg("mini_batch") = PieOptions().mini_batch, nb::arg("lsqml_batch") = nb::none(),
      nb::arg("seed") = PieOptions().seed, nb::arg("noise") = "poisson", nb::arg("smoothness") = MlOptions().object_smoothness,
      nb::arg("probe_support") = 0.0, nb::arg("probe_pupil") = 0.0,
      nb::arg("partition") = "spatial", nb::arg("devices") = std::vector<int>{}, nb::arg("reduce") = "auto",
      nb::arg("probe_file") = "", nb::arg("progress") = nb::none(),
      "Reconstructs object and probe (`phasis ptycho reconstruct`; options as its long options).\n"
      "input: a CXI file name (frames read as the CLI reads them), a Dataset, or None with frames=\n"
      "(N x M x M float32, C-contiguous, read in place), translations= (N x 3 float64, metres),\n"
      "energy= (J), distance= (m), pixel_size= ((y, x) m), optional valid= (M x M uint8, 1 = good)\n"
      "and probe= (M x M complex64). progress: a callable taking a phasis.Progress per iteration.\n"
      "The GIL is released while the solver runs.");

  m.def("compare", &compare_py, nb::arg("reconstruction"), nb::arg("truth"), nb::kw_only(), nb::arg("threshold") = 0.1,
        nb::arg("max_shift") = 8,
        "Object error of a reconstruction (a Result or a result file) against the truth (a simulated Dataset or CXI\n"
        "file), as `phasis ptycho compare`.");
}

}  // namespace phasis::py
