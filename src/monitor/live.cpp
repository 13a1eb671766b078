// The live view's sink and encoder (live.hpp); the HTTP side is live_server.cpp.
#include "phasis/monitor/live.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>

#include "monitor/live_state.hpp"
#include "phasis/core/error.hpp"
#include "phasis/exec/interrupt.hpp"

namespace phasis::monitor {

namespace {

using Json = nlohmann::json;

/// A number JSON can carry (NaN and infinities are not JSON): null instead.
Json number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

/// Seconds since 1970 on the system clock: a browser on the same machine can tell how old an update is.
double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// A value shown as a curve: the error, distances; not the occupancies (they have a unit, "%").
bool is_curve(const std::string& name) { return name.empty() || name.back() != '%'; }

void encoder_loop(LiveView::State& st) {
  Renderer renderer;
  renderer.max_side = st.settings.max_side;
  Array<float> coverage;
  std::unique_lock lock(st.mutex);
  for (;;) {
    st.work.wait(lock, [&] { return st.closing || !st.pending.empty(); });
    if (st.pending.empty()) return;  // closing and nothing left to draw
    std::map<std::string, exec::Snapshot> batch;
    batch.swap(st.pending);
    st.encoding = true;
    lock.unlock();
    // The coverage first: it marks the object's lit region for the object's pictures.
    std::vector<Picture> made;
    const double t0 = exec::now_seconds();
    if (auto c = batch.find("coverage"); c != batch.end())
      if (const auto* a = std::get_if<Array<float>>(&c->second.data)) coverage = a->to(Memory::host);
    renderer.coverage = coverage.size() > 0 ? &coverage : nullptr;
    std::string failed;
    for (const auto& [name, s] : batch) {
      try {
        for (Picture& p : renderer.render(s)) made.push_back(std::move(p));
      } catch (const std::exception& e) {
        failed = "live view: cannot draw '" + name + "': " + e.what();
      }
    }
    const double dt = exec::now_seconds() - t0;
    lock.lock();
    st.encoding = false;
    st.stats.snapshots += int64_t(batch.size());
    st.stats.pictures += int64_t(made.size());
    st.stats.encode_seconds_total += dt;
    st.stats.encode_seconds_max = std::max(st.stats.encode_seconds_max, dt);
    const double wall = wall_seconds();
    for (Picture& p : made) {
      LiveView::State::Shown& shown = st.pictures[p.name];
      shown.wall = wall, shown.encode_seconds = dt;
      shown.picture = std::make_shared<const Picture>(std::move(p));
      ++shown.version;
    }
    if (!failed.empty()) st.notes.push_back(failed);
    st.touch();
    st.work.notify_all();  // finish() waits for an idle encoder
  }
}

}  // namespace

LiveSettings parse_live_address(const std::string& text, const std::string& option) {
  LiveSettings s;
  std::string port = text;
  const size_t colon = text.rfind(':');
  if (colon != std::string::npos) {
    s.host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (s.host.size() > 2 && s.host.front() == '[' && s.host.back() == ']') s.host = s.host.substr(1, s.host.size() - 2);
    if (s.host.empty()) throw InputError(option + ": expected [HOST:]PORT (e.g. 8080 or 0.0.0.0:8080); found '" + text + "'");
  }
  char* end = nullptr;
  const long v = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end || v < 0 || v > 65535)
    throw InputError(option + ": expected [HOST:]PORT with a port in 0..65535 (e.g. 8080 or 0.0.0.0:8080); found '" + text + "'");
  s.port = int(v);
  return s;
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

LiveView::LiveView(LiveSettings settings) : state_(std::make_unique<State>()) {
  State& st = *state_;
  st.settings = std::move(settings);
  const std::string where = st.settings.host + ":" + std::to_string(st.settings.port);
  if (!is_loopback(st.settings.host) && st.settings.token.empty())
    throw InputError("--live " + where + ": expected --live-token TOKEN for a bind beyond the loopback; found none");
  if (st.settings.token.find_first_of(" \t\r\n&?#%") != std::string::npos)
    throw InputError("--live-token: expected letters, digits and -._~ only; found '" + st.settings.token + "'");
  st.server = start_live_server(st);
  st.encoder = std::thread(encoder_loop, std::ref(st));
}

LiveView::~LiveView() {
  State& st = *state_;
  finish("failed");  // a run that ended normally said so before
  {
    // The pages see the last state (a second at most: a stalled browser does not hold the exit).
    std::unique_lock lock(st.mutex);
    st.changed.wait_for(lock, std::chrono::seconds(1), [&] {
      for (const LiveCursor* c : st.streams)
        if (c->seq != st.seq) return false;
      return true;
    });
    st.closing = true;
    st.changed.notify_all();
    st.work.notify_all();
  }
  st.server.reset();  // stops listening; event streams have seen `closing`
  if (st.encoder.joinable()) st.encoder.join();
}

std::string LiveView::url() const {
  const State& st = *state_;
  const std::string host = st.settings.host.find(':') != std::string::npos ? "[" + st.settings.host + "]" : st.settings.host;
  return "http://" + host + ":" + std::to_string(port()) + "/" + (st.settings.token.empty() ? "" : "?token=" + st.settings.token);
}

int LiveView::port() const { return state_->server->port(); }

void LiveView::progress(const exec::Progress& p) {
  State& st = *state_;
  std::lock_guard lock(st.mutex);
  Json values = Json::object();
  for (const auto& [name, v] : p.values) {
    values[name] = number(v);
    if (is_curve(name)) st.series[name].push_back(v);
  }
  st.progress = {{"task", p.task}, {"done", p.done}, {"total", p.total}, {"unit", p.unit}, {"elapsed", number(p.elapsed)},
                 {"rate", number(p.rate)}, {"eta", number(p.eta)}, {"values", values},
                 {"wall", wall_seconds()}};
  // The gate for this step's snapshots (reporters send them after the progress event): open when
  // the encoder is idle and min_interval has passed, and always for a task's last step.
  const double now = exec::now_seconds();
  st.gate = (!st.encoding && st.pending.empty() && now >= st.next_gate) || (p.total > 0 && p.done >= p.total);
  if (st.gate) st.next_gate = now + st.settings.min_interval;
  st.touch();
}

// Between progress events (multislice reports one per configuration, snapshots per batch) the
// gate also opens by time alone, for one snapshot per min_interval while the encoder is idle.
bool LiveView::wants_snapshots() const {
  const State& st = *state_;
  std::lock_guard lock(st.mutex);
  return st.gate || (!st.encoding && st.pending.empty() && exec::now_seconds() >= st.next_gate);
}

void LiveView::snapshot(const exec::Snapshot& s) {
  State& st = *state_;
  {
    std::lock_guard lock(st.mutex);
    const double now = exec::now_seconds();
    if (!st.gate) {
      if (st.encoding || !st.pending.empty() || now < st.next_gate) return;
      st.next_gate = now + st.settings.min_interval;
    }
  }
  show(s);
}

void LiveView::show(const exec::Snapshot& s) {
  State& st = *state_;
  // The copy is the one cost on the caller's thread; drawing and encoding happen on the encoder's.
  exec::Snapshot copy{s.name, s.step, {}};
  if (const auto* c = std::get_if<Array<Complex<float>>>(&s.data)) copy.data = c->to(Memory::host);
  else copy.data = std::get<Array<float>>(s.data).to(Memory::host);
  std::lock_guard lock(st.mutex);
  if (st.pending.count(s.name)) ++st.stats.replaced;
  st.pending.insert_or_assign(s.name, std::move(copy));
  st.work.notify_all();
}

void LiveView::note(const std::string& text) {
  std::lock_guard lock(state_->mutex);
  state_->notes.push_back(text);
  state_->touch();
}

void LiveView::set_info(const std::string& key, const std::string& value) {
  std::lock_guard lock(state_->mutex);
  state_->info[key] = value;
  state_->touch();
}

void LiveView::finish(const std::string& state) {
  State& st = *state_;
  std::unique_lock lock(st.mutex);
  if (st.run_state != "running") return;
  st.work.wait(lock, [&] { return st.closing || (st.pending.empty() && !st.encoding); });  // the last pictures drawn
  st.run_state = state;
  st.gate = false;
  st.touch();
}

LiveStats LiveView::stats() const {
  std::lock_guard lock(state_->mutex);
  return state_->stats;
}

std::shared_ptr<const Picture> LiveView::State::picture(const std::string& name) const {
  std::lock_guard lock(mutex);
  auto it = pictures.find(name);
  return it == pictures.end() ? nullptr : it->second.picture;
}

std::string LiveView::State::event_json(LiveCursor& c) const {
  Json e = {{"seq", seq}, {"progress", progress}};
  // Paused and stopping are the process's state (exec/interrupt.hpp), seen by every stream alike.
  std::string shown = run_state;
  if (shown == "running" && exec::stop_requested()) shown = "stopping";
  else if (shown == "running" && exec::paused()) shown = "paused";
  e["state"] = shown;
  if (!c.info_sent) e["info"] = info, e["title"] = settings.title, c.info_sent = true;
  Json curves = Json::object();
  for (const auto& [name, values] : series) {
    size_t& sent = c.series_sent[name];
    if (sent >= values.size()) continue;
    Json points = Json::array();
    for (size_t i = sent; i < values.size(); ++i) points.push_back(number(values[i]));
    curves[name] = {{"from", sent}, {"points", std::move(points)}};
    sent = values.size();
  }
  e["series"] = std::move(curves);
  Json pics = Json::array();
  for (const auto& [name, shown_picture] : pictures) {
    int64_t& sent = c.picture_sent[name];
    if (sent == shown_picture.version) continue;
    const Picture& p = *shown_picture.picture;
    pics.push_back({{"name", name}, {"title", p.title}, {"version", shown_picture.version}, {"step", p.step},
                    {"h", p.h}, {"w", p.w}, {"bytes", p.png.size()},
                    {"wall", shown_picture.wall}, {"encode_ms", 1e3 * shown_picture.encode_seconds}});
    sent = shown_picture.version;
  }
  e["pictures"] = std::move(pics);
  Json notes_out = Json::array();
  for (size_t i = c.notes_sent; i < notes.size(); ++i) notes_out.push_back(notes[i]);
  c.notes_sent = notes.size();
  e["notes"] = std::move(notes_out);
  e["stats"] = {{"snapshots", stats.snapshots}, {"replaced", stats.replaced},
                {"encode_ms_mean", stats.snapshots ? 1e3 * stats.encode_seconds_total / double(stats.snapshots) : 0.0},
                {"encode_ms_max", 1e3 * stats.encode_seconds_max}};
  c.seq = seq;
  return e.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace phasis::monitor
