#ifndef STRESS_TESTING_METRICS_AGENT_TIMINGS_HPP
#define STRESS_TESTING_METRICS_AGENT_TIMINGS_HPP

#include <stress_testing/metrics/histogram.hpp>
#include <stress_testing/models.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace stress_testing::metrics {

/** Per-agent timings and failures of the system under test, as the service reports them (the
    HTTP target feeds it from each response's `Server-Timing` header; a fraud observer adds the
    agents a response lists as degraded). One per worker, like every accumulator: not
    thread-safe, mergeable.

    Memory is bounded whatever the service sends: at most `max_agents` names are tracked (the
    first ones seen); entries for further names are only counted in `untracked()`. An agent's
    histogram (1 µs .. 1 h at 2 significant digits, 26 KiB) is allocated when its name is first
    seen, so steady state allocates nothing. */
class agent_timings {
 public:
  static constexpr std::size_t max_agents = 16;

  /// One agent's tally.
  struct entry {
    std::string name;
    histogram latency{1, 3'600'000'000, 2};  ///< reported durations, microseconds
    std::int64_t busy_us = 0;                 ///< their exact sum, microseconds
    std::int64_t failures = 0;                ///< times the agent was reported failed or degraded
    std::int64_t timeouts = 0;                ///< of `failures`, those reported as a missed time budget
    std::int64_t status_reports = 0;          ///< times the service reported the agent's status at all
  };

  /// Records one reported duration for `name` (negative durations count as 0).
  void record(std::string_view name, std::chrono::nanoseconds duration) {
    if (entry* e = find_or_add(name)) {
      auto const us = duration.count() <= 0 ? 0 : (duration.count() + 500) / 1000;
      e->latency.record_value(us);
      e->busy_us += us;
    }
  }

  /// Counts one failure (an error, a missed time budget) of `name`.
  void record_failure(std::string_view name) {
    if (entry* e = find_or_add(name)) ++e->failures;
  }

  /** Counts one status the service reported for `name`: `ok`; `timeout` (missed its time budget:
      a failure and a timeout); anything else (`error`, `down`) a failure. An agent with status
      reports gets a measured `timeout_count`; the others' is unknown (nullopt). */
  void record_status(std::string_view name, std::string_view status) {
    if (entry* e = find_or_add(name)) {
      ++e->status_reports;
      if (status == "ok") return;
      ++e->failures;
      if (status == "timeout") ++e->timeouts;
    }
  }

  /// Adds `other`'s tallies, matching agents by name.
  void merge(const agent_timings& other) {
    for (const entry& o : other.entries_) {
      if (entry* e = find_or_add(o.name)) {
        e->latency.add(o.latency);
        e->busy_us += o.busy_us;
        e->failures += o.failures;
        e->timeouts += o.timeouts;
        e->status_reports += o.status_reports;
      }
    }
    untracked_ += other.untracked_;
  }

  /// The agents seen so far, in order of first appearance.
  const std::vector<entry>& entries() const noexcept { return entries_; }
  /// Reports dropped because `max_agents` names were already tracked.
  std::int64_t untracked() const noexcept { return untracked_; }
  bool empty() const noexcept { return entries_.empty(); }

  /** The seed's `AgentMetrics` for each agent over `elapsed_seconds`:
      - `requests_processed`: timings reported; `avg/p95/p99_response_time_ms` from them;
      - `error_count`: failures (timeouts included); `timeout_count`: of those, the missed time
        budgets, when the service reported the agent's status (`record_status`), else nullopt
        (it reports none for `queue` and `orchestrator`); `success_rate` = 1 − failures / timings, clamped to [0, 1]
        (1 when nothing was reported): a service reports a timing for each agent on each
        response, a failed or late agent included, so a failure accompanies a timing;
      - `health_score` = success_rate; `status` "healthy" at ≥ 0.99, "degraded" at ≥ 0.9,
        else "unhealthy";
      - `concurrent_requests`: the mean number of requests the agent was working on, by Little's
        law from what the service reported: the sum of its durations / `elapsed_seconds`;
        nullopt without durations or without `elapsed_seconds` (> 0);
      - `current_load` (0..1) needs the agent's capacity, which only the service knows: nullopt
        here; the orchestrator sets it from the service's own report when the host polls one
        (`run_options::target_stats`, `target::agent_load`; docs/results.md). */
  std::vector<agent_metrics> to_agent_metrics(stress_testing::timestamp at = {}, double elapsed_seconds = 0) const {
    std::vector<agent_metrics> out;
    out.reserve(entries_.size());
    for (const entry& e : entries_) {
      agent_metrics m;
      m.agent_id = e.name;
      m.agent_name = e.name;
      m.timestamp = at;
      m.requests_processed = e.latency.total_count();
      m.avg_response_time_ms = e.latency.mean() / 1000.0;
      m.p95_response_time_ms = static_cast<double>(e.latency.value_at_percentile(95)) / 1000.0;
      m.p99_response_time_ms = static_cast<double>(e.latency.value_at_percentile(99)) / 1000.0;
      m.error_count = e.failures;
      if (e.status_reports > 0) m.timeout_count = e.timeouts;
      if (m.requests_processed > 0 && elapsed_seconds > 0 && std::isfinite(elapsed_seconds))
        m.concurrent_requests = static_cast<double>(e.busy_us) / 1e6 / elapsed_seconds;
      auto const reports = static_cast<double>(m.requests_processed);
      m.success_rate = reports > 0 ? std::max(0.0, 1.0 - static_cast<double>(e.failures) / reports) : 1.0;
      m.health_score = m.success_rate;
      m.status = m.success_rate >= 0.99 ? "healthy" : m.success_rate >= 0.9 ? "degraded" : "unhealthy";
      out.push_back(std::move(m));
    }
    return out;
  }

 private:
  entry* find_or_add(std::string_view name) {
    for (entry& e : entries_)
      if (e.name == name) return &e;
    if (entries_.size() >= max_agents || name.empty()) {
      ++untracked_;
      return nullptr;
    }
    if (entries_.capacity() == 0) entries_.reserve(max_agents);  // pointers stay valid
    entries_.push_back(entry{std::string(name)});
    return &entries_.back();
  }

  std::vector<entry> entries_;
  std::int64_t untracked_ = 0;
};

}  // namespace stress_testing::metrics

#endif
