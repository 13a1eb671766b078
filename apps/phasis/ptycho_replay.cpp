// phasis ptycho replay IN.cxi --to tcp://HOST:PORT | file:OUT.cxi: a CXI file's frames and
// positions played as a frame stream (docs/ptychography.md, "Streaming input"), or written at the
// same pace into a CXI file in HDF5 SWMR mode for a reader that follows it ("Streaming from a file
// being written"), for tests and demos.
#include <cstdio>

#include "commands.hpp"
#include "phasis/exec/events.hpp"
#include "phasis/exec/interrupt.hpp"
#include "phasis/ptycho/streaming.hpp"

namespace phasis::cli {

namespace {

/// Notes on stdout, one line each.
class Lines final : public exec::EventSink {
 public:
  void note(const std::string& text) override {
    std::printf("%s\n", text.c_str());
    std::fflush(stdout);
  }
};

}  // namespace

void add_ptycho_replay(CLI::App& ptycho) {
  auto* cmd = ptycho.add_subcommand("replay", "Play a CXI file's frames and positions as a ZeroMQ frame stream, or write them at that pace into a CXI file another process follows (HDF5 SWMR)");
  auto input = std::make_shared<std::string>();
  auto o = std::make_shared<ReplayOptions>();
  cmd->add_option("input", *input, "CXI file with frames, positions and geometry")->required();
  cmd->add_option("--to", o->to, "Where the frames go: tcp://HOST:PORT, where the reconstruction listens (this side connects, PUSH); or file:OUT.cxi, written in SWMR mode (replaced if there)")->required();
  cmd->add_option("--rate", o->rate, "Frames per second (0: as fast as the receiver takes them)")->capture_default_str();
  cmd->add_option("--count", o->count, "Send only the first N frames (0: all)")->capture_default_str();
  cmd->add_flag("!--no-end", o->end, "Stop after the last frame without the end message, or without marking a file:'s scan finished (a source that just stops)");
  cmd->add_option("--wait", o->wait_s, "Seconds to wait for a receiver to take the header (and each frame)")
      ->capture_default_str();
  cmd->callback([input, o] {
    require_input_file(*input, "input CXI file");
    Lines lines;
    const exec::InterruptGuard interrupts;
    exec::clear_stop();
    const ReplayStats s = replay_cxi(*input, *o, &lines);
    const bool file = o->to.rfind("file:", 0) == 0;
    std::printf("%s %lld frames in %.2f s (%.0f frames/s; at most %.3f s behind schedule)%s\n", file ? "wrote" : "sent",
                (long long)s.sent, s.seconds, s.seconds > 0 ? double(s.sent) / s.seconds : 0.0, s.behind_max_s,
                file ? (o->end ? ", then marked the scan finished" : ", scan not marked finished")
                     : (o->end ? ", then the end message" : ", no end message"));
    if (exec::stop_requested()) throw StoppedEarly{128 + (exec::stop_signal() ? exec::stop_signal() : 2)};
  });
}

}  // namespace phasis::cli
