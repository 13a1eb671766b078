// The end-of-run HTML report (report.hpp): plain HTML and CSS, every picture inside the file.
#include "phasis/monitor/report.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "phasis/core/error.hpp"
#include "phasis/io/atomic_output.hpp"

namespace phasis::monitor {

namespace {

std::string escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}

/// A JSON value as table text: strings bare, the rest as JSON.
std::string cell(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace

std::string base64(const std::vector<uint8_t>& bytes) {
  static const char* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const uint32_t b0 = bytes[i], b1 = i + 1 < bytes.size() ? bytes[i + 1] : 0, b2 = i + 2 < bytes.size() ? bytes[i + 2] : 0;
    const uint32_t v = b0 << 16 | b1 << 8 | b2;
    out += digits[v >> 18 & 63];
    out += digits[v >> 12 & 63];
    out += i + 1 < bytes.size() ? digits[v >> 6 & 63] : '=';
    out += i + 2 < bytes.size() ? digits[v & 63] : '=';
  }
  return out;
}

std::string svg_curve(const ReportCurve& c, int width, int height) {
  const int left = 64, bottom = 28, top = 10, right = 12;
  std::vector<std::pair<size_t, double>> pts;
  bool positive = true;
  for (size_t i = 0; i < c.values.size(); ++i)
    if (std::isfinite(c.values[i])) pts.emplace_back(i, c.values[i]), positive = positive && c.values[i] > 0;
  std::ostringstream s;
  s << "<svg class=\"curve\" id=\"curve-" << escape(c.name) << "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width
    << "\" height=\"" << height << "\" data-points=\"" << c.values.size() << "\">";
  if (!pts.empty()) {
    auto y_of = [positive](double v) { return positive ? std::log10(v) : v; };
    double lo = y_of(pts[0].second), hi = lo;
    for (const auto& p : pts) lo = std::min(lo, y_of(p.second)), hi = std::max(hi, y_of(p.second));
    const double span = hi > lo ? hi - lo : 1, n = double(std::max<size_t>(c.values.size() - 1, 1));
    auto X = [&](double i) { return left + (width - left - right) * i / n; };
    auto Y = [&](double v) { return top + (height - bottom - top) * (hi - y_of(v)) / span; };
    s << "<line x1=\"" << left << "\" y1=\"" << top << "\" x2=\"" << left << "\" y2=\"" << height - bottom
      << "\" stroke=\"#888\"/><line x1=\"" << left << "\" y1=\"" << height - bottom << "\" x2=\"" << width - right
      << "\" y2=\"" << height - bottom << "\" stroke=\"#888\"/>";
    const double vhi = positive ? std::pow(10, hi) : hi, vlo = positive ? std::pow(10, lo) : lo;
    s << "<text x=\"4\" y=\"" << top + 10 << "\" font-size=\"11\">" << num(vhi) << "</text>"
      << "<text x=\"4\" y=\"" << height - bottom << "\" font-size=\"11\">" << num(vlo) << "</text>"
      << "<text x=\"" << left << "\" y=\"" << height - 8 << "\" font-size=\"11\">1</text>"
      << "<text x=\"" << width / 2 - 30 << "\" y=\"" << height - 8 << "\" font-size=\"11\">" << escape(c.xlabel)
      << (positive ? " (log scale)" : "") << "</text>"
      << "<text x=\"" << width - right - 40 << "\" y=\"" << height - 8 << "\" font-size=\"11\">" << c.values.size() << "</text>";
    // At most ~2,000 vertices: a long run's curve stays a small file.
    const size_t step = std::max<size_t>(1, pts.size() / 2000);
    s << "<polyline fill=\"none\" stroke=\"#1f6fd0\" stroke-width=\"1.5\" points=\"";
    char b[48];
    for (size_t k = 0; k < pts.size(); k += step) {
      std::snprintf(b, sizeof b, "%.1f,%.1f ", X(double(pts[k].first)), Y(pts[k].second));
      s << b;
    }
    std::snprintf(b, sizeof b, "%.1f,%.1f", X(double(pts.back().first)), Y(pts.back().second));
    s << b << "\"/>";
  }
  s << "</svg>";
  return s.str();
}

std::string html_report(const Report& r) {
  std::ostringstream s;
  s << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" << escape(r.title) << "</title>\n"
    << "<style>body{font-family:system-ui,sans-serif;max-width:1200px;margin:1em auto;padding:0 1em;color:#222}"
       "h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.5em;border-bottom:1px solid #ccc}"
       "table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ddd;padding:.2em .6em;text-align:left}"
       ".pictures{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0}figcaption{font-size:.85em;color:#555}"
       "figure img{display:block;max-width:560px;image-rendering:pixelated;border:1px solid #ccc}"
       ".curve{background:#fafafa;border:1px solid #ddd}</style></head><body>\n"
    << "<h1>" << escape(r.title) << "</h1>\n";
  if (!r.summary.empty()) {
    s << "<table id=\"summary\">";
    for (const auto& [k, v] : r.summary) s << "<tr><th>" << escape(k) << "</th><td>" << escape(v) << "</td></tr>";
    s << "</table>\n";
  }
  if (!r.pictures.empty()) {
    s << "<h2>Pictures</h2><div class=\"pictures\">";
    for (const Picture& p : r.pictures)
      s << "<figure id=\"picture-" << escape(p.name) << "\"><figcaption>" << escape(p.title) << " (" << p.w << " x " << p.h
        << ")</figcaption><img alt=\"" << escape(p.title) << "\" src=\"data:image/png;base64," << base64(p.png)
        << "\"></figure>";
    s << "</div>\n";
  }
  if (!r.curves.empty()) {
    s << "<h2>Curves</h2>";
    for (const ReportCurve& c : r.curves) s << "<figure><figcaption>" << escape(c.name) << "</figcaption>" << svg_curve(c) << "</figure>";
    s << "\n";
  }
  if (!r.timings.empty()) {
    s << "<h2>Timings</h2><table id=\"timings\">";
    for (const auto& [k, v] : r.timings) s << "<tr><th>" << escape(k) << "</th><td>" << num(v) << " s</td></tr>";
    s << "</table>\n";
  }
  if (!r.parameters_json.empty()) {
    s << "<h2>Parameters</h2><table id=\"parameters\">";
    const nlohmann::json params = nlohmann::json::parse(r.parameters_json);
    for (auto it = params.begin(); it != params.end(); ++it)
      s << "<tr><th>" << escape(it.key()) << "</th><td>" << escape(cell(it.value())) << "</td></tr>";
    s << "</table>\n";
  }
  if (!r.notes.empty()) {
    s << "<h2>Notes</h2><ul>";
    for (const std::string& n : r.notes) s << "<li>" << escape(n) << "</li>";
    s << "</ul>\n";
  }
  s << "<p style=\"color:#888;font-size:.8em\">Written by phasis at the end of the run; everything is in this file.</p>\n"
    << "</body></html>\n";
  return s.str();
}

void write_html_report(const std::string& path, const Report& r) {
  const std::string text = html_report(r);
  AtomicOutput out(path);
  {
    std::ofstream f(out.temp_path(), std::ios::binary);
    f << text;
    f.close();
    if (!f) throw InputError("cannot write '" + path + "': the report could not be written");
  }
  out.commit();
}

}  // namespace phasis::monitor
