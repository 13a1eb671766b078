// The live view's HTTP side on cpp-httplib: the page, its event stream, its pictures and its three
// buttons, and nothing else. Built only where cpp-httplib was found (PHASIS_HAVE_LIVE); without
// it, asking for a live view is an input error that says so.
#include "monitor/live_state.hpp"
#include "phasis/core/error.hpp"
#include "phasis/exec/interrupt.hpp"

#if PHASIS_HAVE_LIVE
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <regex>
#endif

namespace phasis::monitor {

#if PHASIS_HAVE_LIVE

bool live_view_available() { return true; }

namespace {

/// Equal strings, in time that does not depend on where they first differ.
bool same_secret(const std::string& a, const std::string& b) {
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  for (size_t i = 0; i < a.size(); ++i) diff |= unsigned(uint8_t(a[i]) ^ uint8_t(i < b.size() ? b[i] : 0));
  return diff == 0;
}

void plain(httplib::Response& res, int status, const std::string& text) {
  res.status = status;
  res.set_content(text + "\n", "text/plain; charset=utf-8");
}

class HttpServer final : public LiveServer {
 public:
  explicit HttpServer(LiveView::State& st) : st_(st) {
    // A small pool: each open page holds one thread with its event stream.
    server_.new_task_queue = [] { return new httplib::ThreadPool(8); };
    server_.set_read_timeout(5, 0);
    server_.set_write_timeout(5, 0);
    server_.set_payload_max_length(1024);  // no request here carries a body worth the name
    const std::string token = st.settings.token;
    server_.set_pre_routing_handler([token](const httplib::Request& req, httplib::Response& res) {
      if (token.empty()) return httplib::Server::HandlerResponse::Unhandled;
      const std::string given = req.has_param("token") ? req.get_param_value("token") : req.get_header_value("X-Phasis-Token");
      if (same_secret(given, token)) return httplib::Server::HandlerResponse::Unhandled;
      plain(res, 403, "forbidden: this live view needs its token");
      return httplib::Server::HandlerResponse::Handled;
    });
    server_.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
      res.set_header("Cache-Control", "no-store");
      res.set_header("X-Content-Type-Options", "nosniff");
      res.set_header("X-Frame-Options", "DENY");
    });
    server_.Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Content-Security-Policy",
                     "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self'; "
                     "connect-src 'self'");
      res.set_content(live_page_html(), "text/html; charset=utf-8");
    });
    server_.Get(R"(/image/([A-Za-z0-9_]+)\.png)", [this](const httplib::Request& req, httplib::Response& res) {
      std::shared_ptr<const Picture> p = st_.picture(req.matches[1]);
      if (!p) return plain(res, 404, "no such picture yet");
      res.set_content(reinterpret_cast<const char*>(p->png.data()), p->png.size(), "image/png");
    });
    server_.Post(R"(/control/(pause|resume|stop))", [this](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("X-Phasis-Control") != "1") return plain(res, 403, "forbidden: controls need X-Phasis-Control: 1");
      const std::string what = req.matches[1];
      if (what == "pause") exec::set_paused(true);
      else if (what == "resume") exec::set_paused(false);
      else exec::request_stop();  // stop-and-save: the run ends its step and writes what it has
      std::lock_guard lock(st_.mutex);
      st_.touch();
      res.status = 204;
    });
    server_.Get("/events", [this](const httplib::Request&, httplib::Response& res) {
      auto cursor = std::make_shared<LiveCursor>();
      {
        std::lock_guard lock(st_.mutex);
        st_.streams.insert(cursor.get());
      }
      res.set_header("X-Accel-Buffering", "no");
      res.set_chunked_content_provider("text/event-stream", [this, cursor](size_t, httplib::DataSink& sink) {
        std::string event;
        bool last = false;
        {
          std::unique_lock lock(st_.mutex);
          // A heartbeat comment every 10 s keeps proxies from closing a quiet stream.
          st_.changed.wait_for(lock, std::chrono::seconds(10), [&] { return st_.closing || st_.seq != cursor->seq; });
          last = st_.closing;
          if (st_.seq != cursor->seq) {
            event = "data: " + st_.event_json(*cursor) + "\n\n";
            ++st_.stats.events_sent;
            st_.changed.notify_all();  // the view's destructor waits for every stream to be current
          } else {
            event = ": still here\n\n";
          }
        }
        if (!sink.write(event.data(), event.size())) return false;  // the page went away
        if (last) {
          sink.done();
          return true;
        }
        // At most ten events a second per page, however fast the solver reports.
        std::unique_lock lock(st_.mutex);
        st_.changed.wait_for(lock, std::chrono::milliseconds(100), [&] { return st_.closing; });
        return true;
      }, [this, cursor](bool) {
        std::lock_guard lock(st_.mutex);
        st_.streams.erase(cursor.get());
        st_.changed.notify_all();
      });
    });
  }

  /// Binds before any work (InputError naming the address when it cannot), then serves on a thread.
  void start() {
    const LiveSettings& s = st_.settings;
    const std::string where = s.host + ":" + std::to_string(s.port);
    if (s.port == 0) port_ = server_.bind_to_any_port(s.host);
    else port_ = server_.bind_to_port(s.host, s.port) ? s.port : -1;
    if (port_ <= 0)
      throw InputError("--live " + where + ": expected a free port on an address of this machine; found it in use or not allowed");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the loop runs would be lost and the join would wait forever.
    for (int i = 0; i < 2000 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  ~HttpServer() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  int port() const override { return port_; }

 private:
  LiveView::State& st_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
};

}  // namespace

std::unique_ptr<LiveServer> start_live_server(LiveView::State& st) {
  auto server = std::make_unique<HttpServer>(st);
  server->start();
  return server;
}

#else

bool live_view_available() { return false; }

std::unique_ptr<LiveServer> start_live_server(LiveView::State&) {
  throw InputError("--live: expected a build with the live view; found this one built without cpp-httplib "
                   "(install libcpp-httplib-dev and configure again)");
}

#endif

}  // namespace phasis::monitor
