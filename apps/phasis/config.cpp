// --config FILE: options from a TOML file. Keys are the command's long option names ("iterations",
// "probe-start" or "probe_start"); values given on the command line win. An unknown key, a table
// or an array is an error, so a typo never passes silently.
#include "io/toml.hpp"  // toml++, with its Unicode classifiers made safe

#include <sstream>

#include "commands.hpp"
#include "phasis/core/error.hpp"

namespace phasis::cli {

std::shared_ptr<std::string> add_config_option(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  app.add_option("--config", *path, "TOML file of options (keys: the long option names above)");
  return path;
}

namespace {

std::string value_text(const std::string& file, const std::string& key, const toml::node& node) {
  if (auto s = node.as_string()) return s->get();
  if (auto i = node.as_integer()) return std::to_string(i->get());
  if (auto b = node.as_boolean()) return b->get() ? "true" : "false";
  if (auto f = node.as_floating_point()) {
    std::ostringstream o;
    o.precision(17);
    o << f->get();
    return o.str();
  }
  throw InputError("config '" + file + "' key '" + key + "': expected a string, number or boolean; found a table or array");
}

}  // namespace

void apply_config(CLI::App& app, const std::string& file) {
  if (file.empty()) return;
  require_input_file(file, "config file");
  toml::table table;
  try {
    table = toml::parse_file(file);
  } catch (const toml::parse_error& e) {
    std::string what(e.description());
    throw InputError("config '" + file + "': expected TOML; found an error at line " +
                     std::to_string(e.source().begin.line) + ": " + what);
  }
  for (auto&& [k, node] : table) {
    std::string key(k.str());
    std::string name = key;
    for (char& c : name)
      if (c == '_') c = '-';
    CLI::Option* opt = nullptr;
    for (CLI::Option* o : app.get_options())
      if (o->check_lname(name)) opt = o;
    if (!opt || name == "config" || name == "help")
      throw InputError("config '" + file + "': unknown key '" + key + "' (see --help for the option names)");
    if (opt->count() > 0) continue;  // the command line wins
    // A flag's value goes through CLI11's flag translation, so that a negated flag
    // (`no-pictures = true`) means what it says on the command line instead of setting its
    // variable to the literal value.
    const std::string value = value_text(file, key, node);
    opt->add_result(opt->get_fnames().empty() ? value : opt->get_flag_value(name, value));
    opt->run_callback();
  }
}

}  // namespace phasis::cli
