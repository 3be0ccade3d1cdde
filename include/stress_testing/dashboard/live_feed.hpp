#ifndef STRESS_TESTING_DASHBOARD_LIVE_FEED_HPP
#define STRESS_TESTING_DASHBOARD_LIVE_FEED_HPP

/** Turns a run's per-interval progress into the dashboard's live messages (docs/dashboard.md):
    the interval record in the results document's shape (plus `planned_tps`), the summary of the
    run so far (from the intervals' merged histograms and counters), and the resilience figures
    of the failure windows begun so far, each window's state (scheduled, active, past) and the
    alerts raised so far. The host adds what only it can read live (stress-run: the workload's
    business figures and the service's GET /stats); the Server-Timing figures per agent and the
    final criteria come with the final document.

    Not thread-safe: call `update` from the run's `on_interval` callback (one thread), and hand
    the result to `server::publish`. */

#include <stress_testing/config/json.hpp>
#include <stress_testing/metrics/snapshot.hpp>
#include <stress_testing/metrics/system_metrics.hpp>
#include <stress_testing/report/results_json.hpp>
#include <stress_testing/run/analysis.hpp>
#include <stress_testing/run/presentation.hpp>
#include <stress_testing/run/progress.hpp>
#include <stress_testing/timestamp.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace stress_testing::dashboard {

/** One interval as `report::to_json` writes it in `intervals[]`, with `planned_tps` (the
    profile's mean rate over the interval; null for a closed model). */
inline nlohmann::json interval_json(const run::interval_record& i, double planned_tps) {
  auto j = report::detail::interval_json(i);
  j["planned_tps"] = std::isfinite(planned_tps) ? nlohmann::json(planned_tps) : nlohmann::json();
  return j;
}

/// Builds the live messages of one run.
class live_feed {
 public:
  explicit live_feed(test_scenario scenario, const metrics::histogram_options& histograms = {},
                     run::recovery_thresholds recovery = {})
      : scenario_(std::move(scenario)),
        windows_(run::disturbance_windows(scenario_)),
        recovery_(recovery),
        cumulative_(histograms),
        started_(metrics::read_process_usage()) {}

  /// The thresholds of the live `alerts` (results.json's are the run result's `alerting`).
  void set_alert_thresholds(const run::alert_thresholds& t) { alerting_ = t; }

  /// The reference points of the live `presentation`'s benchmarks (results.json's are the run
  /// result's `competitors`).
  void set_competitors(std::vector<competitor_figures> c) { competitors_ = std::move(c); }

  /// Adds a failure window the scenario did not plan (injected at run time from the dashboard).
  void add_window(run::disturbance_window w) { windows_.push_back(std::move(w)); }

  /// The document before the first interval: the scenario, status RUNNING, no intervals.
  nlohmann::json initial_document() const {
    return {{"schema", "stress_testing.results"},
            {"live", true},
            {"scenario", scenario_},
            {"plan", report::detail::plan_json(scenario_)},
            {"status", "RUNNING"},
            {"elapsed_seconds", 0.0},
            {"intervals", nlohmann::json::array()}};
  }

  /** The message for one interval: `type`, `interval`, `status`, `elapsed_seconds`, `summary`
      (the run so far; CPU since the feed was made, memory now), `resilience`
      (`max_degradation_level`, `windows[]` begun so far), `schedule` (every window, planned
      or injected, with its `state`: `scheduled`, `active` or `past` at the interval's end, and
      for a begun one its `window_index` in `resilience.windows`), `alerts` (`run::detect_alerts`
      over the intervals so far), `process` (this process's
      resident memory now, `rss_bytes`; null when /proc cannot be read) and `presentation`
      (`run::derive_presentation`, the same function as results.json's: offered and achieved
      rates of this interval, the rest of the run so far). `host` carries what only the host
      reads live: `business`, `hero`, `billing` and `agents` (the service's own report); the
      feed fills the rest of it. */
  nlohmann::json update(const run::interval_progress& p, run::presentation_inputs host = {}) {
    series_.push_back(p.interval);
    nlohmann::json m{{"type", "interval"},
                     {"interval", interval_json(p.interval, p.planned_tps)},
                     {"status", std::string(to_string(p.status))},
                     {"elapsed_seconds", p.elapsed_seconds}};
    std::optional<system_metrics> summary;
    try {
      cumulative_.append(p.snapshot);
      // The generator's CPU since the feed began (the run's start) and its memory now: the
      // summary's cpu_utilization and memory_utilization, measured like the final results'.
      auto const usage = metrics::compute_process_sample(started_, metrics::read_process_usage());
      summary = metrics::derive_system_metrics(cumulative_, {usage, now_timestamp()});
      m["summary"] = *summary;
    } catch (const std::exception&) {
      // A histogram layout mismatch: leave the summary out rather than report a wrong one.
    }
    std::vector<run::disturbance_window> begun;
    nlohmann::json schedule = nlohmann::json::array();
    for (auto const& w : windows_) {
      nlohmann::json e{{"name", w.name},
                       {"start_seconds", w.start_seconds},
                       {"end_seconds", w.end_seconds},
                       {"injected_failure", w.injected_failure},
                       {"state", window_state(w, p.elapsed_seconds)}};
      if (w.start_seconds <= p.elapsed_seconds) {
        e["window_index"] = begun.size();
        begun.push_back(w);
      }
      schedule.push_back(std::move(e));
    }
    auto const a = run::analyse(series_, begun, recovery_);
    m["resilience"] = report::detail::resilience_json(a);  // the same shape as results.json's
    if (summary) {
      host.at = summary->timestamp;
      host.running = p.status == test_status::running || p.status == test_status::stopping;
      host.elapsed_seconds = p.elapsed_seconds;
      if (std::isfinite(p.planned_tps)) host.offered_tps = p.planned_tps;
      host.achieved_tps = p.interval.values.get(metrics::metric::throughput_tps);
      host.outcomes = cumulative_.counters;
      host.timed_requests = cumulative_.response_time.total_count();
      host.sent_requests = cumulative_.send_lag.total_count();
      host.summary = *summary;
      host.resilience = a.resilience;
      host.competitors = competitors_;
      m["presentation"] = run::derive_presentation(host);
    } else {
      m["presentation"] = nullptr;
    }
    m["schedule"] = std::move(schedule);
    m["alerts"] = report::detail::alerts_json(series_, alerting_, false);  // raised so far, the active ones live
    auto const now = metrics::read_process_usage();
    m["process"] = {{"rss_bytes", now.memory_available ? nlohmann::json(now.rss_bytes) : nlohmann::json()}};
    return m;
  }

  /// A window at `elapsed` seconds: "scheduled" before its start, "active" until its end, then "past".
  static const char* window_state(const run::disturbance_window& w, double elapsed) noexcept {
    return elapsed < w.start_seconds ? "scheduled" : elapsed < w.end_seconds ? "active" : "past";
  }

 private:
  test_scenario scenario_;
  std::vector<run::disturbance_window> windows_;
  run::recovery_thresholds recovery_;
  metrics::snapshot cumulative_;
  metrics::process_reading started_;
  std::vector<run::interval_record> series_;
  run::alert_thresholds alerting_;
  std::vector<competitor_figures> competitors_;
};

}  // namespace stress_testing::dashboard

#endif
