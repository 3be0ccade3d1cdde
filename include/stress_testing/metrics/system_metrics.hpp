#ifndef STRESS_TESTING_METRICS_SYSTEM_METRICS_HPP
#define STRESS_TESTING_METRICS_SYSTEM_METRICS_HPP

/** From a `snapshot` to the seed's `SystemMetrics` and to the named values success criteria
    are judged on.

    Definitions (one place, used by results, dashboard and criteria alike):
    - `requests_total` = `requests_intended` = sum of all outcomes, `dropped` included.
    - `requests_successful` = `ok`; `requests_failed` = total - ok (errors, throttling, timeouts,
      connection and I/O failures, drops: everything the user did not get served).
    - `throughput_tps` = ok / seconds: the *goodput*. A target that fails fast must not look
      faster than one that serves; the offered rate is `requests_total / seconds`.
    - `error_rate` = failed / total; `timeout_rate` = timeout / total; `throttle_rate` =
      throttled / total; `success_rate` = ok / total.
    - `requests_lost` = dropped + timeout + connect_error + io_error: intended requests that got
      no answer at all. An HTTP error or a 429 *is* an answer.
    - Response-time figures come from the response-time histogram (completed - intended, all sent
      requests), converted from nanoseconds to milliseconds; percentiles are the histogram's
      (upper edge of the value's slot: within its precision, never understated).
    - `network_throughput_mbps` = (bytes_in + bytes_out) x 8 / 10^6 / seconds (megabits, SI).
    - `queue_depth` = in flight at the end of the range; `queue_latency_ms` = mean send lag.
    - `cpu_utilization`, `memory_utilization`: the load generator process, from a
      `process_sample` passed in `derive_options`.

    No value is ever NaN or infinite. Where a figure is undefined (a rate with no request, a
    latency with no sent request, a per-second figure over a zero-length range),
    `derive_system_metrics` writes 0 and `metric_values` answers nullopt, so a criterion reports
    "no data" instead of judging a made-up 0. CPU and memory when /proc was unreadable are
    nullopt in `system_metrics` too (results.json `summary`: `null`). Pure layer: std only. */

#include <stress_testing/metrics/metric_names.hpp>
#include <stress_testing/metrics/process_usage.hpp>
#include <stress_testing/metrics/snapshot.hpp>
#include <stress_testing/models.hpp>
#include <stress_testing/outcome.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

namespace stress_testing::metrics {

/// What a snapshot does not know and the derivation needs.
struct derive_options {
  /// The generator's CPU and memory over the snapshot's range (`process_sampler::sample()`);
  /// the default has no data, giving nullopt and "no data".
  process_sample process{};
  /// Copied into `system_metrics::timestamp` (wall-clock time of the range's end, typically).
  stress_testing::timestamp timestamp{};
};

/** Every metric of `metric_table` for one snapshot, each with a value or "no data".

    Satisfies `stress_testing::metric_lookup` (criteria.hpp): `evaluate(criterion, values)`.
    A small value type (26 doubles); thread-safe for concurrent reads. */
class metric_values {
 public:
  /// The value of `m`, or nullopt when undefined for this snapshot.
  std::optional<double> get(metric m) const noexcept {
    auto const i = static_cast<std::size_t>(m);
    if (i >= metric_count || !present_[i]) return std::nullopt;
    return values_[i];
  }

  /// The value of `m`, or 0 when undefined (what `system_metrics` fields hold).
  double value(metric m) const noexcept { return get(m).value_or(0.0); }

  /// The value of the metric called `name`; nullopt for an unknown name or an undefined value.
  std::optional<double> operator()(std::string_view name) const noexcept {
    auto const m = find_metric(name);
    return m ? get(*m) : std::nullopt;
  }

  /// Sets `m` (finite values only: anything else is stored as "no data").
  void set(metric m, double v) noexcept {
    auto const i = static_cast<std::size_t>(m);
    if (i >= metric_count) return;
    bool const finite = std::isfinite(v);
    values_[i] = finite ? v : 0.0;
    present_[i] = finite;
  }

  /// Marks `m` as "no data".
  void clear(metric m) noexcept {
    auto const i = static_cast<std::size_t>(m);
    if (i >= metric_count) return;
    values_[i] = 0.0;
    present_[i] = false;
  }

  /// (name, value) for every metric, in `metric_table` order: the flat view for reports.
  std::array<std::pair<std::string_view, std::optional<double>>, metric_count> items() const noexcept {
    std::array<std::pair<std::string_view, std::optional<double>>, metric_count> out{};
    for (std::size_t i = 0; i < metric_count; ++i) out[i] = {metric_table[i].name, get(metric_table[i].id)};
    return out;
  }

  friend bool operator==(const metric_values&, const metric_values&) = default;

 private:
  std::array<double, metric_count> values_{};
  std::array<bool, metric_count> present_{};
};

/// `values(name)`: the lookup criteria use, as a free function.
inline std::optional<double> metric_value(const metric_values& values, std::string_view name) noexcept {
  return values(name);
}

namespace detail {
constexpr double ns_to_ms(double ns) noexcept { return ns / 1e6; }
constexpr double ns_to_ms(std::int64_t ns) noexcept { return static_cast<double>(ns) / 1e6; }
}  // namespace detail

/** Every metric of `metric_table` for snapshot `s` (definitions in this header's comment).
    O(histogram slots); no allocation; never throws. */
inline metric_values derive_metric_values(const snapshot& s, const derive_options& options = {}) noexcept {
  metric_values v;
  auto const& c = s.counters;
  auto const count = [&](outcome o) { return static_cast<double>(c.count(o)); };
  double const total = static_cast<double>(c.total());
  double const ok = count(outcome::ok);
  double const seconds = s.duration_seconds();

  v.set(metric::requests_total, total);
  v.set(metric::requests_intended, total);
  v.set(metric::requests_successful, ok);
  v.set(metric::requests_failed, total - ok);
  v.set(metric::requests_dropped, count(outcome::dropped));
  v.set(metric::requests_lost, count(outcome::dropped) + count(outcome::timeout) + count(outcome::connect_error) +
                                   count(outcome::io_error));
  v.set(metric::queue_depth, static_cast<double>(s.in_flight));

  if (seconds > 0) {
    v.set(metric::throughput_tps, ok / seconds);
    double const bits = static_cast<double>(c.bytes_in() + c.bytes_out()) * 8.0;
    v.set(metric::network_throughput_mbps, bits / 1e6 / seconds);
  }
  if (total > 0) {
    v.set(metric::error_rate, (total - ok) / total);
    v.set(metric::timeout_rate, count(outcome::timeout) / total);
    v.set(metric::throttle_rate, count(outcome::throttled) / total);
    v.set(metric::success_rate, ok / total);
  }
  if (auto const& h = s.response_time; h.total_count() > 0) {
    v.set(metric::avg_response_time_ms, detail::ns_to_ms(h.mean()));
    v.set(metric::p50_response_time_ms, detail::ns_to_ms(h.value_at_percentile(50.0)));
    v.set(metric::p95_response_time_ms, detail::ns_to_ms(h.value_at_percentile(95.0)));
    v.set(metric::p99_response_time_ms, detail::ns_to_ms(h.value_at_percentile(99.0)));
    v.set(metric::p999_response_time_ms, detail::ns_to_ms(h.value_at_percentile(99.9)));
    v.set(metric::max_response_time_ms, detail::ns_to_ms(h.max()));
    v.set(metric::min_response_time_ms, detail::ns_to_ms(h.min()));
  }
  if (s.service_time.total_count() > 0)
    v.set(metric::p99_service_time_ms, detail::ns_to_ms(s.service_time.value_at_percentile(99.0)));
  if (auto const& h = s.send_lag; h.total_count() > 0) {
    v.set(metric::queue_latency_ms, detail::ns_to_ms(h.mean()));
    v.set(metric::p99_send_lag_ms, detail::ns_to_ms(h.value_at_percentile(99.0)));
    v.set(metric::max_send_lag_ms, detail::ns_to_ms(h.max()));
  }
  if (options.process.cpu_available) v.set(metric::cpu_utilization, options.process.cpu_utilization);
  if (options.process.memory_available) v.set(metric::memory_utilization, options.process.memory_utilization);
  return v;
}

/// `metric_value(derive_metric_values(s, options), name)`.
inline std::optional<double> metric_value(const snapshot& s, std::string_view name,
                                          const derive_options& options = {}) noexcept {
  return derive_metric_values(s, options)(name);
}

/** The seed's `SystemMetrics` from values already derived from snapshot `s` (so a caller that
    needs both derives once). Counts come exactly from the counters. */
inline stress_testing::system_metrics to_system_metrics(const metric_values& v, const snapshot& s,
                                                       stress_testing::timestamp at) noexcept {
  auto const& c = s.counters;
  stress_testing::system_metrics m;
  m.timestamp = at;
  m.throughput_tps = v.value(metric::throughput_tps);
  m.requests_total = static_cast<std::int64_t>(c.total());
  m.requests_successful = static_cast<std::int64_t>(c.count(outcome::ok));
  m.requests_failed = m.requests_total - m.requests_successful;
  m.avg_response_time_ms = v.value(metric::avg_response_time_ms);
  m.p50_response_time_ms = v.value(metric::p50_response_time_ms);
  m.p95_response_time_ms = v.value(metric::p95_response_time_ms);
  m.p99_response_time_ms = v.value(metric::p99_response_time_ms);
  m.max_response_time_ms = v.value(metric::max_response_time_ms);
  m.error_rate = v.value(metric::error_rate);
  m.timeout_rate = v.value(metric::timeout_rate);
  m.cpu_utilization = v.get(metric::cpu_utilization);  // nullopt without /proc: null, not 0
  m.memory_utilization = v.get(metric::memory_utilization);
  m.network_throughput_mbps = v.value(metric::network_throughput_mbps);
  m.queue_depth = s.in_flight;
  m.queue_latency_ms = v.value(metric::queue_latency_ms);
  return m;
}

/** The seed's `SystemMetrics` for snapshot `s`: counts exactly from the counters, the rest as
    `derive_metric_values` defines them, with 0 where a figure is undefined. Never throws. */
inline stress_testing::system_metrics derive_system_metrics(const snapshot& s, const derive_options& options = {}) noexcept {
  return to_system_metrics(derive_metric_values(s, options), s, options.timestamp);
}

}  // namespace stress_testing::metrics

#endif
