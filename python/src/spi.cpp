// phasis.spi: simulate, read, reconstruct (M-TIP) and compare, with the options of `phasis spi ...`
// (keyword arguments named as the long options, '-' as '_'). Arrays come back as numpy views of
// the engine's own vectors.
#include <nanobind/stl/array.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <omp.h>

#include "common.hpp"
#include "phasis/core/error.hpp"
#include "phasis/exec/interrupt.hpp"
#include "phasis/io/paths.hpp"
#include "phasis/spi/compare.hpp"
#include "phasis/spi/dataset.hpp"
#include "phasis/spi/output.hpp"
#include "phasis/spi/simulate.hpp"

namespace phasis::py {
namespace {

std::string path_of(nb::handle p) { return nb::cast<std::string>(nb::module_::import_("os").attr("fspath")(p)); }

/// Snapshots (and their truth when simulated) in memory.
struct SpiData {
  std::shared_ptr<spi::SpiDataset> data;
  nb::object intensities, mask, s, orientations, density;

  explicit SpiData(spi::SpiDataset&& d) : data(std::make_shared<spi::SpiDataset>(std::move(d))) {
    const size_t p = size_t(data->detector.pixels);
    intensities = numpy_view(data->intensities.data(), {size_t(data->images), p, p}, data);
    mask = numpy_view(data->mask.data(), {p, p}, data);
    // The three coordinate planes are separate vectors: a (3, P, P) array would be a copy, so s is
    // a tuple of three P x P views.
    s = nb::make_tuple(numpy_view(data->s[0].data(), {p, p}, data), numpy_view(data->s[1].data(), {p, p}, data),
                       numpy_view(data->s[2].data(), {p, p}, data));
    orientations = data->orientations.empty() ? nb::none()
                   : numpy_view(reinterpret_cast<double*>(data->orientations.data()),
                                {data->orientations.size(), 3, 3}, data);
    const size_t n = size_t(data->density_n);
    density = data->density.empty() ? nb::none() : numpy_view(data->density.data(), {n, n, n}, data);
  }
};

struct SpiResult {
  std::shared_ptr<spi::MtipResult> r;
  nb::object density, autocorrelation, merged, support, orientations, reference_index;

  explicit SpiResult(spi::MtipResult&& m) : r(std::make_shared<spi::MtipResult>(std::move(m))) {
    const size_t n = size_t(r->n);
    density = numpy_view(r->density.data(), {n, n, n}, r);
    autocorrelation = numpy_view(r->autocorrelation.data(), {n, n, n}, r);
    merged = r->merged.empty() ? nb::none() : numpy_view(r->merged.data(), {n, n, n}, r);
    support = r->support.empty() ? nb::none() : numpy_view(r->support.data(), {n, n, n}, r);
    orientations = numpy_view(reinterpret_cast<double*>(r->orientations.data()), {r->orientations.size(), 3, 3}, r);
    reference_index = numpy_view(r->reference_index.data(), {r->reference_index.size()}, r);
  }
};

/// A Data's own dataset (shared, not copied), or one read from a file.
std::shared_ptr<const spi::SpiDataset> dataset_of(nb::handle input, bool truth) {
  if (nb::isinstance<SpiData>(input)) return nb::cast<const SpiData&>(input).data;
  const std::string path = path_of(input);
  require_input_file(path, truth ? "truth" : "input SPI data");
  nb::gil_scoped_release release;
  return std::make_shared<const spi::SpiDataset>(spi::read_dataset(path, truth));
}

}  // namespace

void add_spi(nb::module_& m) {
  nb::class_<SpiData>(m, "Data", "SPI snapshots (as `phasis spi simulate` writes them), with the truth when simulated.")
      .def_ro("intensities", &SpiData::intensities, "images x P x P float32 photons per pixel.")
      .def_ro("mask", &SpiData::mask, "P x P uint8, 1 = valid pixel.")
      .def_ro("s", &SpiData::s, "(sx, sy, sz): P x P float64 reciprocal coordinates of the pixels, 1/A.")
      .def_ro("orientations", &SpiData::orientations, "images x 3 x 3 true rotations (None: unknown).")
      .def_ro("density", &SpiData::density, "n x n x n float32 true density, electrons/A^3 (None: unknown).")
      .def_prop_ro("density_voxel", [](const SpiData& d) { return d.data->density_voxel; }, "A")
      .def_prop_ro("images", [](const SpiData& d) { return d.data->images; })
      .def_prop_ro("photon_energy", [](const SpiData& d) { return d.data->photon_energy; }, "eV")
      .def("write", [](const SpiData& d, const std::string& path) {
        require_output_path(path);
        nb::gil_scoped_release release;
        spi::write_dataset(path, *d.data);
      }, nb::arg("path"), "Writes the data (and its truth) as `phasis spi simulate` does.");

  nb::class_<spi::GenerationMetrics>(m, "Generation", "Metrics of one M-TIP generation.")
      .def_ro("matching_distance", &spi::GenerationMetrics::matching_distance)
      .def_ro("max_frequency", &spi::GenerationMetrics::max_frequency)
      .def_ro("lambda_", &spi::GenerationMetrics::lambda)
      .def_ro("cg_residual", &spi::GenerationMetrics::cg_residual)
      .def_ro("cg_iterations", &spi::GenerationMetrics::cg_iterations)
      .def_ro("phasing_error", &spi::GenerationMetrics::phasing_error);

  nb::class_<SpiResult>(m, "Result", "An M-TIP model: density, autocorrelation, orientations, metrics per generation.")
      .def_ro("density", &SpiResult::density, "n x n x n float64, centred.")
      .def_ro("autocorrelation", &SpiResult::autocorrelation)
      .def_ro("merged", &SpiResult::merged)
      .def_ro("support", &SpiResult::support)
      .def_ro("orientations", &SpiResult::orientations, "images x 3 x 3 rotations found.")
      .def_ro("reference_index", &SpiResult::reference_index)
      .def_prop_ro("n", [](const SpiResult& r) { return r.r->n; })
      .def_prop_ro("voxel", [](const SpiResult& r) { return r.r->voxel; }, "A")
      .def_prop_ro("generations", [](const SpiResult& r) { return r.r->generations; })
      .def_prop_ro("interrupted", [](const SpiResult& r) { return r.r->interrupted; });

  nb::class_<spi::Comparison>(m, "Comparison", "An SPI model against the truth (rotation, hand and shift removed).")
      .def_ro("median_orientation_error", &spi::Comparison::median_orientation_error, "rad")
      .def_ro("inverted", &spi::Comparison::inverted)
      .def_prop_ro("shift", [](const spi::Comparison& c) { return std::array<double, 3>{c.shift[0], c.shift[1], c.shift[2]}; },
                   "voxels (x, y, z)")
      .def_prop_ro("frequency", [](const spi::Comparison& c) { return c.fsc.frequency; }, "1/A, shell centres")
      .def_prop_ro("fsc", [](const spi::Comparison& c) { return c.fsc.fsc; })
      .def_prop_ro("resolution_05", [](const spi::Comparison& c) { return c.fsc.resolution_05; }, "A")
      .def_prop_ro("resolution_0143", [](const spi::Comparison& c) { return c.fsc.resolution_0143; }, "A")
      .def_prop_ro("reached_05", [](const spi::Comparison& c) { return c.fsc.reached_05; })
      .def_prop_ro("reached_0143", [](const spi::Comparison& c) { return c.fsc.reached_0143; });

  m.def(
      "simulate",
      [](nb::object structure, std::optional<std::string> output, int64_t images, int64_t pixels, double pixel_size,
         double distance, double energy, double photons, double beam_diameter, const std::string& noise, double beamstop,
         bool polarisation, double b_factor, double voxel, bool direct, uint64_t seed, nb::object progress) {
        const std::string path = path_of(structure);
        require_input_file(path, "structure");
        if (output) require_output_path(*output, path);
        if (!(b_factor > 0)) throw InputError("b_factor: expected a B > 0 A^2 (the density grid must resolve the atoms)");
        if (noise != "none" && noise != "poisson") throw InputError("noise: expected none or poisson; found '" + noise + "'");
        spi::SimulateSettings s;
        s.images = images, s.pixels = pixels, s.pixel_size = pixel_size, s.distance = distance;
        s.photon_energy = energy, s.photons = photons, s.beam_diameter = beam_diameter, s.poisson = noise == "poisson";
        s.beamstop = beamstop, s.polarisation = polarisation, s.voxel = voxel, s.direct = direct, s.seed = seed;
        exec::clear_stop();
        spi::SpiDataset d = run_released(progress, [&](exec::EventSink* events) {
          const spi::Molecule molecule = spi::read_molecule(path, b_factor);
          spi::SpiDataset data = spi::simulate(molecule, s, events);
          if (output) spi::write_dataset(*output, data);
          return data;
        });
        return SpiData(std::move(d));
      },
      nb::arg("structure"), nb::arg("output") = nb::none(), nb::kw_only(), nb::arg("images") = spi::SimulateSettings().images,
      nb::arg("pixels") = spi::SimulateSettings().pixels, nb::arg("pixel_size") = spi::SimulateSettings().pixel_size,
      nb::arg("distance") = spi::SimulateSettings().distance, nb::arg("energy") = spi::SimulateSettings().photon_energy,
      nb::arg("photons") = spi::SimulateSettings().photons, nb::arg("beam_diameter") = spi::SimulateSettings().beam_diameter,
      nb::arg("noise") = "none", nb::arg("beamstop") = spi::SimulateSettings().beamstop,
      nb::arg("polarisation") = true, nb::arg("b_factor") = 10.0, nb::arg("voxel") = spi::SimulateSettings().voxel,
      nb::arg("direct") = false, nb::arg("seed") = spi::SimulateSettings().seed, nb::arg("progress") = nb::none(),
      "Snapshots of a molecule (PDB, mmCIF or XYZ file) in random orientations, with the truth\n"
      "(`phasis spi simulate`; energy in eV); written to `output` when given.");

  m.def(
      "read",
      [](const std::string& path, bool truth) {
        require_input_file(path, "input SPI data");
        spi::SpiDataset d;
        {
          nb::gil_scoped_release release;
          d = spi::read_dataset(path, truth);
        }
        return SpiData(std::move(d));
      },
      nb::arg("path"), nb::arg("truth") = false, "Reads SPI data (with truth=True also its truth group).");

  m.def(
      "reconstruct",
      [](nb::object input, int generations, int64_t references, int64_t reference_batch, int64_t image_batch, int64_t grid,
         double voxel, double particle_radius, double resolution_start, int ramp, std::vector<double> lambdas,
         int cg_iterations, int phasing_cycles, int hio, int er, double beta, double shrinkwrap_sigma,
         double shrinkwrap_threshold, bool cold_phasing, uint64_t seed, const std::string& score,
         const std::string& device, int threads, nb::object progress) {
        if (threads < 0) throw InputError("threads: expected 0 (all) or more; found " + std::to_string(threads));
        spi::MtipSettings s;
        s.generations = generations, s.references = references, s.reference_batch = reference_batch;
        s.image_batch = image_batch, s.grid = grid, s.voxel = voxel, s.particle_radius = particle_radius;
        s.resolution_start = resolution_start, s.ramp_generations = ramp;
        if (!lambdas.empty()) s.merge.lambdas = lambdas;
        s.merge.max_iterations = cg_iterations, s.phasing.cycles = phasing_cycles, s.phasing.hio_iterations = hio;
        s.phasing.er_iterations = er, s.phasing.beta = beta, s.phasing.sigma = shrinkwrap_sigma;
        s.phasing.threshold = shrinkwrap_threshold, s.warm_start = !cold_phasing, s.seed = seed;
        s.device = device_of(device, threads);
        s.score = spi::parse_score(score);
        // As the CLI: the process's OpenMP threads (the solver's loops read them).
        if (threads > 0) omp_set_num_threads(threads);
        const std::shared_ptr<const spi::SpiDataset> data = dataset_of(input, false);
        exec::clear_stop();
        return SpiResult(run_released(progress, [&](exec::EventSink* events) {
          return spi::reconstruct(spi::valid_pixels(*data), s, events);
        }));
      },
      nb::arg("input"), nb::kw_only(), nb::arg("generations") = spi::MtipSettings().generations,
      nb::arg("references") = spi::MtipSettings().references, nb::arg("reference_batch") = spi::MtipSettings().reference_batch,
      nb::arg("image_batch") = spi::MtipSettings().image_batch, nb::arg("grid") = 48,
      nb::arg("voxel") = spi::MtipSettings().voxel, nb::arg("particle_radius") = spi::MtipSettings().particle_radius,
      nb::arg("resolution_start") = spi::MtipSettings().resolution_start,
      nb::arg("ramp") = spi::MtipSettings().ramp_generations, nb::arg("lambdas") = std::vector<double>{},
      nb::arg("cg_iterations") = spi::MergeSettings().max_iterations,
      nb::arg("phasing_cycles") = spi::PhasingSettings().cycles, nb::arg("hio") = spi::PhasingSettings().hio_iterations,
      nb::arg("er") = spi::PhasingSettings().er_iterations, nb::arg("beta") = spi::PhasingSettings().beta,
      nb::arg("shrinkwrap_sigma") = spi::PhasingSettings().sigma,
      nb::arg("shrinkwrap_threshold") = spi::PhasingSettings().threshold, nb::arg("cold_phasing") = false,
      nb::arg("seed") = spi::MtipSettings().seed, nb::arg("score") = "euclidean", nb::arg("device") = "cpu",
      nb::arg("threads") = 0, nb::arg("progress") = nb::none(),
      "3D density by M-TIP (`phasis spi reconstruct`) from a data file or a Data; progress: a callable\n"
      "taking a phasis.Progress per generation. The GIL is released while it runs.");

  m.def(
      "compare",
      [](nb::object model, nb::object truth) {
        spi::ModelFile mf;
        if (nb::isinstance<SpiResult>(model)) {
          const spi::MtipResult& r = *nb::cast<const SpiResult&>(model).r;
          mf.n = r.n, mf.voxel = r.voxel, mf.density = r.density, mf.orientations = r.orientations;
        } else {
          const std::string path = path_of(model);
          require_input_file(path, "model");
          mf = spi::read_model(path);
        }
        const std::shared_ptr<const spi::SpiDataset> held = dataset_of(truth, true);
        const spi::SpiDataset& d = *held;
        if (d.density.empty()) throw InputError("compare: expected data with its truth (simulated); found none");
        if (!mf.orientations.empty() && int64_t(mf.orientations.size()) != d.images)
          throw InputError("compare: expected a model of the truth's " + std::to_string(d.images) + " images; found " +
                           std::to_string(mf.orientations.size()) + " orientations");
        nb::gil_scoped_release release;
        const std::vector<double> rho(d.density.begin(), d.density.end());
        return spi::compare(mf.density, mf.n, mf.voxel, mf.orientations, rho, d.density_n, d.density_voxel,
                            mf.orientations.empty() ? std::vector<spi::Rotation>{} : d.orientations);
      },
      nb::arg("model"), nb::arg("truth"),
      "A model (a Result or a model file) against the truth (a simulated Data or data file), as `phasis spi compare`.");
}

}  // namespace phasis::py
