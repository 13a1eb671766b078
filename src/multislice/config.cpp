// Reads the TOML configuration of `phasis multislice run` (see multislice_config.hpp).
#include "phasis/multislice/config.hpp"

#include <nlohmann/json.hpp>

#include "io/toml.hpp"  // toml++, with its Unicode classifiers made safe

#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>
#include <map>
#include <set>

#include "phasis/io/paths.hpp"
#include "phasis/multislice/elements.hpp"
#include "phasis/multislice/structure.hpp"
#include "phasis/multislice/phonons.hpp"
#include "phasis/multislice/outputs.hpp"
#include "phasis/multislice/energy.hpp"
#include "phasis/core/error.hpp"
#include "phasis/multislice/energy.hpp"
#include "phasis/multislice/parametrization.hpp"

namespace phasis::ms {
namespace {

// Whole numbers from a TOML array of numbers are exact in a double up to 2^53.
constexpr int64_t kWholeLimit = int64_t(1) << 53;

std::string number_text(double v) {
  std::ostringstream o;
  o << v;
  return o.str();
}

/// One table of the file: typed getters that remember which keys were read, and `finish` that
/// rejects the rest.
class Section {
 public:
  Section(const toml::table* t, std::string where, std::string file) : t_(t), where_(std::move(where)), file_(std::move(file)) {}

  bool has(const std::string& k) {
    used_.insert(k);
    return t_ && t_->contains(k);
  }
  [[noreturn]] void bad(const std::string& k, const std::string& expected) const {
    throw InputError("config '" + file_ + "' key '" + where_ + k + "': expected " + expected);
  }
  double number(const std::string& k, double fallback) {
    if (!has(k)) return fallback;
    const toml::node& n = *t_->get(k);
    if (auto f = n.as_floating_point()) return f->get();
    if (auto i = n.as_integer()) return double(i->get());
    bad(k, "a number");
  }
  int64_t integer(const std::string& k, int64_t fallback) {
    if (!has(k)) return fallback;
    if (auto i = t_->get(k)->as_integer()) return i->get();
    bad(k, "an integer");
  }
  bool boolean(const std::string& k, bool fallback) {
    if (!has(k)) return fallback;
    if (auto b = t_->get(k)->as_boolean()) return b->get();
    bad(k, "true or false");
  }
  std::string text(const std::string& k, const std::string& fallback) {
    if (!has(k)) return fallback;
    if (auto s = t_->get(k)->as_string()) return s->get();
    bad(k, "a string");
  }
  std::vector<double> numbers(const std::string& k, std::size_t count) {
    const toml::array* a = t_->get(k)->as_array();
    std::vector<double> out;
    if (a)
      for (const auto& e : *a) {
        if (auto f = e.as_floating_point()) out.push_back(f->get());
        else if (auto i = e.as_integer()) out.push_back(double(i->get()));
        else bad(k, "an array of numbers");
      }
    if (!a || (count && out.size() != count)) bad(k, "an array of " + std::to_string(count) + " numbers");
    return out;
  }
  /// An array of `count` whole numbers (2 or 2.0) in [lo, hi]: a cast of 2.5, 1e30 or nan to an
  /// integer would truncate silently or be undefined.
  std::vector<int64_t> wholes(const std::string& k, std::size_t count, int64_t lo, int64_t hi) {
    std::vector<int64_t> out;
    for (double v : numbers(k, count)) {
      if (!(v == std::floor(v) && v >= double(lo) && v <= double(hi)))
        bad(k, "an array of " + std::to_string(count) + " whole numbers from " + std::to_string(lo) + " to " +
                   std::to_string(hi) + "; found " + number_text(v));
      out.push_back(int64_t(v));
    }
    return out;
  }
  /// Bytes: a number, or a string "512 MB", "2 GiB", "64 kB" (decimal and binary units).
  int64_t bytes(const std::string& k, int64_t fallback) {
    if (!has(k)) return fallback;
    const toml::node& n = *t_->get(k);
    double v = 0;
    if (auto i = n.as_integer()) v = double(i->get());
    else if (auto f = n.as_floating_point()) v = f->get();
    else if (auto str = n.as_string()) {
      const std::string text = str->get();
      std::size_t used = 0;
      try {
        v = std::stod(text, &used);
      } catch (const std::exception&) {
        bad(k, "bytes: a number or a string such as \"512 MB\" or \"2 GiB\"; found '" + text + "'");
      }
      std::string unit = text.substr(used);
      unit.erase(0, unit.find_first_not_of(' '));
      static const std::map<std::string, double> units{{"", 1},      {"B", 1},          {"kB", 1e3}, {"KB", 1e3},
                                                       {"MB", 1e6},  {"GB", 1e9},       {"KiB", 1024.0},
                                                       {"MiB", 1048576.0}, {"GiB", 1073741824.0}};
      const auto u = units.find(unit);
      if (u == units.end()) bad(k, "bytes with a unit B, kB, MB, GB, KiB, MiB or GiB; found '" + text + "'");
      v *= u->second;
    } else {
      bad(k, "bytes: a number or a string such as \"512 MB\"");
    }
    if (!(v >= 0 && v < 9e18)) bad(k, "bytes >= 0; found " + number_text(v));
    return int64_t(v);
  }
  const toml::table* table(const std::string& k) {
    if (!has(k)) return nullptr;
    if (auto s = t_->get(k)->as_table()) return s;
    bad(k, "a table");
  }
  void finish() const {
    if (!t_) return;
    for (auto&& [k, v] : *t_)
      if (!used_.count(std::string(k.str())))
        throw InputError("config '" + file_ + "': unknown key '" + where_ + std::string(k.str()) +
                         "' (docs/multislice.md lists the keys)");
  }

 private:
  const toml::table* t_;
  std::string where_, file_;
  std::set<std::string> used_;
};

void read_aberrations(Section& s, ms::Aberrations& a) {
  a.c10 = s.number("C10", a.c10);
  a.c12 = s.number("C12", a.c12);
  a.phi12 = s.number("phi12", a.phi12);
  a.c21 = s.number("C21", a.c21);
  a.phi21 = s.number("phi21", a.phi21);
  a.c30 = s.number("C30", a.c30);
}

nlohmann::json aberrations_json(const ms::Aberrations& a) {
  return {{"C10", a.c10}, {"C12", a.c12}, {"phi12", a.phi12}, {"C21", a.c21}, {"phi21", a.phi21}, {"C30", a.c30}};
}

}  // namespace

MsConfig read_ms_config(const std::string& path, bool need_structure) {
  require_input_file(path, "multislice config");
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw InputError("config '" + path + "': expected TOML; found an error at line " +
                     std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
  MsConfig c;
  c.source = path;
  Section top(&root, "", path);
  c.energy = top.number("energy", c.energy);

  Section st(top.table("structure"), "structure.", path);
  c.crystal = st.text("crystal", "");
  c.file = st.text("file", "");
  // A relative structure path is relative to the config file, so a config and its structure move together.
  if (!c.file.empty() && std::filesystem::path(c.file).is_relative())
    c.file = (std::filesystem::path(path).parent_path() / c.file).string();
  if (need_structure ? c.crystal.empty() == c.file.empty() : !(c.crystal.empty() && c.file.empty()))
    st.bad("crystal", need_structure ? "exactly one of structure.crystal and structure.file"
                                     : "no structure.crystal or structure.file (the atoms are given)");
  if (st.has("zone_axis")) {
    if (root["structure"]["zone_axis"].is_array()) {
      // [u, v, w] or hexagonal [U, V, T, W], kept as the text parse_zone_axis reads.
      const std::size_t n = root["structure"]["zone_axis"].as_array()->size();
      if (n != 3 && n != 4) st.bad("zone_axis", "an array of 3 whole numbers (or 4, hexagonal [UVTW])");
      c.zone_axis = "[";
      for (int64_t x : st.wholes("zone_axis", n, -1000, 1000)) c.zone_axis += (c.zone_axis.size() > 1 ? " " : "") + std::to_string(x);
      c.zone_axis += "]";
    } else {
      c.zone_axis = st.text("zone_axis", c.zone_axis);
    }
    try {
      parse_zone_axis(c.zone_axis);
    } catch (const InputError& e) {
      st.bad("zone_axis", std::string(e.what()).substr(std::string("zone axis: expected ").size()));
    }
  }
  c.lattice_constant = st.number("lattice_constant", c.lattice_constant);
  if (st.has("lattice_constant") && !(c.lattice_constant > 0 && std::isfinite(c.lattice_constant)))
    st.bad("lattice_constant", "a length > 0 in Angstrom; found " + number_text(c.lattice_constant));
  if (st.has("lattice_constant") && c.crystal.empty()) st.bad("lattice_constant", "a built-in crystal (structure.crystal)");
  c.orient.strain_tolerance = st.number("strain_tolerance", c.orient.strain_tolerance);
  if (!(c.orient.strain_tolerance >= 0 && c.orient.strain_tolerance < 0.5))
    st.bad("strain_tolerance", "a number from 0 to 0.5; found " + number_text(c.orient.strain_tolerance));
  if (st.has("max_repetitions")) {
    const int64_t r = st.integer("max_repetitions", c.orient.max_repetitions);
    if (r < 1 || r > 30) st.bad("max_repetitions", "an integer from 1 to 30; found " + std::to_string(r));
    c.orient.max_repetitions = int(r);
  }
  if (st.has("tilt")) {
    const auto v = st.numbers("tilt", 2);
    c.tilt = {v[0], v[1]};
    if (!(std::isfinite(v[0]) && std::isfinite(v[1])) || std::hypot(v[0], v[1]) > kMaxTiltMrad)
      st.bad("tilt", "[tx, ty] in mrad of magnitude at most " + number_text(kMaxTiltMrad) +
                         " (the small-angle limit of the shear that applies it, docs/multislice.md); found [" +
                         number_text(v[0]) + ", " + number_text(v[1]) + "]");
  }
  if (st.has("repeat")) {
    auto r = st.wholes("repeat", 3, std::numeric_limits<int>::min(), std::numeric_limits<int>::max());
    for (int i = 0; i < 3; ++i) c.repeat[i] = int(r[i]);
  }
  c.vacuum = st.number("vacuum", c.vacuum);
  st.finish();

  Section po(top.table("potential"), "potential.", path);
  c.potential.parametrization = ms::parse_parametrization(po.text("parametrization", "lobato"));
  if (po.has("sampling")) c.sampling = po.number("sampling", 0);
  if (po.has("gpts")) {
    auto g = po.wholes("gpts", 2, -kWholeLimit, kWholeLimit);
    c.gpts = std::array<int64_t, 2>{int64_t(g[0]), int64_t(g[1])};
  }
  if (c.sampling.has_value() == c.gpts.has_value()) po.bad("sampling", "exactly one of potential.sampling and potential.gpts");
  c.potential.slice_thickness = po.number("slice_thickness", c.potential.slice_thickness);
  c.potential.cutoff_fraction = po.number("cutoff_fraction", c.potential.cutoff_fraction);
  const std::string proj = po.text("projection", "infinite");
  if (proj != "infinite" && proj != "finite") po.bad("projection", "infinite or finite");
  c.potential.projection = proj == "finite" ? ms::Projection::finite : ms::Projection::infinite;
  const std::string slicing = po.text("slicing", "equal");
  if (slicing != "equal" && slicing != "fixed") po.bad("slicing", "equal or fixed");
  c.potential.slicing = ms::parse_slice_mode(slicing);
  const std::string form = po.text("form", "sampled");
  if (form != "sampled" && form != "pixel_average") po.bad("form", "sampled or pixel_average");
  c.potential.form = ms::parse_potential_form(form);
  const std::string output = po.text("output", "none");
  if (output != "none" && output != "projected" && output != "slices") po.bad("output", "none, projected or slices");
  c.potential_output = ms::parse_potential_output(output);
  po.finish();

  Section wv(top.table("wave"), "wave.", path);
  c.wave = wv.text("type", c.wave);
  if (c.wave != "probe" && c.wave != "plane") wv.bad("type", "probe or plane");
  c.probe.semiangle_cutoff = wv.number("semiangle", c.probe.semiangle_cutoff);
  if (wv.has("edge")) c.probe.edge_mrad = wv.number("edge", 0);
  read_aberrations(wv, c.probe.aberrations);
  wv.finish();
  c.probe.energy = c.energy;

  Section sc(top.table("scan"), "scan.", path);
  c.scan = sc.text("type", c.scan);
  if (c.scan != "grid" && c.scan != "line" && c.scan != "custom") sc.bad("type", "grid, line or custom");
  if (sc.has("start")) { auto v = sc.numbers("start", 2); c.scan_start = std::array<double, 2>{v[0], v[1]}; }
  if (sc.has("end")) { auto v = sc.numbers("end", 2); c.scan_end = std::array<double, 2>{v[0], v[1]}; }
  if (sc.has("gpts")) { auto v = sc.wholes("gpts", 2, -kWholeLimit, kWholeLimit); c.scan_gpts = {v[0], v[1]}; }
  c.endpoint = sc.boolean("endpoint", c.endpoint);
  c.scan_points = sc.integer("points", c.scan_points);
  if (sc.has("positions")) {
    const toml::array* a = root["scan"]["positions"].as_array();
    if (!a) sc.bad("positions", "an array of [x, y] pairs");
    for (const auto& e : *a) {
      const toml::array* p = e.as_array();
      if (!p || p->size() != 2) sc.bad("positions", "an array of [x, y] pairs");
      auto v = [&](std::size_t i) {
        if (auto f = p->get(i)->as_floating_point()) return f->get();
        if (auto n = p->get(i)->as_integer()) return double(n->get());
        sc.bad("positions", "an array of [x, y] number pairs");
      };
      c.custom.emplace_back(v(0), v(1));
    }
  }
  sc.finish();

  if (top.has("detector")) {
    const toml::array* a = root["detector"].as_array();
    if (!a || !a->is_array_of_tables()) top.bad("detector", "[[detector]] tables");
    int i = 0;
    for (const auto& e : *a) {
      Section d(e.as_table(), "detector[" + std::to_string(i++) + "].", path);
      ms::Detector det;
      const std::string type = d.text("type", "annular");
      if (type == "annular") det.type = ms::DetectorType::annular;
      else if (type == "segmented") det.type = ms::DetectorType::segmented;
      else if (type == "pixelated") det.type = ms::DetectorType::pixelated;
      else d.bad("type", "annular, segmented or pixelated");
      det.name = d.text("name", type + std::to_string(i - 1));
      for (char ch : det.name)
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '-')
          d.bad("name", "letters, digits, - and _");
      det.ring.inner = d.number("inner", 0);
      det.ring.outer = d.number("outer", 0);
      det.ring.rings = d.integer("rings", 1);
      det.ring.segments = d.integer("segments", 4);
      det.ring.rotation = d.number("rotation", 0) * ms::kPi / 180;  // degrees in the file
      det.max_angle = d.number("max_angle", 0);  // pixelated: the crop (mrad; 0: the aperture's square)
      if (det.max_angle != 0 && det.type != ms::DetectorType::pixelated) d.bad("max_angle", "no max_angle (only pixelated detectors are cropped)");
      d.finish();
      c.detectors.push_back(det);
    }
  }

  Section ph(top.table("phonons"), "phonons.", path);
  c.phonons = ph.integer("configurations", c.phonons);
  c.seed = uint64_t(ph.integer("seed", int64_t(c.seed)));
  if (const toml::table* s = ph.table("sigma")) {
    Section sg(s, "phonons.sigma.", path);
    for (auto&& [k, v] : *s) c.sigma[std::string(k.str())] = sg.number(std::string(k.str()), 0);
  }
  ph.finish();

  Section ht(top.table("hrtem"), "hrtem.", path);
  read_aberrations(ht, c.ctf.aberrations);
  c.ctf.aperture = ht.number("aperture", c.ctf.aperture);
  if (ht.has("aperture_edge")) c.ctf.aperture_edge = ht.number("aperture_edge", 0);
  c.ctf.focal_spread = ht.number("focal_spread", c.ctf.focal_spread);
  c.spot_threshold = ht.number("spot_threshold", c.spot_threshold);
  c.ctf.convergence = ht.number("convergence", c.ctf.convergence);
  c.thickness_every = ht.integer("thickness_every", c.thickness_every);
  c.diffraction_max_angle = ht.number("max_angle", c.diffraction_max_angle);
  c.beam_stop = ht.number("beam_stop", c.beam_stop);
  if (ht.has("defocus_series")) {
    c.defocus_series = ht.numbers("defocus_series", 0);
    if (c.defocus_series.empty()) ht.bad("defocus_series", "an array of at least one C10 value in Angstrom; found an empty array");
  }
  ht.finish();

  Section rn(top.table("run"), "run.", path);
  c.device = rn.text("device", c.device);
  if (c.device != "cpu" && c.device != "cuda" && !(c.device.starts_with("cuda:") && c.device.size() > 5 &&
                                                     c.device.find_first_not_of("0123456789", 5) == std::string::npos))
    rn.bad("device", "cpu, cuda or cuda:N");
  c.precision = rn.text("precision", c.precision);
  if (c.precision != "float" && c.precision != "double") rn.bad("precision", "float or double");
  if (rn.has("batch") && rn.has("max_batch")) rn.bad("batch", "either max_batch or its old name batch; found both");
  c.batch = rn.integer("max_batch", rn.integer("batch", c.batch));
  c.scheduler = rn.text("scheduler", c.scheduler);
  parse_scheduler(c.scheduler);  // auto, threads, gpus or mpi
  c.workers = rn.integer("workers", c.workers);
  if (c.workers < 0 || c.workers > 4096) rn.bad("workers", "0 (one per thread) to 4096; found " + std::to_string(c.workers));
  if (rn.has("devices")) {
    c.devices.clear();
    for (int64_t g : rn.wholes("devices", 0, 0, 1023)) c.devices.push_back(int(g));
    if (c.devices.empty()) rn.bad("devices", "an array of at least one GPU number; found an empty array");
  }
  c.chunk_memory = rn.bytes("chunk_memory", c.chunk_memory);
  c.fused_fft = rn.boolean("fused_fft", c.fused_fft);
  c.fft_planning = rn.text("fft_planning", c.fft_planning);
  if (c.fft_planning != "estimate" && c.fft_planning != "measure") rn.bad("fft_planning", "estimate or measure");
  c.cxi = rn.text("cxi", c.cxi);
  c.cxi_dose = rn.number("cxi_dose", c.cxi_dose);
  rn.finish();
  top.finish();
  return c;
}

std::string MsConfig::to_json() const {
  nlohmann::json dets = nlohmann::json::array();
  for (const auto& d : detectors)
    dets.push_back(nlohmann::json::parse(ms::detector_parameters(d)));  // as the detector's dataset records it
  nlohmann::json j = {
      {"config_file", source},
      {"energy_eV", energy},
      {"structure", {{"crystal", crystal}, {"file", file}, {"zone_axis", zone_axis}, {"repeat", repeat}, {"vacuum", vacuum},
                     {"lattice_constant", lattice_constant}, {"strain_tolerance", orient.strain_tolerance},
                     {"max_repetitions", orient.max_repetitions}, {"tilt_mrad", tilt}}},
      {"potential", {{"parametrization", ms::to_string(potential.parametrization)},
                     {"slice_thickness", potential.slice_thickness},
                     {"cutoff_fraction", potential.cutoff_fraction},
                     {"projection", potential.projection == ms::Projection::finite ? "finite" : "infinite"},
                     {"slicing", ms::to_string(potential.slicing)},
                     {"form", ms::to_string(potential.form)},
                     {"output", ms::to_string(potential_output)}}},
      {"wave", {{"type", wave}, {"semiangle_mrad", probe.semiangle_cutoff},
                {"edge_mrad", probe.edge_mrad ? nlohmann::json(*probe.edge_mrad) : nlohmann::json("one reciprocal pixel")},
                {"aberrations", aberrations_json(probe.aberrations)}}},
      {"scan", {{"type", scan}, {"gpts", scan_gpts}, {"endpoint", endpoint}, {"points", scan_points}}},
      {"detectors", dets},
      {"phonons", {{"configurations", phonons}, {"seed", seed}, {"sigma", sigma}}},
      {"hrtem", {{"aberrations", aberrations_json(ctf.aberrations)}, {"aperture_mrad", ctf.aperture},
                 {"aperture_edge_mrad", ctf.aperture_edge ? nlohmann::json(*ctf.aperture_edge) : nlohmann::json("one reciprocal pixel")},
                 {"focal_spread", ctf.focal_spread}, {"convergence_mrad", ctf.convergence},
                 {"spot_threshold", spot_threshold}, {"defocus_series", defocus_series},
                 {"thickness_every", thickness_every}, {"max_angle_mrad", diffraction_max_angle},
                 {"beam_stop_mrad", beam_stop}}},
      {"run", {{"device", device}, {"precision", precision}, {"max_batch", batch}, {"scheduler", scheduler}, {"workers", workers},
               {"devices", devices}, {"chunk_memory", chunk_memory}, {"fused_fft", fused_fft}, {"fft_planning", fft_planning}, {"cxi", cxi}, {"cxi_dose", cxi_dose}}}};
  if (sampling) j["potential"]["sampling"] = *sampling;
  if (gpts) j["potential"]["gpts"] = *gpts;
  if (scan_start) j["scan"]["start"] = *scan_start;
  if (scan_end) j["scan"]["end"] = *scan_end;
  return j.dump();
}

namespace {

/// The structure's cell before repetition: a crystal (built-in, or a file with a cell of any
/// shape) along the zone axis, or a file's atoms as they are. `supercell` is set when a crystal
/// was cut.
Atoms oriented_cell(const MsConfig& c, const Atoms* given, std::optional<Supercell>& supercell) {
  const std::array<int, 3> zone = parse_zone_axis(c.zone_axis);
  const bool along_c = zone == std::array<int, 3>{0, 0, 1};
  const auto cut = [&](const Crystal& crystal) {
    Oriented o = orient(crystal, zone, c.orient);
    supercell = o.supercell;
    return std::move(o.atoms);
  };
  if (given) return along_c ? *given : cut(crystal_from_atoms(*given));
  if (!c.crystal.empty()) return cut(builtin_crystal(c.crystal, c.lattice_constant));
  require_input_file(c.file, "structure.file");
  if (std::optional<Crystal> cr = read_crystal(c.file)) {
    Atoms atoms = cut(*cr);
    // Vacuum makes a new box: no longer a cell of the crystal, so no supercell to index spots by.
    if (c.vacuum > 0) center_in_box(atoms, c.vacuum), supercell.reset();
    return atoms;
  }
  Atoms atoms = read_atoms(c.file);
  const bool has_cell = atoms.cell[0] > 0 && atoms.cell[1] > 0 && atoms.cell[2] > 0;
  if (!along_c) {
    if (!has_cell)
      throw InputError("structure.zone_axis: expected [0 0 1] for a structure without a cell ('" + c.file +
                       "' has none); found " + zone_axis_text(zone));
    atoms = cut(crystal_from_atoms(atoms));
  }
  if (!has_cell || c.vacuum > 0) center_in_box(atoms, c.vacuum), supercell.reset();
  return atoms;
}

Atoms build_atoms(const MsConfig& c, const Atoms* given, std::optional<Supercell>& supercell) {
  Atoms atoms = oriented_cell(c, given, supercell);
  check_atoms(atoms);
  atoms = repeat(atoms, c.repeat[0], c.repeat[1], c.repeat[2]);
  if (supercell) {
    // The record describes the simulation cell: the oriented cell's vectors times the repeats.
    for (int d = 0; d < 3; ++d)
      for (int& v : supercell->rows[std::size_t(d)]) v *= c.repeat[std::size_t(d)];
    supercell->cells *= int64_t(c.repeat[0]) * c.repeat[1] * c.repeat[2];
  }
  check_atoms(atoms);
  if (c.phonons > 1) {
    std::map<int, double> sigma;
    for (const auto& [sym, s] : c.sigma) sigma[atomic_number(sym)] = s;
    if (sigma.empty() && atoms.sigma.empty())
      throw InputError("phonons.sigma: expected an rms displacement per element for " + std::to_string(c.phonons) +
                       " configurations; found none");
    if (!sigma.empty()) set_sigmas(atoms, sigma);
  }
  return atoms;
}

std::vector<Position> build_scan(const MsConfig& c, const Atoms& atoms, std::array<int64_t, 2>& shape) {
  const Position start = c.scan_start ? Position{(*c.scan_start)[0], (*c.scan_start)[1]} : Position{0, 0};
  if (c.scan == "grid") {
    const Position end = c.scan_end ? Position{(*c.scan_end)[0], (*c.scan_end)[1]}
                                        : Position{atoms.cell[0], atoms.cell[1]};
    shape = {c.scan_gpts[1], c.scan_gpts[0]};
    return grid_scan(start, end, c.scan_gpts[0], c.scan_gpts[1], c.endpoint);
  }
  if (c.scan == "line") {
    const Position end = c.scan_end ? Position{(*c.scan_end)[0], (*c.scan_end)[1]} : Position{atoms.cell[0], 0};
    if (c.scan_points < 1) throw InputError("scan.points: expected at least 1; found " + std::to_string(c.scan_points));
    shape = {1, c.scan_points};
    return line_scan(start, end, c.scan_points);
  }
  if (c.custom.empty()) throw InputError("scan.positions: expected at least one [x, y] position for a custom scan");
  shape = {1, int64_t(c.custom.size())};
  return c.custom;
}

/// The library's description of the config's simulation: the atoms and the scan built, the grid
/// chosen; the library checks the rest (check_simulation).
Simulation to_simulation(const MsConfig& c, const Atoms* given) {
  Simulation s;
  s.atoms = build_atoms(c, given, s.supercell);
  s.grid = c.gpts ? grid_from_gpts(s.atoms.cell[0], s.atoms.cell[1], (*c.gpts)[0], (*c.gpts)[1])
                  : grid_from_sampling(s.atoms.cell[0], s.atoms.cell[1], *c.sampling);
  check_grid(s.grid);
  s.potential = c.potential;
  s.potential.tilt = c.tilt;  // the shear of the slices, through the whole (repeated) specimen
  s.potential_output = c.potential_output;
  s.energy = c.energy;
  s.wave = c.wave == "probe" ? WaveKind::probe : WaveKind::plane;
  s.probe = c.probe;
  if (s.wave == WaveKind::probe) {
    s.scan = c.scan == "grid" ? ScanKind::grid : c.scan == "line" ? ScanKind::line : ScanKind::custom;
    s.positions = build_scan(c, s.atoms, s.scan_shape);
  }
  s.detectors = c.detectors;
  s.phonons = c.phonons;
  s.seed = c.seed;
  s.ctf = c.ctf;
  s.spot_threshold = c.spot_threshold;
  s.defocus_series = c.defocus_series;
  s.thickness_every = c.thickness_every;
  s.diffraction_max_angle = c.diffraction_max_angle;
  s.beam_stop = c.beam_stop;
  s.batch = c.batch;
  s.fused_fft = c.fused_fft;
  return s;
}

}  // namespace

std::string resume_identity(const MsConfig& c, const Simulation& s) {
  nlohmann::json j = nlohmann::json::parse(c.to_json());
  for (const char* k : {"device", "scheduler", "workers", "devices", "chunk_memory", "max_batch", "fused_fft", "fft_planning", "cxi", "cxi_dose"})
    j["run"].erase(k);
  j["built"] = {{"atoms", s.atoms.size()}, {"positions", s.positions.size()}, {"cell", s.atoms.cell}};
  return j.dump();
}

Execution execution_from_config(const MsConfig& c, int threads) {
  Execution x;
  x.device = parse_device(c.device, threads);
  x.scheduler = parse_scheduler(c.scheduler);
  x.workers = int(c.workers);
  x.devices = c.devices;
  x.chunk_memory = c.chunk_memory;
  return x;
}

Simulation simulation_from_config(const MsConfig& c, const Atoms* atoms) {
  wavelength(c.energy);  // energy > 0
  if (c.phonons < 1) throw InputError("phonons.configurations: expected at least 1; found " + std::to_string(c.phonons));
  if (c.batch < 0) throw InputError("run.max_batch: expected 0 (from chunk_memory) or more positions; found " + std::to_string(c.batch));
  if (!(c.cxi_dose > 0)) throw InputError("run.cxi_dose: expected a positive number of electrons per frame");
  if (c.wave == "probe" && c.detectors.empty())
    throw InputError("config: expected at least one [[detector]] for a probe (wave.type = probe)");
  if (c.wave == "plane" && !c.detectors.empty())
    throw InputError("config: detectors need a probe (wave.type = probe); found a plane wave");
  Simulation s = to_simulation(c, atoms);
  check_simulation(s);
  if (!c.cxi.empty()) check_stem_cxi(s, c.cxi_dose);
  return s;
}

}  // namespace phasis::ms
