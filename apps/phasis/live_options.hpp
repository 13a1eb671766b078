// --live [HOST:]PORT and --live-token TOKEN, shared by every command that can be watched live
// (ptycho reconstruct, spi reconstruct, multislice run): the options, and the view they start
// before any work, so a port in use or a missing token ends the command at once.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "phasis/comm/mpi.hpp"
#include "phasis/monitor/live.hpp"

namespace phasis::cli {

struct LiveArgs {
  std::string address;  // empty: no live view
  std::string token;
};

inline void add_live_options(CLI::App& cmd, LiveArgs& a) {
  cmd.add_option("--live", a.address,
                 "Serve a live view of the run to a browser at [HOST:]PORT (127.0.0.1 unless HOST is given; "
                 "PORT 0: any free port; the URL is printed)");
  cmd.add_option("--live-token", a.token,
                 "Token every request to the live view must carry (?token=...); required for a HOST beyond "
                 "the loopback");
}

/// The view (null without --live, and on MPI ranks other than 0, which report nothing anyway).
inline std::unique_ptr<monitor::LiveView> start_live(const LiveArgs& a, const std::string& title) {
  if (a.address.empty()) {
    if (!a.token.empty()) throw InputError("--live-token: expected --live [HOST:]PORT with it; found no --live");
    return nullptr;
  }
  monitor::LiveSettings s = monitor::parse_live_address(a.address);
  s.token = a.token;
  s.title = title;
  if (comm::Mpi().rank() != 0) return nullptr;
  auto view = std::make_unique<monitor::LiveView>(std::move(s));
  std::printf("live view: %s\n", view->url().c_str());
  std::fflush(stdout);
  return view;
}

}  // namespace phasis::cli
