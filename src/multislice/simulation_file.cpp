// The HDF5 file of a simulation (outputs.hpp: the layout), written through AtomicOutput: under a
// hidden temporary name beside the target, renamed once complete; a failure leaves nothing.
#include <nlohmann/json.hpp>

#include <algorithm>

#include "phasis/core/error.hpp"
#include "phasis/io/atomic_output.hpp"
#include "phasis/io/hdf5.hpp"
#include "phasis/multislice/diffraction.hpp"
#include "phasis/multislice/energy.hpp"
#include "phasis/multislice/outputs.hpp"
#include "multislice/simulation_contents.hpp"
#include "phasis/multislice/slicing.hpp"

namespace phasis::ms {
namespace {

/// Plane-wave patterns (n, ny, nx, unshifted) as written (diffraction.hpp: cropped_patterns).
Array<double> written_patterns(const Array<double>& unshifted, const Simulation& s) {
  return cropped_patterns(unshifted, s.grid, s.energy, s.diffraction_max_angle, s.beam_stop);
}

void pattern_attributes(h5::File& file, const std::string& ds, const Simulation& s) {
  file.write_attr(ds, "units", "share of the incident beam per pixel; zero frequency at the centre");
  file.write_attr(ds, "max_angle_mrad", s.diffraction_max_angle > 0 ? s.diffraction_max_angle : 1e3 * antialias_angle(s.grid, s.energy));
  file.write_attr(ds, "beam_stop_mrad", s.beam_stop);
}

}  // namespace

void write_contents(h5::File& file, const Simulation& s, const SimulationResult& r, const std::string& parameters_json,
                    bool streamed) {
  file.write_attr("/", "parameters", parameters_json);
  file.write_attr("/", "units", "lengths Angstrom, angles mrad, energies eV; detector readings: share of the beam");
  // The slices as the run cut them (slicing.hpp), whatever was requested; atoms per slice are the
  // centres of the static lattice (frozen phonon displacements may move an atom across a boundary).
  const Slicing sl = make_slicing(s.atoms.cell[2], s.potential.slice_thickness, s.potential.slicing);
  file.create_groups("slices");
  file.write("slices/thickness", sl.thickness.data(), {sl.count()});
  file.write("slices/start", sl.start.data(), {sl.count()});
  const std::vector<int32_t> per = atoms_per_slice(sl, s.atoms.pos_z);
  file.write("slices/atoms", per.data(), {sl.count()});
  file.write_attr("slices", "count", double(sl.count()));
  file.write_attr("slices", "mode", to_string(s.potential.slicing));
  file.write_attr("slices", "requested_thickness", s.potential.slice_thickness);
  file.write_attr("slices", "boundary_tolerance", sl.tolerance);
  file.write_attr("slices", "potential_form", to_string(s.potential.form));
  if (!r.lost_beyond_aperture.empty() && !streamed) {
    double mean = 0, most = 0;
    for (int64_t i = 0; i < r.lost_beyond_aperture.size(); ++i)
      mean += r.lost_beyond_aperture[i] / double(r.lost_beyond_aperture.size()), most = std::max(most, r.lost_beyond_aperture[i]);
    file.write_attr("/", "lost_beyond_aperture_mean", mean);
    file.write_attr("/", "lost_beyond_aperture_max", most);
  }
  if (!r.potential.empty()) {
    const char* ds = r.potential.shape().rank == 3 ? "potential/slices" : "potential/projected";
    file.create_groups("potential");
    file.write(ds, r.potential);
    file.write_attr(ds, "units", "V Angstrom (projected potential, the static lattice)");
  }
  if (s.wave == WaveKind::probe) {
    Array<double> pos(Shape{int64_t(s.positions.size()), 2});
    for (std::size_t j = 0; j < s.positions.size(); ++j)
      pos[int64_t(j) * 2] = s.positions[j].first, pos[int64_t(j) * 2 + 1] = s.positions[j].second;
    file.create_groups("stem");
    if (streamed) return;  // the positions and readings are in the file already (StemFileWriter)
    file.write("stem/positions", pos);
    std::vector<double> shape{double(s.scan_shape[0]), double(s.scan_shape[1])};
    file.write("stem/scan_shape", shape.data(), {2});
    for (std::size_t d = 0; d < s.detectors.size(); ++d) {
      const std::string ds = "stem/" + s.detectors[d].name;
      file.write(ds, r.readings[d]);
      file.write_attr(ds, "type", detector_type_name(s.detectors[d].type));
      file.write_attr(ds, "parameters", detector_parameters(s.detectors[d]));
    }
    if (!r.mean_pattern.empty()) file.write("stem/mean_diffraction", r.mean_pattern);
    if (!r.lost_beyond_aperture.empty()) file.write("stem/lost_beyond_aperture", r.lost_beyond_aperture);
  } else {
    file.create_groups("hrtem");
    file.write("hrtem/exit_wave", r.exit_wave);
    file.write("hrtem/exit_intensity", r.exit_intensity);
    file.write("hrtem/image", r.image);
    const Grid& g = s.grid;
    if (!r.defocus_images.empty()) {
      file.create_groups("hrtem/defocus_series");
      file.write("hrtem/defocus_series/images", r.defocus_images);
      file.write("hrtem/defocus_series/C10", s.defocus_series.data(), {int64_t(s.defocus_series.size())});
      file.write_attr("hrtem/defocus_series/C10", "units", "Angstrom (Krivanek C10: negative is underfocus)");
    }
    if (!r.thicknesses.empty()) {
      file.create_groups("hrtem/thickness_series");
      file.write("hrtem/thickness_series/thickness", r.thicknesses.data(), {int64_t(r.thicknesses.size())});
      file.write_attr("hrtem/thickness_series/thickness", "units", "Angstrom, the specimen's thickness at each sample");
      file.write("hrtem/thickness_series/exit_intensity", r.thickness_intensity);
      file.write("hrtem/thickness_series/exit_wave", r.thickness_exit_wave);
      const Array<double> patterns = written_patterns(r.thickness_diffraction, s);
      file.write("hrtem/thickness_series/diffraction", patterns);
      pattern_attributes(file, "hrtem/thickness_series/diffraction", s);
    }
    if (!r.diffraction.empty()) {
      // The mean pattern cropped (to max_angle, or the antialiasing aperture's square), zero
      // frequency centred, the beam stop's pixels zero.
      Array<double> one(Shape{1, g.ny, g.nx});
      for (int64_t i = 0; i < g.pixels(); ++i) one[i] = r.diffraction[i];
      const Array<double> crop = written_patterns(one, s);
      Array<double> pattern(Shape{crop.shape()[1], crop.shape()[2]});
      for (int64_t i = 0; i < pattern.size(); ++i) pattern[i] = crop[i];
      file.write("hrtem/diffraction", pattern);
      pattern_attributes(file, "hrtem/diffraction", s);
      // The spot table: one row per spot, brightest first.
      Array<double> table(Shape{int64_t(r.spots.size()), 7});
      for (std::size_t k = 0; k < r.spots.size(); ++k) {
        const Spot& p = r.spots[k];
        const double row[7] = {p.h, p.k, p.l, p.kx, p.ky, p.angle, p.intensity};
        for (int c = 0; c < 7; ++c) table[int64_t(k) * 7 + c] = row[c];
      }
      if (!r.spots.empty()) {  // absent when no spot reaches the threshold
        file.write("hrtem/spots", table);
        file.write_attr("hrtem/spots", "columns", "h k l kx ky angle_mrad intensity");
        file.write_attr("hrtem/spots", "indexed_by", s.supercell ? "the crystal's a, b, c" : "the simulation cell");
        file.write_attr("hrtem/spots", "threshold", s.spot_threshold);
      }
    }
  }
}

std::string detector_parameters(const Detector& d) {
  const nlohmann::json j{{"name", d.name},         {"type", detector_type_name(d.type)},
                         {"inner_mrad", d.ring.inner}, {"outer_mrad", d.ring.outer},
                         {"rings", d.ring.rings},   {"segments", d.ring.segments},
                         {"rotation_deg", d.ring.rotation * 180 / kPi}, {"max_angle_mrad", d.max_angle}};
  return j.dump();
}

void write_simulation(const std::string& path, const Simulation& s, const SimulationResult& r,
                      const std::string& parameters_json) {
  const bool stem = s.wave == WaveKind::probe;
  if (stem && r.readings.size() != s.detectors.size())
    throw InputError("simulation result: expected readings of " + std::to_string(s.detectors.size()) +
                     " detectors; found " + std::to_string(r.readings.size()));
  if (!stem && (r.exit_wave.empty() || r.exit_intensity.empty() || r.image.empty()))
    throw InputError("simulation result: expected an HRTEM exit wave, intensity and image; found none");
  AtomicOutput out(path);  // a failure before commit() leaves neither the temporary nor the target
  {
    h5::File file = h5::File::create(out.temp_path());
    write_contents(file, s, r, parameters_json, false);
    file.close();
  }
  out.commit();
}

}  // namespace phasis::ms
