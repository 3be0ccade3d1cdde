#ifndef STRESS_TESTING_METRICS_METRIC_NAMES_HPP
#define STRESS_TESTING_METRICS_METRIC_NAMES_HPP

/** The names a success criterion may use (`p95_response_time_ms < 2000`), with unit and meaning.

    This table is the contract between the metrics module, `criteria.hpp`, configuration
    validation and reports: a name listed here is what `metric_values` answers for. The first
    sixteen are the seed's `SystemMetrics` field names (JSON keys); the rest are ours. The last
    group is run-level: a snapshot has no value for them (a criterion on them is `no_data` until
    the orchestrator or the target provides one). Exact
    definitions are in `system_metrics.hpp` (`derive_metric_values`). */

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stress_testing::metrics {

/// Every metric a criterion may reference; the value indexes `metric_table`.
enum class metric : std::uint8_t {
  // The seed's SystemMetrics fields.
  throughput_tps,
  requests_total,
  requests_successful,
  requests_failed,
  avg_response_time_ms,
  p50_response_time_ms,
  p95_response_time_ms,
  p99_response_time_ms,
  max_response_time_ms,
  error_rate,
  timeout_rate,
  cpu_utilization,
  memory_utilization,
  network_throughput_mbps,
  queue_depth,
  queue_latency_ms,
  // Ours.
  requests_intended,
  requests_dropped,
  requests_lost,
  throttle_rate,
  success_rate,
  p999_response_time_ms,
  min_response_time_ms,
  p99_service_time_ms,
  p99_send_lag_ms,
  max_send_lag_ms,
  concurrent_users,
  // Run-level: computed over a whole run by the orchestrator, or reported by the target (agents,
  // business figures). A snapshot alone has no value for them.
  error_rate_outside_failures,
  failures_unrecovered,
  max_recovery_seconds,
  max_degradation_level,
  p95_drift_ratio,
  memory_growth_percent,
  unhealthy_agents,
  fraud_prevented_amount,
  time_to_scale_seconds,
};

/// Number of `metric` values.
inline constexpr std::size_t metric_count = 36;
static_assert(static_cast<std::size_t>(metric::time_to_scale_seconds) + 1 == metric_count);

/// One row of `metric_table`.
struct metric_info {
  metric id;
  std::string_view name;         ///< as written in criteria, JSON results and Prometheus names
  std::string_view unit;         ///< `1/s`, `count`, `ms`, `ratio` (0..1) or `Mbit/s`
  std::string_view description;  ///< one line, for reports and `--help`
};

/// All metrics, in `metric` order.
inline constexpr std::array<metric_info, metric_count> metric_table{{
    {metric::throughput_tps, "throughput_tps", "1/s", "successful (ok) responses per second: the goodput"},
    {metric::requests_total, "requests_total", "count", "intended requests: the sum of all outcomes, dropped included"},
    {metric::requests_successful, "requests_successful", "count", "requests that ended ok"},
    {metric::requests_failed, "requests_failed", "count", "intended requests that did not end ok (requests_total - requests_successful)"},
    {metric::avg_response_time_ms, "avg_response_time_ms", "ms", "mean response time (completed - intended) of sent requests"},
    {metric::p50_response_time_ms, "p50_response_time_ms", "ms", "median response time"},
    {metric::p95_response_time_ms, "p95_response_time_ms", "ms", "95th percentile response time"},
    {metric::p99_response_time_ms, "p99_response_time_ms", "ms", "99th percentile response time"},
    {metric::max_response_time_ms, "max_response_time_ms", "ms", "largest response time"},
    {metric::error_rate, "error_rate", "ratio", "requests_failed / requests_total"},
    {metric::timeout_rate, "timeout_rate", "ratio", "timed-out requests / requests_total"},
    {metric::cpu_utilization, "cpu_utilization", "ratio", "CPU used by the load generator process / usable CPU capacity"},
    {metric::memory_utilization, "memory_utilization", "ratio", "resident memory of the load generator process / physical memory"},
    {metric::network_throughput_mbps, "network_throughput_mbps", "Mbit/s", "bytes received and sent x 8 / 10^6 per second"},
    {metric::queue_depth, "queue_depth", "count", "requests in flight at the end of the range"},
    {metric::queue_latency_ms, "queue_latency_ms", "ms", "mean send lag (sent - intended)"},
    {metric::requests_intended, "requests_intended", "count", "intended requests (same as requests_total)"},
    {metric::requests_dropped, "requests_dropped", "count", "requests never sent (in-flight bound reached or run ended)"},
    {metric::requests_lost, "requests_lost", "count", "requests that got no answer: dropped + timeout + connect_error + io_error"},
    {metric::throttle_rate, "throttle_rate", "ratio", "throttled (HTTP 429/503) requests / requests_total"},
    {metric::success_rate, "success_rate", "ratio", "requests_successful / requests_total"},
    {metric::p999_response_time_ms, "p999_response_time_ms", "ms", "99.9th percentile response time"},
    {metric::min_response_time_ms, "min_response_time_ms", "ms", "smallest response time"},
    {metric::p99_service_time_ms, "p99_service_time_ms", "ms", "99th percentile service time (completed - sent)"},
    {metric::p99_send_lag_ms, "p99_send_lag_ms", "ms", "99th percentile send lag (sent - intended): the generator's lateness"},
    {metric::max_send_lag_ms, "max_send_lag_ms", "ms", "largest send lag"},
    {metric::concurrent_users, "concurrent_users", "count", "virtual users active (started, not left: in flight or thinking) at the end of the range; over a run, the most at any interval's end. Closed model only: an open run has no users (no value)"},
    {metric::error_rate_outside_failures, "error_rate_outside_failures", "ratio", "error_rate over the intervals with no failure injected (run)"},
    {metric::failures_unrecovered, "failures_unrecovered", "count", "injected failures still bad when the next failure started or the run ended (run)"},
    {metric::max_recovery_seconds, "max_recovery_seconds", "s", "longest time from the end of a failure or burst to its last bad request (failed or slow) before the next one (run)"},
    {metric::max_degradation_level, "max_degradation_level", "level", "worst degradation of any interval: 0 NONE, 1 MODERATE, 2 SEVERE, 3 CRITICAL (run)"},
    {metric::p95_drift_ratio, "p95_drift_ratio", "ratio", "p95 response time of the last tenth of the run / that of the first tenth (run)"},
    {metric::memory_growth_percent, "memory_growth_percent", "%", "growth of resident memory from the end of the first interval to the end of the run: the target's when the host can read it, else the generator process's; results.json memory_growth says which (run)"},
    {metric::unhealthy_agents, "unhealthy_agents", "count", "agents of the system under test reporting status unhealthy (target)"},
    {metric::fraud_prevented_amount, "fraud_prevented_amount", "currency", "value of the fraudulent transactions the system blocked (fraud example)"},
    {metric::time_to_scale_seconds, "time_to_scale_seconds", "s", "slowest time from the target's utilization reaching its autoscaling threshold to its capacity rising, at the interval's resolution; a lower bound when capacity had not followed by the end; results.json scaling (target)"},
}};

static_assert(
    [] {
      for (std::size_t i = 0; i < metric_count; ++i) {
        if (static_cast<std::size_t>(metric_table[i].id) != i) return false;
        for (std::size_t j = 0; j < i; ++j)
          if (metric_table[i].name == metric_table[j].name) return false;
      }
      return true;
    }(),
    "metric_table must list every metric once, in enum order, with unique names");

/// The row of `m`.
constexpr const metric_info& info(metric m) noexcept { return metric_table[static_cast<std::size_t>(m)]; }

/// The name of `m` (`"p95_response_time_ms"`).
constexpr std::string_view to_string(metric m) noexcept { return info(m).name; }

/// The metric called `name`, or nullopt if no metric has that name (names are case-sensitive).
constexpr std::optional<metric> find_metric(std::string_view name) noexcept {
  for (auto const& row : metric_table)
    if (row.name == name) return row.id;
  return std::nullopt;
}

/** Whether `m` is a latency of the target: response or service time (percentiles, mean, extremes)
    and the drift of the p95 between the run's first and last tenths. When the load generator
    falls behind its schedule these describe the generator as much as the target, so a criterion
    on them is `inconclusive` (criteria.hpp). Send lag (`p99_send_lag_ms`, `max_send_lag_ms`,
    `queue_latency_ms`) is the generator's own lateness, measured exactly, and is not among them. */
constexpr bool is_latency_metric(metric m) noexcept {
  switch (m) {
    case metric::avg_response_time_ms:
    case metric::p50_response_time_ms:
    case metric::p95_response_time_ms:
    case metric::p99_response_time_ms:
    case metric::max_response_time_ms:
    case metric::p999_response_time_ms:
    case metric::min_response_time_ms:
    case metric::p99_service_time_ms:
    case metric::p95_drift_ratio:
      return true;
    default:
      return false;
  }
}

namespace detail {

/// Edit distance, for "did you mean" hints on misspelt metric names.
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t const up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0u : 1u)});
      diag = up;
    }
  }
  return row[b.size()];
}

/// The known metric name closest to `name`, if it is a plausible typo of it.
inline std::optional<std::string_view> closest_metric(std::string_view name) {
  // Other tools say "latency" for what the seed calls "response_time" (k6: http_req_duration,
  // wrk: Latency); compare with the seed's word so "p99_latency" finds "p99_response_time_ms".
  std::string spelled(name);
  if (auto at = spelled.find("latency"); at != std::string::npos) spelled.replace(at, 7, "response_time");
  std::optional<std::string_view> best;
  std::size_t best_distance = spelled.size() / 3 + 2;
  for (auto const& row : metric_table) {
    auto const d = edit_distance(spelled, row.name);
    if (d < best_distance) {
      best_distance = d;
      best = row.name;
    }
  }
  return best;
}

}  // namespace detail

/// Nullopt for a metric criteria may use; otherwise the reason, with a "did you mean" hint.
inline std::optional<std::string> unknown_metric_problem(std::string_view metric) {
  if (find_metric(metric)) return std::nullopt;
  std::string reason = "unknown metric \"" + std::string(metric) + "\"";
  if (auto hint = detail::closest_metric(metric)) reason += "; did you mean \"" + std::string(*hint) + "\"?";
  reason += " (docs/criteria.md lists every metric)";
  return reason;
}

}  // namespace stress_testing::metrics

#endif
