#ifndef STRESS_TESTING_CRITERIA_HPP
#define STRESS_TESTING_CRITERIA_HPP

/** Success criteria (SLOs) such as `p95_response_time_ms < 2000`: parsed from text, evaluated on
    any source of named metric values (a snapshot, a whole run), each giving the actual value and
    a verdict. Pure layer: std only.

    The metric names a criterion may use are listed in `metrics/metric_names.hpp`;
    `parse_criterion` refuses any other name at once, with a "did you mean" hint. */

#include <stress_testing/metrics/metric_names.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace stress_testing {

/// The relation a criterion asserts between a metric and its threshold.
enum class comparison { less, less_equal, greater, greater_equal, equal, not_equal };

/// The operator's text as written in a criterion (`"<="`).
constexpr std::string_view to_string(comparison c) noexcept {
  switch (c) {
    case comparison::less: return "<";
    case comparison::less_equal: return "<=";
    case comparison::greater: return ">";
    case comparison::greater_equal: return ">=";
    case comparison::equal: return "==";
    case comparison::not_equal: return "!=";
  }
  return "?";
}

/// Whether `actual <op> threshold` holds. NaN never satisfies a criterion.
constexpr bool compare(double actual, comparison c, double threshold) noexcept {
  if (std::isnan(actual)) return false;
  switch (c) {
    case comparison::less: return actual < threshold;
    case comparison::less_equal: return actual <= threshold;
    case comparison::greater: return actual > threshold;
    case comparison::greater_equal: return actual >= threshold;
    case comparison::equal: return actual == threshold;
    case comparison::not_equal: return actual != threshold;
  }
  return false;
}

/// Over what a criterion's metric is judged.
enum class criterion_scope {
  run,                 ///< the whole run (and, live, each interval): `p95_response_time_ms < 2000`
  any_window,          ///< every sliding window of `span_seconds`; the worst decides:
                       ///< `p99_response_time_ms < 500 over any 10s`
  after_each_failure,  ///< the condition holds again within `span_seconds` after each injected
                       ///< failure ends: `error_rate < 0.01 within 30s after each failure`
};

/** One success criterion: `metric op threshold`, e.g. `error_rate < 0.001`, optionally scoped
    to sliding windows (`... over any 10s`) or to recovery after failures (`... within 30s after
    each failure`). A scoped criterion needs the run's series; `evaluate` with a plain lookup
    gives it `no_data`, and `run::judge_criteria` judges it (docs/criteria.md).

    `abort_on_fail` asks the orchestrator to stop the run as soon as the criterion fails on a
    live interval (k6's `abortOnFail`); otherwise it is judged on the whole run at the end.
    `description` is free text for reports (the seed's criterion name, for instance). */
struct criterion {
  std::string metric;
  comparison op = comparison::less;
  double threshold = 0;
  bool abort_on_fail = false;
  std::string description;
  criterion_scope scope = criterion_scope::run;
  double span_seconds = 0;  ///< the window (any_window) or the deadline (after_each_failure)
  /** The workload of a mix it is judged on (`test_scenario::workloads`, by name): written
      `p99_response_time_ms < 200 @ scoring`. Empty: the whole run (every workload merged). */
  std::string workload{};  // an initializer: positional {metric, op, ...} may leave it out

  friend bool operator==(const criterion&, const criterion&) = default;
};

namespace detail {

constexpr bool is_metric_start(char c) noexcept { return (c >= 'a' && c <= 'z') || c == '_'; }
constexpr bool is_metric_char(char c) noexcept { return is_metric_start(c) || (c >= '0' && c <= '9'); }
constexpr bool is_space(char c) noexcept { return c == ' ' || c == '\t'; }
/// A workload's name: letters, digits, '_', '-' and '.' (`valid_workload_name`).
constexpr bool is_workload_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

inline std::string format_threshold(double v) {
  // Shortest text that parses back to the same double: a criterion printed and re-parsed is
  // the same criterion.
  std::array<char, 64> buf{};
  auto const r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  return std::string(buf.data(), r.ptr);
}

}  // namespace detail

/// Whether `name` can name a workload (and so follow `@` in a criterion): 1 to 64 of letters,
/// digits, '_', '-' and '.'.
constexpr bool valid_workload_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!detail::is_workload_char(c)) return false;
  return true;
}

/// The criterion as text (`"p95_response_time_ms < 2000"`); `parse_criterion` reads it back.
inline std::string to_string(const criterion& c) {
  std::string s = c.metric;
  s += ' ';
  s += to_string(c.op);
  s += ' ';
  s += detail::format_threshold(c.threshold);
  if (c.scope == criterion_scope::any_window) s += " over any " + detail::format_threshold(c.span_seconds) + "s";
  if (c.scope == criterion_scope::after_each_failure)
    s += " within " + detail::format_threshold(c.span_seconds) + "s after each failure";
  if (!c.workload.empty()) s += " @ " + c.workload;
  return s;
}

/** Which metric names `parse_criterion` accepts: those of `metrics/metric_names.hpp` (what a
    run measures; any other is refused with a "did you mean" hint), or any name, for criteria
    evaluated on a metric source of your own. */
enum class metric_check { known, any };

/** Nullopt when `c`'s scope suits its metric; otherwise the reason. A window or a recovery deadline
    needs a metric measured per interval: run-level ones (`failures_unrecovered`, agents, ...)
    have no value in a window. */
inline std::optional<std::string> scope_problem(const criterion& c) {
  if (c.scope == criterion_scope::run) return std::nullopt;
  // A workload's figures are kept for its whole run and each interval, not per sliding window.
  if (!c.workload.empty())
    return "a criterion on one workload (@ " + c.workload + ") is judged on that workload's whole run: it cannot be "
           "judged " + (c.scope == criterion_scope::any_window ? "over a window" : "after each failure") + " too";
  auto const m = metrics::find_metric(c.metric);
  if (m && static_cast<std::size_t>(*m) >= static_cast<std::size_t>(metrics::metric::error_rate_outside_failures))
    return "\"" + c.metric + "\" is a whole-run metric: it cannot be judged " +
           (c.scope == criterion_scope::any_window ? "over a window" : "after each failure");
  if (!(c.span_seconds > 0) || !std::isfinite(c.span_seconds)) return std::string("the scope's duration must be > 0");
  return std::nullopt;
}

/** Parses `metric op number`. Whitespace around the operator is optional; the metric is
    `[a-z_][a-z0-9_]*`; the operator is one of `< <= > >= == !=`; the number is a finite decimal
    (`0.001`, `2e3`); an optional scope follows. With `metric_check::known` (the default) the
    metric must be one a run measures and the scope must suit it. On failure returns nullopt and
    sets `error` to the reason. */
inline std::optional<criterion> parse_criterion(std::string_view text, std::string& error,
                                                metric_check check = metric_check::known) {
  std::string workload;
  // Optional workload, last: "@ scoring". Taken off first, so the rest parses as without it.
  if (auto const at = text.find('@'); at != std::string_view::npos) {
    std::size_t b = at + 1;
    while (b < text.size() && detail::is_space(text[b])) ++b;
    std::size_t e = text.size();
    while (e > b && detail::is_space(text[e - 1])) --e;
    workload = std::string(text.substr(b, e - b));
    if (!valid_workload_name(workload)) {
      error = "expected a workload name (letters, digits, '_', '-', '.') after \"@\", got \"" + workload + "\"";
      return std::nullopt;
    }
    text = text.substr(0, at);
    while (!text.empty() && detail::is_space(text.back())) text.remove_suffix(1);
  }
  std::size_t i = 0;
  auto skip_space = [&] {
    while (i < text.size() && detail::is_space(text[i])) ++i;
  };
  skip_space();
  std::size_t const metric_begin = i;
  if (i >= text.size() || !detail::is_metric_start(text[i])) {
    error = "expected a metric name (lower-case letters, digits and '_') at the start of \"" +
            std::string(text) + "\"";
    return std::nullopt;
  }
  while (i < text.size() && detail::is_metric_char(text[i])) ++i;
  criterion c;
  c.metric = std::string(text.substr(metric_begin, i - metric_begin));
  c.workload = std::move(workload);
  skip_space();

  static constexpr std::array<std::pair<std::string_view, comparison>, 6> ops{{
      {"<=", comparison::less_equal},
      {">=", comparison::greater_equal},
      {"==", comparison::equal},
      {"!=", comparison::not_equal},
      {"<", comparison::less},
      {">", comparison::greater},
  }};
  bool found = false;
  for (auto const& [tok, op] : ops) {
    if (text.substr(i, tok.size()) == tok) {
      c.op = op;
      i += tok.size();
      found = true;
      break;
    }
  }
  if (!found) {
    error = "expected one of < <= > >= == != after \"" + c.metric + "\"";
    return std::nullopt;
  }
  skip_space();
  // from_chars rejects a leading '+', which people write; accept it.
  if (i < text.size() && text[i] == '+') ++i;
  double value = 0;
  auto const* first = text.data() + i;
  auto const* last = text.data() + text.size();
  auto const r = std::from_chars(first, last, value);
  if (r.ec != std::errc{} || r.ptr == first) {
    error = "expected a number after \"" + c.metric + " " + std::string(to_string(c.op)) + "\"";
    return std::nullopt;
  }
  if (!std::isfinite(value)) {
    error = "threshold of \"" + c.metric + "\" must be a finite number";
    return std::nullopt;
  }
  c.threshold = value;
  i = static_cast<std::size_t>(r.ptr - text.data());
  skip_space();
  // Optional scope: "over any <duration>" or "within <duration> after each failure".
  auto word = [&](std::string_view w) {
    if (text.substr(i, w.size()) != w) return false;
    std::size_t const after = i + w.size();
    if (after < text.size() && !detail::is_space(text[after])) return false;
    i = after;
    skip_space();
    return true;
  };
  auto duration = [&](const char* what) -> bool {
    double d = 0;
    auto const* b = text.data() + i;
    auto const dr = std::from_chars(b, text.data() + text.size(), d);
    if (dr.ec != std::errc{} || dr.ptr == b || !std::isfinite(d) || d <= 0) {
      error = std::string("expected a positive duration such as 10s after \"") + what + "\"";
      return false;
    }
    i = static_cast<std::size_t>(dr.ptr - text.data());
    skip_space();
    std::size_t u = i;
    while (u < text.size() && text[u] >= 'a' && text[u] <= 'z') ++u;
    std::string_view const unit = text.substr(i, u - i);
    double scale = 0;
    if (unit == "ms") scale = 0.001;
    else if (unit == "s") scale = 1;
    else if (unit == "m" || unit == "min") scale = 60;
    else {
      error = std::string("the duration after \"") + what + "\" needs a unit: ms, s or m";
      return false;
    }
    c.span_seconds = d * scale;
    i = u;
    skip_space();
    return true;
  };
  if (i < text.size()) {
    if (word("over")) {
      if (!word("any")) {
        error = "expected \"over any <duration>\" after the threshold";
        return std::nullopt;
      }
      if (!duration("over any")) return std::nullopt;
      c.scope = criterion_scope::any_window;
    } else if (word("within")) {
      if (!duration("within")) return std::nullopt;
      if (!(word("after") && word("each") && word("failure"))) {
        error = "expected \"within <duration> after each failure\" after the threshold";
        return std::nullopt;
      }
      c.scope = criterion_scope::after_each_failure;
    }
  }
  if (i != text.size()) {
    error = "unexpected text \"" + std::string(text.substr(i)) +
            "\" after the threshold (a scope is \"over any 10s\" or \"within 30s after each failure\")";
    return std::nullopt;
  }
  if (check == metric_check::any) return c;
  if (auto unknown = metrics::unknown_metric_problem(c.metric)) {
    error = *std::move(unknown);
    return std::nullopt;
  }
  if (auto scoped = scope_problem(c)) {
    error = *std::move(scoped);
    return std::nullopt;
  }
  return c;
}

/// Throwing form of `parse_criterion`: `std::invalid_argument` carrying the reason.
inline criterion parse_criterion(std::string_view text, metric_check check = metric_check::known) {
  std::string error;
  auto c = parse_criterion(text, error, check);
  if (!c) throw std::invalid_argument("invalid criterion: " + error);
  return *std::move(c);
}

/** Outcome of judging one criterion (and, through `overall_verdict`, a run).
    - `no_data`: the metric had no value in this run (for example agent health when the target
      reports none); it is neither a pass nor hidden.
    - `inconclusive`: the metric had a value, but it cannot be trusted to judge the target: a
      latency criterion of a run whose load generator fell behind its schedule
      (`run_result::generator_limited`). Response times then include the generator's own
      lateness, and the target received a load other than the one planned, so neither a pass
      nor a fail would be honest. The actual value is kept. */
enum class verdict { pass, fail, no_data, inconclusive };

constexpr std::string_view to_string(verdict v) noexcept {
  switch (v) {
    case verdict::pass: return "pass";
    case verdict::fail: return "fail";
    case verdict::no_data: return "no_data";
    case verdict::inconclusive: return "inconclusive";
  }
  return "?";
}

/// The verdict written as `to_string` writes it, or nullopt for any other text.
constexpr std::optional<verdict> parse_verdict(std::string_view text) noexcept {
  for (auto v : {verdict::pass, verdict::fail, verdict::no_data, verdict::inconclusive})
    if (to_string(v) == text) return v;
  return std::nullopt;
}

/// A criterion with the value it was judged on.
struct criterion_result {
  stress_testing::criterion criterion;
  std::optional<double> actual;
  stress_testing::verdict verdict = stress_testing::verdict::no_data;

  bool passed() const noexcept { return verdict == stress_testing::verdict::pass; }
  bool failed() const noexcept { return verdict == stress_testing::verdict::fail; }
  bool inconclusive() const noexcept { return verdict == stress_testing::verdict::inconclusive; }
};

/** Whether `c` judges the target's latency (`metrics::is_latency_metric`: response and service
    time percentiles, mean, extremes, p95 drift), scoped or not. Such a criterion is
    `inconclusive` when the load generator was the bottleneck. */
inline bool judges_latency(const criterion& c) noexcept {
  auto const m = metrics::find_metric(c.metric);
  return m && metrics::is_latency_metric(*m);
}

/** What a limited generator does to verdicts: every latency criterion (`judges_latency`) that
    was judged pass or fail becomes `inconclusive`, its actual value kept; `no_data` and the
    other criteria are left as they are. */
inline void mark_latency_inconclusive(criterion_result& r) noexcept {
  if ((r.passed() || r.failed()) && judges_latency(r.criterion)) r.verdict = verdict::inconclusive;
}
/// `mark_latency_inconclusive` of each result.
inline void mark_latency_inconclusive(std::vector<criterion_result>& results) noexcept {
  for (auto& r : results) mark_latency_inconclusive(r);
}

/// Anything that maps a metric name to its value, or nullopt when the run has none.
template <class F>
concept metric_lookup = std::invocable<const F&, std::string_view> &&
    std::convertible_to<std::invoke_result_t<const F&, std::string_view>, std::optional<double>>;

/** Judges `c` given its actual value. For `after_each_failure` the actual value is the longest
    time in seconds until the condition held again (+infinity if it never did), and it passes
    when that is <= `span_seconds`; otherwise `actual op threshold` decides. */
inline criterion_result judge(const criterion& c, std::optional<double> actual) {
  criterion_result r{c, actual, verdict::no_data};
  if (!actual) return r;
  bool const ok = c.scope == criterion_scope::after_each_failure ? *actual <= c.span_seconds
                                                                  : compare(*actual, c.op, c.threshold);
  r.verdict = ok ? verdict::pass : verdict::fail;
  return r;
}

/// Judges one criterion against `lookup` (a scoped criterion needs a series: `no_data` here).
template <metric_lookup Lookup>
criterion_result evaluate(const criterion& c, const Lookup& lookup) {
  if (c.scope != criterion_scope::run) return judge(c, std::nullopt);
  return judge(c, std::optional<double>(lookup(std::string_view{c.metric})));
}

/// Judges every criterion; the results keep the criteria's order.
template <metric_lookup Lookup>
std::vector<criterion_result> evaluate(const std::vector<criterion>& criteria, const Lookup& lookup) {
  std::vector<criterion_result> out;
  out.reserve(criteria.size());
  for (auto const& c : criteria) out.push_back(evaluate(c, lookup));
  return out;
}

/** True when no criterion failed. A `no_data` or `inconclusive` criterion does not fail a run
    (reports list it); `overall_verdict` tells an inconclusive set from a passed one. */
inline bool all_passed(const std::vector<criterion_result>& results) noexcept {
  for (auto const& r : results)
    if (r.failed()) return false;
  return true;
}

/** The verdict of a set of criteria: `fail` if any failed; otherwise `inconclusive` if any is
    inconclusive; otherwise `pass` (`no_data` criteria, and an empty set, pass). Never
    `no_data`. */
inline verdict overall_verdict(const std::vector<criterion_result>& results) noexcept {
  bool inconclusive = false;
  for (auto const& r : results) {
    if (r.failed()) return verdict::fail;
    inconclusive = inconclusive || r.inconclusive();
  }
  return inconclusive ? verdict::inconclusive : verdict::pass;
}

}  // namespace stress_testing

#endif
