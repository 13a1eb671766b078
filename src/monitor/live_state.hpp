// What the live view's sink (live.cpp), its encoder thread and its HTTP server (live_server.cpp)
// share: the latest progress, the value histories, the pictures and the notes, under one mutex,
// with a sequence number that every change bumps and a condition variable the event streams wait on.
#pragma once

#include <nlohmann/json.hpp>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "phasis/monitor/live.hpp"
#include "phasis/monitor/render.hpp"

namespace phasis::monitor {

/// The HTTP side, started by start_live_server; stops serving on destruction.
class LiveServer {
 public:
  virtual ~LiveServer() = default;
  virtual int port() const = 0;
};

/// Binds and serves `state` (InputError when the port cannot be had); null in a build without
/// cpp-httplib is never returned: that build throws InputError instead.
std::unique_ptr<LiveServer> start_live_server(LiveView::State& state);

/// The page (live_page.cpp).
const std::string& live_page_html();

/// Where one event stream has got to: what it has already sent.
struct LiveCursor {
  int64_t seq = -1;
  std::map<std::string, size_t> series_sent;
  std::map<std::string, int64_t> picture_sent;
  size_t notes_sent = 0;
  bool info_sent = false;
};

struct LiveView::State {
  LiveSettings settings;

  mutable std::mutex mutex;
  std::condition_variable changed;  // seq moved, or closing
  int64_t seq = 0;
  bool closing = false;  // the server is stopping: event streams end
  std::string run_state = "running";  // "running" until finish(): "done", "stopped", "failed"
  nlohmann::json progress = nlohmann::json::object();
  std::map<std::string, std::vector<double>> series;  // value name -> one value per progress event
  std::vector<std::string> notes;
  std::map<std::string, std::string> info;
  struct Shown {
    std::shared_ptr<const Picture> picture;
    int64_t version = 0;
    double wall = 0;            // when it was published (system clock, seconds since 1970)
    double encode_seconds = 0;  // drawing and encoding its batch of snapshots
  };
  std::map<std::string, Shown> pictures;
  LiveStats stats;

  // The snapshot gate and the encoder's queue (latest snapshot per name).
  bool gate = false;
  double next_gate = 0;
  bool encoding = false;
  std::map<std::string, exec::Snapshot> pending;
  std::condition_variable work;  // pending filled, or closing
  std::thread encoder;

  std::unique_ptr<LiveServer> server;
  std::set<const LiveCursor*> streams;  // the open event streams (the last state reaches them before the end)

  /// Bumps seq and wakes the event streams; call with `mutex` held.
  void touch() {
    ++seq;
    changed.notify_all();
  }
  /// The next event for a stream at `cursor` (everything new since it), advancing it; `mutex` held.
  std::string event_json(LiveCursor& cursor) const;
  /// The picture named `name` (null when there is none yet).
  std::shared_ptr<const Picture> picture(const std::string& name) const;
};

}  // namespace phasis::monitor
