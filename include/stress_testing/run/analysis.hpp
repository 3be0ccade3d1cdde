#ifndef STRESS_TESTING_RUN_ANALYSIS_HPP
#define STRESS_TESTING_RUN_ANALYSIS_HPP

/** What a run's interval series means: each interval's degradation level, and the run-level
    figures that success criteria use (`max_degradation_level`, `p95_drift_ratio`,
    `error_rate_outside_failures`, `failures_unrecovered`, `max_recovery_seconds`) with the
    resilience figures of each disturbance window (time to detect, time to recover, requests
    affected). Pure: std only; every definition is here, in one place, so a reported number can be
    traced back to its formula. */

#include <stress_testing/metrics/metric_names.hpp>
#include <stress_testing/metrics/outcome_counters.hpp>
#include <stress_testing/metrics/system_metrics.hpp>
#include <stress_testing/models.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace stress_testing::run {

/** Thresholds that classify an interval's `degradation_level`; an interval takes the most severe
    level whose condition holds. Defaults come from seed/FACTS.md: "error rate > 10% → CRITICAL,
    P99 > 5 s → SEVERE" and its alerting thresholds (warning at error rate > 0.1%, critical at
    error rate > 1% or P99 > 10 s). FACTS' "CPU > 90% → MODERATE" is about the system under
    test's CPU, which a client cannot see; the generator's own CPU says nothing about the target
    (it sets `generator_limited` instead), so it is not used here. */
struct degradation_thresholds {
  double critical_error_rate = 0.10;   ///< FACTS: error rate > 10% -> CRITICAL
  double critical_p99_ms = 10000;      ///< FACTS alerting: P99 > 10 s is critical
  double severe_error_rate = 0.01;     ///< FACTS alerting: error rate > 1% is critical-alert
  double severe_p99_ms = 5000;         ///< FACTS: P99 > 5 s -> SEVERE
  double moderate_error_rate = 0.001;  ///< FACTS alerting: error rate > 0.1% is a warning
  double moderate_p95_ms = 2000;       ///< the design's P95 < 2 s SLO

  friend bool operator==(const degradation_thresholds&, const degradation_thresholds&) = default;
};

/// The degradation level of one interval from its metric values (no data = no evidence = NONE).
inline degradation_level classify_degradation(const metrics::metric_values& v,
                                              const degradation_thresholds& t = {}) noexcept {
  using metrics::metric;
  double const err = v.get(metric::error_rate).value_or(0.0);
  double const p99 = v.get(metric::p99_response_time_ms).value_or(0.0);
  double const p95 = v.get(metric::p95_response_time_ms).value_or(0.0);
  if (err > t.critical_error_rate || p99 > t.critical_p99_ms) return degradation_level::critical;
  if (err > t.severe_error_rate || p99 > t.severe_p99_ms) return degradation_level::severe;
  if (err > t.moderate_error_rate || p95 > t.moderate_p95_ms) return degradation_level::moderate;
  return degradation_level::none;
}

/** One interval of a run, as kept in the result's series: its range, its counts, every metric
    value, and its classification. No histograms: a series must not grow with request count, and
    a two-hour run at 1 s intervals keeps 7,200 of these (about 3 MB). */
struct interval_record {
  std::chrono::nanoseconds start{0};  ///< since the run's start
  std::chrono::nanoseconds end{0};
  metrics::outcome_counters counters;
  metrics::metric_values values;
  /// Requests whose outcome was recorded in the interval (any outcome, dropped included) / its
  /// length. Outcomes are recorded at completion, so this is the completion rate, not the
  /// intended rate (`interval_progress::planned_tps` is that).
  double completed_tps = 0;
  degradation_level degradation = degradation_level::none;
  std::int64_t in_flight = 0;

  double start_seconds() const noexcept { return std::chrono::duration<double>(start).count(); }
  double end_seconds() const noexcept { return std::chrono::duration<double>(end).count(); }
};

/// A stretch of the timeline where the system is expected to be disturbed: an injected failure,
/// or a burst of the load profile.
struct disturbance_window {
  std::string name;  ///< e.g. "LAMBDA_CRASH", "burst 2"
  double start_seconds = 0;
  double end_seconds = 0;
};

/// When an interval counts as "back at baseline" after a disturbance.
struct recovery_thresholds {
  double error_rate_margin = 0.01;   ///< error rate <= baseline + margin
  double p99_factor = 1.5;           ///< and p99 <= baseline p99 x factor + margin
  double p99_margin_ms = 10;

  friend bool operator==(const recovery_thresholds&, const recovery_thresholds&) = default;
};

/// The resilience figures of one disturbance window (DESIGN.md §5).
struct window_result {
  disturbance_window window;
  /// Seconds from the window's start to the start of the first interval in it that is not at
  /// baseline; nullopt if the disturbance never showed.
  std::optional<double> detected_after_seconds;
  /// Seconds from the window's end to the start of the first interval at or after it that is at
  /// baseline (0 if service never left it, or came back inside the window); nullopt if the run
  /// ended before that: the failure is unrecovered.
  std::optional<double> recovered_after_seconds;
  /// Requests that did not end ok in the intervals from the window's start until recovery (or
  /// the end of the run).
  std::uint64_t requests_affected = 0;

  bool recovered() const noexcept { return recovered_after_seconds.has_value(); }
};

/// The run-level figures derived from a series.
struct run_analysis {
  degradation_level max_degradation = degradation_level::none;
  std::optional<double> p95_drift_ratio;
  std::optional<double> error_rate_outside_failures;
  std::vector<window_result> windows;
  double baseline_error_rate = 0;
  double baseline_p99_ms = 0;

  std::uint64_t failures_unrecovered() const noexcept {
    return static_cast<std::uint64_t>(std::count_if(windows.begin(), windows.end(),
                                                     [](auto const& w) { return !w.recovered(); }));
  }
  std::optional<double> max_recovery_seconds() const noexcept {
    std::optional<double> m;
    for (auto const& w : windows)
      if (w.recovered_after_seconds) m = std::max(m.value_or(0.0), *w.recovered_after_seconds);
    return m;
  }

  /// Writes the run-level metrics into `v` (so criteria can judge them).
  void store(metrics::metric_values& v) const noexcept {
    using metrics::metric;
    v.set(metric::max_degradation_level, static_cast<double>(max_degradation));
    if (p95_drift_ratio) v.set(metric::p95_drift_ratio, *p95_drift_ratio);
    if (error_rate_outside_failures) v.set(metric::error_rate_outside_failures, *error_rate_outside_failures);
    if (!windows.empty()) {
      v.set(metric::failures_unrecovered, static_cast<double>(failures_unrecovered()));
      if (auto m = max_recovery_seconds()) v.set(metric::max_recovery_seconds, *m);
    }
  }
};

namespace detail {

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  double m = *mid;
  if (v.size() % 2 == 0) m = (m + *std::max_element(v.begin(), mid)) / 2;
  return m;
}

inline bool overlaps(const interval_record& r, const disturbance_window& w) noexcept {
  return r.start_seconds() < w.end_seconds && r.end_seconds() > w.start_seconds;
}

}  // namespace detail

/** The disturbance windows of a scenario: every failure injection, and for a BURST profile every
    burst (they are what "recovery within 60 s" is about in the burst scenario). */
inline std::vector<disturbance_window> disturbance_windows(const test_scenario& s) {
  std::vector<disturbance_window> out;
  for (auto const& f : s.failure_scenarios)
    out.push_back({std::string(to_string(f.failure_type)), f.start_time_seconds,
                   f.start_time_seconds + f.duration_seconds});
  auto const& p = s.load_profile;
  if (p.profile_type == load_profile_type::burst && p.burst_interval_seconds > 0) {
    int k = 1;
    for (double t = p.burst_interval_seconds; t < s.duration_seconds; t += p.burst_interval_seconds, ++k)
      out.push_back({"burst " + std::to_string(k), t, std::min(t + p.burst_duration_seconds, s.duration_seconds)});
  }
  std::sort(out.begin(), out.end(), [](auto const& a, auto const& b) { return a.start_seconds < b.start_seconds; });
  return out;
}

/** Analyses a series (intervals in time order).

    - max_degradation: the worst interval.
    - p95_drift_ratio: median interval p95 over the last tenth of the intervals with traffic,
      divided by that of the first tenth (at least one interval each; needs 2+ intervals with a
      p95). > 1 means the system got slower over the run.
    - error_rate_outside_failures: failed / intended over the intervals that overlap no
      disturbance window (nullopt when there is none, or no request in them).
    - baseline: medians of error rate and p99 over the intervals that overlap no window and come
      before the first window ends; if there are none, over all intervals outside windows.
    - per window: detected = first interval overlapping the window not at baseline; recovered =
      first interval starting at or after (window end − its own length) that is at baseline. An
      interval is at baseline when its error rate <= baseline + margin and its p99 <= baseline ×
      factor + margin (an interval with no requests is at baseline). */
inline run_analysis analyse(const std::vector<interval_record>& series, const std::vector<disturbance_window>& windows,
                            const recovery_thresholds& rt = {}) {
  using metrics::metric;
  run_analysis a;
  for (auto const& r : series) a.max_degradation = std::max(a.max_degradation, r.degradation);

  // Drift.
  std::vector<double> p95s;
  for (auto const& r : series)
    if (auto p = r.values.get(metric::p95_response_time_ms); p && r.counters.total() > 0) p95s.push_back(*p);
  if (p95s.size() >= 2) {
    std::size_t const tenth = std::max<std::size_t>(1, p95s.size() / 10);
    double const first = detail::median({p95s.begin(), p95s.begin() + static_cast<std::ptrdiff_t>(tenth)});
    double const last = detail::median({p95s.end() - static_cast<std::ptrdiff_t>(tenth), p95s.end()});
    if (first > 0) a.p95_drift_ratio = last / first;
  }

  auto in_any_window = [&](const interval_record& r) {
    return std::any_of(windows.begin(), windows.end(), [&](auto const& w) { return detail::overlaps(r, w); });
  };

  // Outside-window error rate.
  std::uint64_t outside_total = 0, outside_failed = 0;
  for (auto const& r : series) {
    if (in_any_window(r)) continue;
    outside_total += r.counters.total();
    outside_failed += r.counters.total() - r.counters.count(outcome::ok);
  }
  if (!windows.empty() && outside_total > 0)
    a.error_rate_outside_failures = static_cast<double>(outside_failed) / static_cast<double>(outside_total);

  // Baseline.
  double const first_window_end = windows.empty() ? 0.0 : windows.front().end_seconds;
  std::vector<double> errs, p99s;
  auto collect = [&](bool before_only) {
    for (auto const& r : series) {
      if (r.counters.total() == 0 || in_any_window(r)) continue;
      if (before_only && r.start_seconds() >= first_window_end) continue;
      errs.push_back(r.values.get(metric::error_rate).value_or(0.0));
      if (auto p = r.values.get(metric::p99_response_time_ms)) p99s.push_back(*p);
    }
  };
  collect(true);
  if (errs.empty()) collect(false);
  a.baseline_error_rate = detail::median(errs);
  a.baseline_p99_ms = detail::median(p99s);

  auto at_baseline = [&](const interval_record& r) {
    if (r.counters.total() == 0) return true;
    double const err = r.values.get(metric::error_rate).value_or(0.0);
    double const p99 = r.values.get(metric::p99_response_time_ms).value_or(0.0);
    return err <= a.baseline_error_rate + rt.error_rate_margin &&
           p99 <= a.baseline_p99_ms * rt.p99_factor + rt.p99_margin_ms;
  };

  for (auto const& w : windows) {
    window_result wr{w, std::nullopt, std::nullopt, 0};
    for (auto const& r : series) {
      if (detail::overlaps(r, w) && !at_baseline(r)) {
        wr.detected_after_seconds = std::max(0.0, r.start_seconds() - w.start_seconds);
        break;
      }
    }
    for (auto const& r : series) {
      if (r.end_seconds() <= w.start_seconds) continue;
      bool const after_end = r.end_seconds() >= w.end_seconds;
      if (after_end && at_baseline(r)) {
        wr.recovered_after_seconds = std::max(0.0, r.start_seconds() - w.end_seconds);
        break;
      }
      wr.requests_affected += r.counters.total() - r.counters.count(outcome::ok);
    }
    a.windows.push_back(std::move(wr));
  }
  return a;
}

}  // namespace stress_testing::run

#endif
