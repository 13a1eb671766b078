// ProgressBar: progress events as a redrawn terminal line or as rate-limited plain log lines.
#include <unistd.h>  // for isatty, fileno

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "phasis/exec/events.hpp"

namespace phasis::exec {

namespace {

std::string printf_string(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

/// "7.5s", "42s", "3m05s", "2h07m": short enough for one line, precise where it matters.
std::string format_duration(double s) {
  if (s < 10) return printf_string("%.1fs", s);
  if (s < 60) return printf_string("%.0fs", s);
  char buf[64];
  const long total = std::lround(s);
  if (total < 3600)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", total / 60, total % 60);
  else
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", total / 3600, (total % 3600) / 60);
  return buf;
}

/// Errors and residuals span many decades: exponent form outside [1e-2, 1e5), 4 digits inside.
std::string format_value(double v) {
  const double a = std::fabs(v);
  if (v != 0 && (a < 1e-2 || a >= 1e5)) return printf_string("%.2e", v);
  return printf_string("%.4g", v);
}

}  // namespace

std::string format_progress(const Progress& p, int bar_width) {
  // Built by appending words: GCC 12 warns falsely (-Wrestrict) on chains of "literal" + string.
  std::string line = p.task;
  auto word = [&line](const std::string& w) {
    line += ' ';
    line += w;
  };
  if (bar_width > 0) {
    const double fraction = p.total > 0 ? std::clamp(double(p.done) / double(p.total), 0.0, 1.0) : 0.0;
    const int filled = int(fraction * bar_width);
    std::string bar(1, '[');
    bar.append(filled, '#').append(bar_width - filled, '.').push_back(']');
    word(bar);
  }
  word(std::to_string(p.done) + "/" + std::to_string(p.total));
  if (!p.unit.empty()) word(p.unit);
  word(printf_string("%.3g", p.rate));
  word((p.unit.empty() ? std::string("units") : p.unit) + "/s");
  if (p.done >= p.total) {
    word("in");
    word(format_duration(p.elapsed));
  } else {
    word("ETA");
    word(p.eta < 0 ? std::string("?") : format_duration(p.eta));
  }
  for (const auto& [name, value] : p.values) {
    word(name);
    word(format_value(value));
  }
  return line;
}

ProgressBar::ProgressBar(std::FILE* out, double min_interval, Style style)
    : out_(out), min_interval_(min_interval),
      terminal_(style == Style::terminal || (style == Style::automatic && isatty(fileno(out)))) {}

void ProgressBar::progress(const Progress& p) {
  std::lock_guard lock(mutex_);
  const bool last = p.done >= p.total;
  // Terminal redraws are cheap for the reader but not free for a fast loop: a tenth of the
  // plain interval keeps the line live without writing thousands of times a second.
  const double interval = terminal_ ? min_interval_ / 10 : min_interval_;
  const auto shown = last_shown_.find(p.task);
  if (!last && shown != last_shown_.end() && p.elapsed - shown->second < interval) return;
  if (last)
    last_shown_.erase(p.task);  // the same task name run again starts afresh
  else
    last_shown_[p.task] = p.elapsed;

  if (terminal_) {
    if (!open_task_.empty() && open_task_ != p.task) std::fputc('\n', out_);
    // "\033[K" clears what a longer previous line left to the right.
    std::fprintf(out_, "\r%s\033[K", format_progress(p, 24).c_str());
    if (last) std::fputc('\n', out_);
    open_task_ = last ? std::string() : p.task;
  } else {
    std::fprintf(out_, "%s\n", format_progress(p, 0).c_str());
  }
  std::fflush(out_);
}

void ProgressBar::note(const std::string& text) {
  std::lock_guard lock(mutex_);
  if (terminal_ && !open_task_.empty()) std::fputc('\n', out_);
  open_task_.clear();
  std::fprintf(out_, "%s\n", text.c_str());
  std::fflush(out_);
}

}  // namespace phasis::exec
