// The end-of-run HTML report: one self-contained file beside a run's output (pictures as base64
// PNG, curves as inline SVG, no script, nothing fetched), the page a user mails to a colleague.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "phasis/monitor/render.hpp"  // for Picture

namespace phasis::monitor {

/// A value per step (the error per iteration), drawn on a log scale when every value is > 0.
struct ReportCurve {
  std::string name;   // "error"
  std::string xlabel; // "iteration"
  std::vector<double> values;
};

struct Report {
  std::string title;                                          // "phasis ptycho reconstruct"
  std::vector<std::pair<std::string, std::string>> summary;   // input, output, final error, ...
  std::vector<Picture> pictures;
  std::vector<ReportCurve> curves;
  std::string parameters_json;                                // every parameter: a JSON object (may be empty)
  std::vector<std::pair<std::string, double>> timings;        // what took how many seconds
  std::vector<std::string> notes;
};

/// The report's HTML document.
std::string html_report(const Report& r);
/// Writes html_report(r) to `path` through a temporary name and a rename (InputError on failure).
void write_html_report(const std::string& path, const Report& r);

/// Base64 (RFC 4648, with padding) of `bytes`: pictures inside the document.
std::string base64(const std::vector<uint8_t>& bytes);
/// One curve as an inline SVG element of `width` x `height` pixels.
std::string svg_curve(const ReportCurve& c, int width = 640, int height = 240);

}  // namespace phasis::monitor
