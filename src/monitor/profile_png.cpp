// The profile picture (see profile_png.hpp): a layout computed once, then drawn on a Canvas.
#include "phasis/monitor/profile_png.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <set>

#include "monitor/canvas.hpp"

namespace phasis::monitor {

namespace {

constexpr int64_t kWidth = 1000, kLabelColumn = 120, kRightMargin = 16, kTopMargin = 10;
constexpr int64_t kRowHeight = 14, kRowGap = 6, kLegendLine = 11, kMinResourcesHeight = 140;
constexpr size_t kLabelChars = 18;  // what fits the label column

constexpr Rgb kBackground{255, 255, 255}, kRowBand{240, 240, 240}, kAxis{60, 60, 60}, kGrid{225, 225, 225};
// Ten colours that stay apart on white (matplotlib's "tab10" list of values).
constexpr Rgb kPalette[10] = {{31, 119, 180}, {255, 127, 14},  {44, 160, 44},   {214, 39, 40},  {148, 103, 189},
                              {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};

/// A curve of the bottom panel: its legend name, colour and value per sample (< 0: unknown).
struct Curve {
  std::string name;
  Rgb colour;
  std::function<double(const exec::ResourceSample&)> value;
  bool bytes;  // the legend shows the maximum as a memory size, else as a percentage
};

std::string format_maximum(double v, bool bytes) {
  char text[32];
  if (!bytes)
    std::snprintf(text, sizeof text, "%.0f%%", v);
  else if (v >= 1e9)
    std::snprintf(text, sizeof text, "%.2fGB", v / 1e9);
  else if (v >= 1e6)
    std::snprintf(text, sizeof text, "%.1fMB", v / 1e6);
  else
    std::snprintf(text, sizeof text, "%.0fKB", v / 1e3);
  return text;
}

std::string format_seconds(double s, double range) {
  char text[32];
  std::snprintf(text, sizeof text, range < 10 ? "%.2f s" : "%.1f s", s);
  return text;
}

std::vector<Curve> curves_of(const std::vector<exec::ResourceSample>& samples) {
  std::vector<Curve> out = {
      {"CPU", {31, 119, 180}, [](const exec::ResourceSample& s) { return s.cpu_percent; }, false},
      {"RSS", {255, 127, 14}, [](const exec::ResourceSample& s) { return double(s.rss_bytes); }, true}};
  size_t gpus = 0;
  for (const auto& s : samples) gpus = std::max(gpus, s.gpus.size());
  for (size_t g = 0; g < gpus; ++g) {
    const std::string n = "GPU" + std::to_string(g);
    auto gpu = [g](const exec::ResourceSample& s) { return g < s.gpus.size() ? s.gpus[g] : exec::GpuSample{}; };
    out.push_back({n + " MEM", kPalette[(2 + 2 * g) % 10],
                   [gpu](const exec::ResourceSample& s) { return double(gpu(s).memory_bytes); }, true});
    out.push_back({n + " UTIL", kPalette[(3 + 2 * g) % 10],
                   [gpu](const exec::ResourceSample& s) { return gpu(s).utilization_percent; }, false});
  }
  return out;
}

}  // namespace

int64_t ProfileLayout::x(double t) const {
  const double f = std::clamp((t - t0) / (t1 - t0), 0.0, 1.0);
  return plot_left + int64_t(std::lround(f * double(plot_width - 1)));
}

int64_t ProfileLayout::row_top(int worker) const {
  const auto it = std::find(workers.begin(), workers.end(), worker);
  if (it == workers.end()) return -1;
  return rows_top + int64_t(it - workers.begin()) * (row_height + row_gap);
}

ProfileLayout profile_layout(const std::vector<exec::Span>& spans, const std::map<int, std::string>& worker_names,
                             const std::vector<exec::ResourceSample>& samples) {
  ProfileLayout l;
  l.width = kWidth;
  l.plot_left = kLabelColumn;
  l.plot_width = kWidth - kLabelColumn - kRightMargin;
  std::set<int> workers;
  for (const auto& s : spans) workers.insert(s.worker);
  for (const auto& [w, name] : worker_names) workers.insert(w);
  l.workers.assign(workers.begin(), workers.end());
  double t0 = INFINITY, t1 = -INFINITY;
  for (const auto& s : spans) t0 = std::min(t0, s.start), t1 = std::max(t1, s.end);
  for (const auto& s : samples) t0 = std::min(t0, s.clock - s.seconds), t1 = std::max(t1, s.clock);
  if (!std::isfinite(t0)) t0 = 0, t1 = 1;
  if (!(t1 > t0)) t1 = t0 + 1e-3;  // one instant: any width draws it
  l.t0 = t0, l.t1 = t1;
  l.rows_top = kTopMargin, l.row_height = kRowHeight, l.row_gap = kRowGap;
  const int64_t rows_end = l.rows_top + int64_t(l.workers.size()) * (kRowHeight + kRowGap);
  l.resources_top = rows_end + 12;
  const int64_t legend = int64_t(curves_of(samples).size()) * kLegendLine + 4;
  l.resources_height = std::max(kMinResourcesHeight, legend);
  // Below the bottom panel: its axis line, tick marks and the time labels; then the span names'
  // legend when there are spans.
  l.height =
      l.resources_top + l.resources_height + 6 + Canvas::text_height() + 8 + (spans.empty() ? 0 : kLegendLine + 4);
  return l;
}

namespace {

/// Each span name's colour: the names sorted, the k-th takes palette entry k mod 10.
std::map<std::string, Rgb> colours_of(const std::vector<exec::Span>& spans) {
  std::map<std::string, Rgb> colours;
  for (const auto& s : spans) colours[s.name];
  size_t k = 0;
  for (auto& [name, colour] : colours) colour = kPalette[k++ % 10];
  return colours;
}

}  // namespace

std::array<uint8_t, 3> span_colour(const std::vector<exec::Span>& spans, const std::string& name) {
  std::vector<exec::Span> with = spans;
  with.push_back({name, "", 0, -1, 0, 0});  // a name no span has still gets its place in the order
  const Rgb c = colours_of(with).at(name);
  return {c.r, c.g, c.b};
}

void write_profile_png(const std::string& path, const std::vector<exec::Span>& spans,
                       const std::map<int, std::string>& worker_names,
                       const std::vector<exec::ResourceSample>& samples) {
  const ProfileLayout l = profile_layout(spans, worker_names, samples);
  const std::map<std::string, Rgb> colours = colours_of(spans);
  Canvas c(l.height, l.width, kBackground);
  const int64_t right = l.plot_left + l.plot_width;

  // Top panel: a light band per worker, its name on the left, its spans as bars.
  for (int w : l.workers) {
    const int64_t top = l.row_top(w);
    c.rect(top, l.plot_left, top + l.row_height, right, kRowBand);
    const auto named = worker_names.find(w);
    std::string label = named != worker_names.end() ? named->second : "worker " + std::to_string(w);
    if (label.size() > kLabelChars) label.resize(kLabelChars);
    c.text(top + (l.row_height - Canvas::text_height()) / 2, 4, label, kAxis);
  }
  for (const auto& s : spans) {
    const int64_t top = l.row_top(s.worker), x0 = l.x(s.start), x1 = l.x(s.end);
    // The bar's last column stays empty, so a span that starts where this one ends shows apart.
    const int64_t end = x1 - x0 >= 3 ? x1 - 1 : x0 + 1;
    c.rect(top, x0, top + l.row_height, end, colours.at(s.name));
  }
  if (!l.workers.empty())
    c.line(l.rows_top + l.row_height * int64_t(l.workers.size()) + l.row_gap * int64_t(l.workers.size() - 1),
           l.plot_left - 2, l.rows_top, l.plot_left - 2, kAxis);

  // Bottom panel: the grid and ticks at fifths of the axis, the curves, the axes, the legend.
  const int64_t top = l.resources_top, bottom = l.resources_top + l.resources_height - 1;
  const double range = l.t1 - l.t0;
  for (int k = 0; k <= 4; ++k) {
    const double t = l.t0 + range * k / 4;
    const int64_t x = l.x(t);
    c.line(top, x, bottom, x, kGrid);
    c.line(bottom + 4, x, bottom + 1, x, kAxis);
    const std::string label = format_seconds(t - l.t0, range);
    const int64_t w = Canvas::text_width(label);
    const int64_t at = std::clamp(x - w / 2, l.plot_left - 2, right - w);
    c.text(bottom + 7, at, label, kAxis);
  }
  const std::vector<Curve> curves = curves_of(samples);
  for (size_t k = 0; k < curves.size(); ++k) {
    const Curve& curve = curves[k];
    double peak = 0;
    for (const auto& s : samples) peak = std::max(peak, curve.value(s));
    std::vector<std::pair<int64_t, int64_t>> points;
    for (const auto& s : samples) {
      const double v = curve.value(s);
      if (!(v >= 0)) continue;  // unknown at that moment: the curve joins its neighbours
      const double f = peak > 0 ? v / peak : 0;
      points.emplace_back(bottom - int64_t(std::lround(f * double(l.resources_height - 4))), l.x(s.clock));
    }
    c.polyline(points, curve.colour, 2);
    c.text(top + 2 + int64_t(k) * kLegendLine, 4, curve.name + " " + format_maximum(peak, curve.bytes), curve.colour);
  }
  c.line(top, l.plot_left - 2, bottom + 1, l.plot_left - 2, kAxis);
  c.line(bottom + 1, l.plot_left - 2, bottom + 1, right, kAxis);

  // The span names' legend: a square of each name's colour before the name, in palette order.
  int64_t x = l.plot_left;
  const int64_t y = bottom + 7 + Canvas::text_height() + 8;
  for (const auto& [name, colour] : colours) {
    if (x + 10 + Canvas::text_width(name) > right) break;  // no room for more: the trace has them all
    c.rect(y, x, y + Canvas::text_height(), x + 7, colour);
    c.text(y, x + 10, name, kAxis);
    x += 10 + Canvas::text_width(name) + 16;
  }
  c.write_png(path);
}

}  // namespace phasis::monitor
