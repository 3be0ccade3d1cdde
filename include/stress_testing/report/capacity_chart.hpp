#ifndef STRESS_TESTING_REPORT_CAPACITY_CHART_HPP
#define STRESS_TESTING_REPORT_CAPACITY_CHART_HPP

/** The latency–throughput chart of a capacity search, drawn from capacity.json itself
    (report/capacity_json.hpp) so the chart shows exactly the document's figures: its `curve`
    (p50 and p99 of response time, with their confidence intervals, against the achieved rate of
    each offered rate, run/capacity.hpp `latency_curve`), its `knee` and its `summary`.
    - `capacity_chart_svg(doc)`: an SVG drawing (stress-run writes it inside capacity.html);
    - `capacity_html(doc)`: a self-contained page: the summary line, the chart, one row per point.
    docs/capacity.md describes both. Files layer: std and nlohmann only. */

#include <stress_testing/report/junit.hpp>  // detail::xml_escape

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace stress_testing::report {

/** One axis of the chart: `lo`..`hi` in data units onto `from`..`to` in pixels, linear or log10.
    `ticks()` are round values inside the range (1-2-5 steps; the decades and their 2 and 5 on a
    log axis). */
struct chart_axis {
  double lo = 0, hi = 1;
  double from = 0, to = 1;
  bool log = false;

  double pixel(double v) const {
    double const a = log ? std::log10(lo) : lo;
    double const b = log ? std::log10(hi) : hi;
    double const x = log ? std::log10(std::max(v, lo)) : v;
    return from + (x - a) / (b - a) * (to - from);
  }

  std::vector<double> ticks() const {
    std::vector<double> out;
    if (log) {
      for (double d = std::pow(10.0, std::floor(std::log10(lo))); d <= hi * (1 + 1e-9); d *= 10)
        for (double m : {1.0, 2.0, 5.0})
          if (m * d >= lo * (1 - 1e-9) && m * d <= hi * (1 + 1e-9)) out.push_back(m * d);
      return out;
    }
    double const step = nice_step((hi - lo) / 5);
    for (double v = std::ceil(lo / step) * step; v <= hi * (1 + 1e-9); v += step) out.push_back(v);
    return out;
  }

  /// The smallest of 1, 2, 2.5, 5 × 10^k at or above `v` (> 0).
  static double nice_step(double v) {
    double const d = std::pow(10.0, std::floor(std::log10(v)));
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
      if (m * d >= v * (1 - 1e-9)) return m * d;
    return 10 * d;
  }
};

namespace detail {

inline std::string num(double v, const char* format = "%.1f") {
  char b[64];
  std::snprintf(b, sizeof b, format, v);
  return b;
}

/// A number of the curve, or nothing when it is null (a bound the samples cannot give).
inline std::optional<double> number_at(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return std::nullopt;
  return j[key].get<double>();
}

/// A tick label: whole numbers as they are (4000), others to three significant digits (0.25).
inline std::string tick_label(double v) {
  char b[32];
  std::snprintf(b, sizeof b, v == std::round(v) && std::abs(v) < 1e15 ? "%.0f" : "%.3g", v);
  return b;
}

}  // namespace detail

/** The chart's axes for a capacity document: x the achieved rate (requests/s) from 0 to a round
    value above the highest achieved rate; y the response time (ms) on a log scale from the decade
    at or below the lowest p50 (or its lower bound) to the decade at or above the highest p99 (or
    its upper bound). Empty when the curve has no point with a latency. */
inline std::optional<std::pair<chart_axis, chart_axis>> capacity_chart_axes(const nlohmann::json& doc, double width,
                                                                             double height) {
  double x_max = 0, y_min = 0, y_max = 0;
  bool any = false;
  if (!doc.contains("curve") || !doc["curve"].is_array()) return std::nullopt;
  for (auto const& c : doc["curve"]) {
    x_max = std::max(x_max, detail::number_at(c, "achieved_rps").value_or(0));
    for (const char* p : {"p50_ms", "p99_ms"}) {
      if (!c.contains(p)) continue;
      for (const char* k : {"value", "lower", "upper"}) {
        auto const v = detail::number_at(c[p], k);
        if (!v || !(*v > 0)) continue;
        y_min = any ? std::min(y_min, *v) : *v;
        y_max = any ? std::max(y_max, *v) : *v;
        any = true;
      }
    }
  }
  if (!any || !(x_max > 0)) return std::nullopt;
  chart_axis x{0, chart_axis::nice_step(x_max / 5) * std::ceil(x_max / chart_axis::nice_step(x_max / 5)), 64,
               width - 16, false};
  if (x.hi <= x_max) x.hi += chart_axis::nice_step(x_max / 5);  // room right of the last point
  double lo = std::pow(10.0, std::floor(std::log10(y_min)));
  double hi = std::pow(10.0, std::ceil(std::log10(y_max)));
  if (!(hi > lo)) hi = lo * 10;
  chart_axis y{lo, hi, height - 44, 24, true};
  return std::pair{x, y};
}

/** The SVG chart of `doc` (a capacity.json document): p50 and p99 against the achieved rate, a
    vertical bar for each point's confidence interval, filled markers for rates that passed and
    hollow ones for the others, the knee ringed and labelled. Each marker carries `data-rate` (the
    offered rate) and its class (`p50`, `p99`). Without a point to draw, a short note instead. */
inline std::string capacity_chart_svg(const nlohmann::json& doc, double width = 720, double height = 400) {
  using detail::num;
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"capacity-chart\" width=\"" + num(width, "%.0f") +
                  "\" height=\"" + num(height, "%.0f") + "\" viewBox=\"0 0 " + num(width, "%.0f") + " " +
                  num(height, "%.0f") + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  auto const axes = capacity_chart_axes(doc, width, height);
  if (!axes) return s + "<text x=\"16\" y=\"32\">no step measured a response time: nothing to draw</text>\n</svg>\n";
  auto const& [x, y] = *axes;
  // Grid, ticks and axis titles.
  for (double t : x.ticks())
    s += "<line x1=\"" + num(x.pixel(t)) + "\" y1=\"" + num(y.from) + "\" x2=\"" + num(x.pixel(t)) + "\" y2=\"" +
         num(y.to) + "\" stroke=\"#ddd\"/><text x=\"" + num(x.pixel(t)) + "\" y=\"" + num(y.from + 16) +
         "\" text-anchor=\"middle\">" + detail::tick_label(t) + "</text>\n";
  for (double t : y.ticks())
    s += "<line x1=\"" + num(x.from) + "\" y1=\"" + num(y.pixel(t)) + "\" x2=\"" + num(x.to) + "\" y2=\"" +
         num(y.pixel(t)) + "\" stroke=\"#ddd\"/><text x=\"" + num(x.from - 6) + "\" y=\"" + num(y.pixel(t) + 4) +
         "\" text-anchor=\"end\">" + detail::tick_label(t) + "</text>\n";
  s += "<text x=\"" + num((x.from + x.to) / 2) + "\" y=\"" + num(height - 8) +
       "\" text-anchor=\"middle\">achieved rate (requests/s)</text>\n";
  s += "<text transform=\"translate(14 " + num((y.from + y.to) / 2) +
       ") rotate(-90)\" text-anchor=\"middle\">response time (ms, log scale)</text>\n";

  struct series {
    const char* key;
    const char* css;
    const char* colour;
  };
  for (auto const& [key, css, colour] : {series{"p50_ms", "p50", "#1f77b4"}, series{"p99_ms", "p99", "#d62728"}}) {
    std::string line;
    std::string marks;
    for (auto const& c : doc["curve"]) {
      auto const rate = detail::number_at(c, "achieved_rps");
      auto const v = c.contains(key) ? detail::number_at(c[key], "value") : std::nullopt;
      if (!rate || !v || !(*v > 0)) continue;
      double const px = x.pixel(*rate), py = y.pixel(*v);
      line += (line.empty() ? "" : " ") + num(px) + "," + num(py);
      auto const lower = detail::number_at(c[key], "lower");
      auto const upper = detail::number_at(c[key], "upper");
      // The interval; an open side (no bound) runs to the plot's edge, dashed.
      double const top = upper ? y.pixel(*upper) : y.to;
      double const bottom = lower && *lower > 0 ? y.pixel(*lower) : y.from;
      marks += "<line x1=\"" + num(px) + "\" y1=\"" + num(bottom) + "\" x2=\"" + num(px) + "\" y2=\"" + num(top) +
               "\" stroke=\"" + colour + "\"" + (upper && lower ? "" : " stroke-dasharray=\"3 3\"") + "/>";
      bool const passed = c.value("verdict", std::string()) == "pass";
      marks += "<circle class=\"" + std::string(css) + "\" data-rate=\"" + num(detail::number_at(c, "rate").value_or(0)) +
               "\" cx=\"" + num(px) + "\" cy=\"" + num(py) + "\" r=\"4\" stroke=\"" + colour + "\" fill=\"" +
               (passed ? colour : "white") + "\"/>\n";
    }
    s += "<polyline class=\"" + std::string(css) + "\" fill=\"none\" stroke=\"" + colour + "\" points=\"" + line +
         "\"/>\n" + marks;
  }
  if (doc.contains("knee") && doc["knee"].is_object()) {
    auto const& k = doc["knee"];
    auto const rate = detail::number_at(k, "achieved_rps");
    auto const ms = detail::number_at(k, "latency_ms");
    if (rate && ms && *ms > 0) {
      double const px = x.pixel(*rate), py = y.pixel(*ms);
      s += "<line class=\"knee\" x1=\"" + num(px) + "\" y1=\"" + num(y.from) + "\" x2=\"" + num(px) + "\" y2=\"" +
           num(y.to) + "\" stroke=\"#555\" stroke-dasharray=\"6 4\"/><circle class=\"knee\" cx=\"" + num(px) +
           "\" cy=\"" + num(py) + "\" r=\"9\" fill=\"none\" stroke=\"#555\" stroke-width=\"2\"/>" +
           // Left of the line, at the foot of the plot: the knee is near the right edge and the
           // steep part of the curve is above it.
           "<text x=\"" + num(px - 6) + "\" y=\"" + num(y.from - 6) + "\" text-anchor=\"end\">knee: " +
           num(detail::number_at(k, "rate").value_or(0)) + "/s offered</text>\n";
    }
  }
  // Legend, above the plot.
  s += "<g transform=\"translate(" + num(x.from + 8) + " " + num(y.to - 12) + ")\">"
       "<circle cx=\"0\" cy=\"0\" r=\"4\" fill=\"#1f77b4\"/><text x=\"8\" y=\"4\">p50</text>"
       "<circle cx=\"44\" cy=\"0\" r=\"4\" fill=\"#d62728\"/><text x=\"52\" y=\"4\">p99</text>"
       "<text x=\"88\" y=\"4\">filled: passed every SLO; bars: confidence intervals</text></g>\n";
  return s + "</svg>\n";
}

/// capacity.html: the summary line, the chart and one table row per point of the curve.
inline std::string capacity_html(const nlohmann::json& doc) {
  using detail::num;
  using report::detail::xml_escape;
  std::string const summary = doc.value("summary", std::string());
  std::string s =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Capacity search</title>\n"
      "<style>body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}"
      "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}</style></head><body>\n"
      "<h1>Capacity search</h1>\n<p class=\"summary\">" +
      xml_escape(summary) + "</p>\n" + capacity_chart_svg(doc) +
      "<table><tr><th>offered /s</th><th>achieved /s</th><th>p50 ms</th><th>p99 ms</th><th>p99 interval ms</th>"
      "<th>verdict</th></tr>\n";
  auto cell = [](const nlohmann::json& c, const char* key, const char* field) {
    auto const v = c.contains(key) ? detail::number_at(c[key], field) : std::nullopt;
    return v ? num(*v, "%.3f") : std::string("–");
  };
  if (doc.contains("curve") && doc["curve"].is_array())
    for (auto const& c : doc["curve"])
      s += "<tr><td>" + num(detail::number_at(c, "rate").value_or(0)) + "</td><td>" +
           num(detail::number_at(c, "achieved_rps").value_or(0)) + "</td><td>" + cell(c, "p50_ms", "value") +
           "</td><td>" + cell(c, "p99_ms", "value") + "</td><td>" + cell(c, "p99_ms", "lower") + " – " +
           cell(c, "p99_ms", "upper") + "</td><td>" + xml_escape(c.value("verdict", std::string())) + "</td></tr>\n";
  return s + "</table>\n<p>The figures are capacity.json's (docs/capacity.md).</p>\n</body></html>\n";
}

}  // namespace stress_testing::report

#endif
