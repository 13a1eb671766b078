// The profile picture: the two views of Dask's profiler (task stream and resource use), drawn into
// one PNG without a browser. Top panel: one row per worker, one filled bar per span from its start
// to its end, coloured by the span's name, with a background column at each bar's right end so
// back-to-back chunks stay apart. Bottom panel, on the same time axis: CPU percent and resident
// memory and, per GPU, used memory and utilisation, each curve scaled to its own maximum (the
// legend on the left gives each maximum). Times are seconds from the earliest span or sample start.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "phasis/exec/events.hpp"     // for Span
#include "phasis/exec/resources.hpp"  // for ResourceSample

namespace phasis::monitor {

/// Where write_profile_png puts things: what a test or a viewer needs to find a span's bar.
struct ProfileLayout {
  int64_t width = 0, height = 0;
  int64_t plot_left = 0, plot_width = 0;              // the time axis's columns [plot_left, plot_left + plot_width)
  double t0 = 0, t1 = 1;                              // the times (now_seconds()'s clock) at the axis's two ends
  std::vector<int> workers;                           // one row per worker, top to bottom (ascending)
  int64_t rows_top = 0, row_height = 0, row_gap = 0;  // row k: [rows_top + k * (height + gap), + height)
  int64_t resources_top = 0, resources_height = 0;    // the bottom panel's rows

  /// The column of time t.
  int64_t x(double t) const;
  /// The first pixel row of worker `worker`'s row; -1 when it has none.
  int64_t row_top(int worker) const;
};

/// The layout of a picture of these spans, worker names and samples.
ProfileLayout profile_layout(const std::vector<exec::Span>& spans, const std::map<int, std::string>& worker_names,
                             const std::vector<exec::ResourceSample>& samples);

/// The colour of the bars of spans named `name`: the span names sorted, the k-th takes entry
/// k modulo the palette's size (ten colours), so a name keeps its colour between pictures of one run.
std::array<uint8_t, 3> span_colour(const std::vector<exec::Span>& spans, const std::string& name);

/// Draws the picture and writes it as an RGB PNG through a temporary name and a rename;
/// InputError when the file cannot be written. Rows are named from `worker_names` ("worker N" for
/// the others); samples' times are their `clock`.
void write_profile_png(const std::string& path, const std::vector<exec::Span>& spans,
                       const std::map<int, std::string>& worker_names,
                       const std::vector<exec::ResourceSample>& samples);

}  // namespace phasis::monitor
