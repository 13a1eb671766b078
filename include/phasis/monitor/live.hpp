// The live view: an event sink that serves a page to any browser while a run works. The page
// (HTML and JavaScript in the binary, nothing from elsewhere) shows the run's pictures (object
// phase and amplitude, probe modes, scan coverage; multislice's image filling in; SPI's density
// projections), its error curves, the rate, the notes, and has pause, resume and stop-and-save
// buttons (exec/interrupt.hpp). Updates travel as server-sent events; pictures as PNG.
//
// The solver never waits for the view: the sink opens its snapshot gate at most once per
// `min_interval` and only while its encoder thread is idle (wants_snapshots() is false
// otherwise, so nothing is even copied off the device); a snapshot that arrives while an older one
// is still pending replaces it (latest wins) and the encoder draws and encodes on its own thread.
//
// Served: GET / (the page), GET /events (the event stream), GET /image/NAME.png, and
// POST /control/{pause,resume,stop} with the header "X-Phasis-Control: 1" (a plain cross-site form
// cannot set it). Anything else is 404. With a token every request must carry it (?token=T or the
// header X-Phasis-Token) or is refused with 403; a bind beyond the loopback requires one.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "phasis/exec/events.hpp"  // for EventSink

namespace phasis::monitor {

struct LiveSettings {
  std::string host = "127.0.0.1";
  int port = 0;             // 0: any free port (the URL says which)
  std::string token;        // required unless host is a loopback address
  double min_interval = 0.25;  // seconds between snapshots taken for the view, at least
  int64_t max_side = 1024;     // pictures larger than this are subsampled for the view
  std::string title = "phasis";
};

/// "[HOST:]PORT" (e.g. "8080", "0.0.0.0:8080") into host and port; InputError naming `option`
/// otherwise.
LiveSettings parse_live_address(const std::string& text, const std::string& option = "--live");

/// 127.0.0.0/8, ::1 and "localhost".
bool is_loopback(const std::string& host);

/// True when this build has the live view (cpp-httplib was found when it was configured).
bool live_view_available();

/// What the encoder did, for the report and the docs' figures.
struct LiveStats {
  int64_t snapshots = 0;     // taken through the gate and encoded
  int64_t replaced = 0;      // pending snapshots replaced by a newer one before being encoded
  int64_t pictures = 0;      // PNGs made
  double encode_seconds_total = 0, encode_seconds_max = 0;
  int64_t events_sent = 0;   // server-sent events, all clients
};

class LiveView final : public exec::EventSink {
 public:
  /// Checks the settings (a token for a remote bind) and listens: InputError when the port cannot
  /// be had (in use, not this machine's address), before any work of the run. Serving starts at once.
  explicit LiveView(LiveSettings settings);
  /// Ends the run's view (finish("failed") unless finished: an exception is on its way), lets the
  /// open pages receive the last state (up to a second) and stops serving.
  ~LiveView() override;
  LiveView(const LiveView&) = delete;
  LiveView& operator=(const LiveView&) = delete;

  /// "http://HOST:PORT/" (with ?token=T when there is one).
  std::string url() const;
  int port() const;

  void progress(const exec::Progress& p) override;
  void snapshot(const exec::Snapshot& s) override;
  void note(const std::string& text) override;
  bool wants_snapshots() const override;

  /// A picture that is not the solver's (the scan coverage; the final result): always taken.
  /// "coverage" (real, H x W) also marks the object's lit region in its pictures.
  void show(const exec::Snapshot& s);
  /// A line of the page's run description ("input", "sim.cxi").
  void set_info(const std::string& key, const std::string& value);
  /// The run is over ("done", "stopped", "failed"): pending pictures are encoded, the state is sent,
  /// and the page says so. The server keeps serving until destruction.
  void finish(const std::string& state);

  LiveStats stats() const;

  struct State;  // shared with the server (src/monitor/live_state.hpp)

 private:
  std::unique_ptr<State> state_;
};

}  // namespace phasis::monitor
