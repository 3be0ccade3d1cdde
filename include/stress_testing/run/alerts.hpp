#ifndef STRESS_TESTING_RUN_ALERTS_HPP
#define STRESS_TESTING_RUN_ALERTS_HPP

/** Alerts: the intervals where the service broke its service level, raised live on the dashboard
    and kept in results.json `alerts` (docs/results.md), the report's SLA violations.

    Rule: an interval is at `warning` for a metric when its value exceeds the warning threshold,
    at `critical` when it exceeds the critical one (error rate: the interval's `error_rate`;
    latency: its p99 response time in ms; an interval without the value is at neither). One alert
    is a maximal stretch of consecutive intervals at warning or above for one metric: it starts at
    the first interval's start, ends at the last one's end, its severity is the highest reached,
    `worst` the largest value, `threshold` the one of its severity. It is `active` while the run
    goes on and its stretch includes the last interval so far. Pure: std only. */

#include <stress_testing/run/analysis.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace stress_testing::run {

/// The thresholds, strict (`>`): the defaults are the seed's SLA (0.1% / 1% errors, p99 5 s / 10 s).
struct alert_thresholds {
  double warning_error_rate = 0.001;
  double critical_error_rate = 0.01;
  double warning_p99_ms = 5000;
  double critical_p99_ms = 10000;

  /// The first problem (naming the field), or nullptr when the thresholds are usable.
  const char* problem() const noexcept {
    auto const ok = [](double v) { return v >= 0 && v < 1e300; };
    if (!ok(warning_error_rate) || warning_error_rate > 1) return "warning_error_rate: must be from 0 to 1";
    if (!ok(critical_error_rate) || critical_error_rate > 1) return "critical_error_rate: must be from 0 to 1";
    if (critical_error_rate < warning_error_rate) return "critical_error_rate: must be >= warning_error_rate";
    if (!ok(warning_p99_ms)) return "warning_p99_ms: must be a number of ms >= 0";
    if (!ok(critical_p99_ms)) return "critical_p99_ms: must be a number of ms >= 0";
    if (critical_p99_ms < warning_p99_ms) return "critical_p99_ms: must be >= warning_p99_ms";
    return nullptr;
  }
};

struct alert {
  std::string metric;    ///< "error_rate" or "p99_response_time_ms"
  std::string severity;  ///< "warning" or "critical"
  double start_seconds = 0;
  double end_seconds = 0;
  double worst = 0;
  double threshold = 0;  ///< the threshold of `severity`
  bool active = false;
};

/** The alerts of `series` under `t` (see the file comment); `run_over`: the series is complete
    (no alert is then active). In order of start, error rate before latency at equal starts. */
inline std::vector<alert> detect_alerts(const std::vector<interval_record>& series, const alert_thresholds& t,
                                        bool run_over) {
  struct rule {
    const char* metric;
    metrics::metric id;
    double warning, critical;
  };
  rule const rules[] = {{"error_rate", metrics::metric::error_rate, t.warning_error_rate, t.critical_error_rate},
                        {"p99_response_time_ms", metrics::metric::p99_response_time_ms, t.warning_p99_ms, t.critical_p99_ms}};
  std::vector<alert> out;
  for (auto const& r : rules) {
    std::optional<alert> open;
    for (std::size_t i = 0; i < series.size(); ++i) {
      auto const v = series[i].values.get(r.id);
      bool const warn = v && *v > r.warning;
      if (warn) {
        bool const crit = *v > r.critical;
        if (!open) open = alert{r.metric, "warning", series[i].start_seconds(), 0, *v, r.warning, false};
        open->end_seconds = series[i].end_seconds();
        if (*v > open->worst) open->worst = *v;
        if (crit && open->severity != "critical") {
          open->severity = "critical";
          open->threshold = r.critical;
        }
      }
      if (open && (!warn || i + 1 == series.size())) {
        open->active = warn && !run_over;  // still above at the last interval so far
        out.push_back(std::move(*open));
        open.reset();
      }
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const alert& a, const alert& b) { return a.start_seconds < b.start_seconds; });
  return out;
}

}  // namespace stress_testing::run

#endif
