#ifndef STRESS_TESTING_REPORT_COMPARE_HPP
#define STRESS_TESTING_REPORT_COMPARE_HPP

/** Regression check between two results documents (base vs new): a documented set of metrics,
    each with the direction that is better and a threshold (relative change plus an absolute
    floor, so noise on tiny numbers does not flag), and the criteria whose verdict changed.
    Pure layer: std and nlohmann_json. Defaults and exit codes are in docs/exporters.md. */

#include <stress_testing/criteria.hpp>
#include <stress_testing/metrics/metric_names.hpp>
#include <stress_testing/report/schema.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace stress_testing::report {

/// Which way a metric improves.
enum class better { lower, higher };

/** How much worse a metric may get before it is a regression: the change in the bad direction
    must exceed **both** `relative` x |base| and `absolute` (in the metric's unit). */
struct compare_threshold {
  double relative = 0;  ///< fraction of the base value: 0.10 is 10%
  double absolute = 0;  ///< in the metric's unit (ms, ratio, 1/s, ...)

  friend bool operator==(const compare_threshold&, const compare_threshold&) = default;
};

/// One compared metric: a key of the results document's `metrics` object.
struct compare_rule {
  std::string metric;
  better direction = better::lower;
  compare_threshold threshold;
};

/** The default rules: response time p50/p95/p99 (+10% and +1 ms), error_rate and timeout_rate
    (+10% and +0.001), throughput_tps (-5% and -1/s), p99_service_time_ms (+10% and +1 ms),
    p99_send_lag_ms (+25% and +1 ms), max_degradation_level (any level up), max_recovery_seconds
    (+20% and +0.5 s). */
inline std::vector<compare_rule> default_compare_rules() {
  return {
      {"p50_response_time_ms", better::lower, {0.10, 1.0}},
      {"p95_response_time_ms", better::lower, {0.10, 1.0}},
      {"p99_response_time_ms", better::lower, {0.10, 1.0}},
      {"error_rate", better::lower, {0.10, 0.001}},
      {"timeout_rate", better::lower, {0.10, 0.001}},
      {"throughput_tps", better::higher, {0.05, 1.0}},
      {"p99_service_time_ms", better::lower, {0.10, 1.0}},
      {"p99_send_lag_ms", better::lower, {0.25, 1.0}},
      {"max_degradation_level", better::lower, {0.0, 0.5}},
      {"max_recovery_seconds", better::lower, {0.20, 0.5}},
  };
}

/// The direction of a metric not among the defaults: higher is better for rates of success and
/// value, lower for everything else (latencies, errors, drops).
inline better default_direction(std::string_view metric) noexcept {
  for (std::string_view m : {"throughput_tps", "requests_successful", "success_rate", "fraud_prevented_amount"})
    if (m == metric) return better::higher;
  return better::lower;
}

/// The threshold as text: `+10% and +1` (for higher-is-better metrics `-5% and -1`).
inline std::string to_string(const compare_rule& r) {
  auto num = [](double v) {
    std::array<char, 32> buf{};
    auto const res = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    return std::string(buf.data(), res.ptr);
  };
  char const sign = r.direction == better::lower ? '+' : '-';
  std::string s;
  if (r.threshold.relative > 0) s += sign + num(r.threshold.relative * 100) + "%";
  if (r.threshold.absolute > 0) {
    if (!s.empty()) s += " and ";
    s += sign + num(r.threshold.absolute);
  }
  return s.empty() ? std::string("any change") : s;
}

/** Applies one override `metric=+10%`, `metric=+5` or `metric=+10%,+1` to `rules`: the text
    replaces the metric's whole threshold (a part not given is 0). The sign is optional and
    ignored: the direction is the metric's. A metric of `metrics::metric_table` not among the
    rules is added with `default_direction`. On failure returns false and sets `error`. */
inline bool apply_threshold_override(std::vector<compare_rule>& rules, std::string_view text, std::string& error) {
  auto const eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    error = "\"" + std::string(text) + "\": expected metric=+10% or metric=+5";
    return false;
  }
  std::string const name(text.substr(0, eq));
  if (!metrics::find_metric(name)) {
    error = "\"" + name + "\": not a metric name (docs/criteria.md lists them)";
    return false;
  }
  compare_threshold t;
  bool have_relative = false;
  bool have_absolute = false;
  std::string_view rest = text.substr(eq + 1);
  if (rest.empty()) {
    error = "\"" + std::string(text) + "\": expected a threshold after '='";
    return false;
  }
  while (!rest.empty()) {
    auto const comma = rest.find(',');
    std::string_view part = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (!part.empty() && (part.front() == '+' || part.front() == '-')) part.remove_prefix(1);
    bool const percent = !part.empty() && part.back() == '%';
    if (percent) part.remove_suffix(1);
    double v = 0;
    auto const r = std::from_chars(part.data(), part.data() + part.size(), v);
    if (part.empty() || r.ec != std::errc{} || r.ptr != part.data() + part.size() || !std::isfinite(v)) {
      error = "\"" + std::string(text) + "\": expected a number like +10% or +5";
      return false;
    }
    if (percent ? have_relative : have_absolute) {
      error = "\"" + std::string(text) + "\": give at most one relative (%) and one absolute threshold";
      return false;
    }
    (percent ? have_relative : have_absolute) = true;
    if (percent) t.relative = v / 100;
    else t.absolute = v;
  }
  auto it = std::find_if(rules.begin(), rules.end(), [&](const compare_rule& r) { return r.metric == name; });
  if (it == rules.end()) rules.push_back({name, default_direction(name), t});
  else it->threshold = t;
  return true;
}

/// One compared metric. `base`/`current` are empty when the document has no value (null).
struct metric_comparison {
  compare_rule rule;
  std::optional<double> base;
  std::optional<double> current;
  bool regression = false;

  /// new - base, when both exist.
  std::optional<double> change() const {
    if (!base || !current) return std::nullopt;
    return *current - *base;
  }
  /// (new - base) / |base| x 100, when both exist and base != 0.
  std::optional<double> change_percent() const {
    if (!base || !current || *base == 0) return std::nullopt;
    return (*current - *base) / std::fabs(*base) * 100;
  }
};

/// A criterion present in either document, matched by expression.
struct criterion_comparison {
  std::string expression;
  std::optional<std::string> base_verdict;     ///< `pass`, `fail`, `no_data`, `inconclusive`; empty: not in base
  std::optional<std::string> current_verdict;  ///< likewise for the new document
  /// The criterion fails in the new run and did not in the base (pass or no_data there).
  bool regression = false;
};

/// The whole comparison.
struct comparison {
  std::string base_scenario;
  std::string current_scenario;
  std::vector<metric_comparison> metrics;
  std::vector<criterion_comparison> criteria;
  std::string base_status;
  std::string current_status;
  /// The base run was COMPLETED and the new one was not.
  bool status_regression = false;

  /// Anything regressed: a metric, a criterion or the status.
  bool regression() const noexcept {
    if (status_regression) return true;
    for (auto const& m : metrics)
      if (m.regression) return true;
    for (auto const& c : criteria)
      if (c.regression) return true;
    return false;
  }
};

/// Whether going from `base` to `current` regresses under `rule`.
inline bool is_regression(const compare_rule& rule, double base, double current) noexcept {
  double const worse = rule.direction == better::lower ? current - base : base - current;
  return worse > rule.threshold.absolute && worse > rule.threshold.relative * std::fabs(base);
}

namespace detail {

inline void check_results_document(const nlohmann::json& doc, const char* which) {
  if (!is_results_document(doc))
    throw std::invalid_argument(std::string(which) + ": not a results document (schema is not \"stress_testing.results\")");
  if (!doc.contains("metrics") || !doc["metrics"].is_object())
    throw std::invalid_argument(std::string(which) + ": field \"metrics\" missing or not an object");
  if (!doc.contains("criteria") || !doc["criteria"].is_array())
    throw std::invalid_argument(std::string(which) + ": field \"criteria\" missing or not an array");
  if (!doc.contains("status") || !doc["status"].is_string())
    throw std::invalid_argument(std::string(which) + ": field \"status\" missing or not a string");
}

inline std::optional<double> metric_of(const nlohmann::json& doc, const std::string& name, const char* which) {
  auto const& m = doc["metrics"];
  auto const it = m.find(name);
  if (it == m.end() || it->is_null()) return std::nullopt;
  if (!it->is_number())
    throw std::invalid_argument(std::string(which) + ": field \"metrics." + name + "\" is not a number");
  return it->get<double>();
}

inline std::string scenario_of(const nlohmann::json& doc) {
  auto const sc = doc.find("scenario");
  if (sc == doc.end() || !sc->is_object()) return {};
  auto id = sc->value("scenario_id", std::string());
  return id.empty() ? sc->value("name", std::string()) : id;
}

}  // namespace detail

/** Compares `current` against `base` (both results documents, docs/results.md). Throws
    `std::invalid_argument` naming the document (`base`/`new`) and the field when one is not a
    results document or a field has the wrong type. */
inline comparison compare_results(const nlohmann::json& base, const nlohmann::json& current,
                                  const std::vector<compare_rule>& rules = default_compare_rules()) {
  detail::check_results_document(base, "base");
  detail::check_results_document(current, "new");
  comparison c;
  c.base_scenario = detail::scenario_of(base);
  c.current_scenario = detail::scenario_of(current);
  for (auto const& rule : rules) {
    metric_comparison m;
    m.rule = rule;
    m.base = detail::metric_of(base, rule.metric, "base");
    m.current = detail::metric_of(current, rule.metric, "new");
    if (m.base && m.current) m.regression = is_regression(rule, *m.base, *m.current);
    c.metrics.push_back(std::move(m));
  }

  auto verdicts = [](const nlohmann::json& doc, const char* which) {
    std::vector<std::pair<std::string, std::string>> out;
    auto const& cs = doc["criteria"];
    for (std::size_t i = 0; i < cs.size(); ++i) {
      auto const& e = cs[i];
      if (!e.is_object() || !e.contains("expression") || !e["expression"].is_string() || !e.contains("verdict") ||
          !e["verdict"].is_string())
        throw std::invalid_argument(std::string(which) + ": field \"criteria[" + std::to_string(i) +
                                    "]\" needs \"expression\" and \"verdict\" strings");
      out.emplace_back(e["expression"].get<std::string>(), e["verdict"].get<std::string>());
    }
    return out;
  };
  auto const b = verdicts(base, "base");
  auto const n = verdicts(current, "new");
  auto find = [](const std::vector<std::pair<std::string, std::string>>& v, const std::string& e) {
    return std::find_if(v.begin(), v.end(), [&](auto const& p) { return p.first == e; });
  };
  for (auto const& [expr, verdict] : n) {
    criterion_comparison cc;
    cc.expression = expr;
    cc.current_verdict = verdict;
    if (auto it = find(b, expr); it != b.end()) cc.base_verdict = it->second;
    cc.regression = cc.base_verdict && verdict == "fail" && *cc.base_verdict != "fail";
    c.criteria.push_back(std::move(cc));
  }
  for (auto const& [expr, verdict] : b) {
    if (find(n, expr) != n.end()) continue;
    criterion_comparison cc;
    cc.expression = expr;
    cc.base_verdict = verdict;
    c.criteria.push_back(std::move(cc));
  }
  c.base_status = base["status"].get<std::string>();
  c.current_status = current["status"].get<std::string>();
  c.status_regression = c.base_status == "COMPLETED" && c.current_status != "COMPLETED";
  return c;
}

namespace detail {

inline std::string compare_number(const std::optional<double>& v, bool sign = false) {
  if (!v) return "-";
  std::array<char, 48> buf{};
  std::snprintf(buf.data(), buf.size(), sign ? "%+.4g" : "%.4g", *v);
  return buf.data();
}

inline std::string pad(std::string s, std::size_t width) {
  // Width in code points, so that UTF-8 text (none expected, but scenario names may be) aligns.
  std::size_t n = 0;
  for (unsigned char ch : s) n += (ch & 0xC0) != 0x80 ? 1 : 0;
  if (n < width) s.append(width - n, ' ');
  return s;
}

}  // namespace detail

/** An aligned plain-text table of the comparison: one line per metric (base, new, change,
    threshold, `ok` / `REGRESSION` / `n/a`), then the criteria whose verdict differs or that
    regressed, the status, and a last line `regression` or `no regression`. */
inline std::string format_comparison(const comparison& c) {
  std::vector<std::array<std::string, 6>> rows;
  rows.push_back({"metric", "base", "new", "change", "threshold", "verdict"});
  for (auto const& m : c.metrics) {
    auto const pct = m.change_percent();
    std::string change = detail::compare_number(m.change(), true);
    if (pct) change += " (" + detail::compare_number(pct, true) + "%)";
    rows.push_back({m.rule.metric, detail::compare_number(m.base), detail::compare_number(m.current), change,
                    to_string(m.rule), !m.base || !m.current ? "n/a" : m.regression ? "REGRESSION" : "ok"});
  }
  std::array<std::size_t, 6> width{};
  for (auto const& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) {
      std::size_t n = 0;
      for (unsigned char ch : r[i]) n += (ch & 0xC0) != 0x80 ? 1 : 0;
      width[i] = std::max(width[i], n);
    }
  std::string out;
  if (!c.base_scenario.empty() || !c.current_scenario.empty())
    out += "scenario: " + c.base_scenario + (c.base_scenario == c.current_scenario ? "" : " vs " + c.current_scenario) + "\n";
  for (auto const& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) line += detail::pad(r[i], i + 1 < r.size() ? width[i] + 2 : 0);
    out += line + "\n";
  }
  bool header = false;
  for (auto const& cc : c.criteria) {
    if (!cc.regression && cc.base_verdict == cc.current_verdict) continue;
    if (!header) out += "criteria:\n";
    header = true;
    out += "  " + cc.expression + ": " + cc.base_verdict.value_or("(absent)") + " -> " +
           cc.current_verdict.value_or("(absent)") + (cc.regression ? "  REGRESSION" : "") + "\n";
  }
  out += "status: " + c.base_status + " -> " + c.current_status + (c.status_regression ? "  REGRESSION" : "") + "\n";
  out += c.regression() ? "regression\n" : "no regression\n";
  return out;
}

}  // namespace stress_testing::report

#endif
