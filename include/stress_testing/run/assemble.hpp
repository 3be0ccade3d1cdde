#ifndef STRESS_TESTING_RUN_ASSEMBLE_HPP
#define STRESS_TESTING_RUN_ASSEMBLE_HPP

/** How a run's figures are put together from what the engine measured, in one place for the
    two producers of a `run_result`: the orchestrator (`run/orchestrator.hpp`, at the end of a
    run) and the merge of a sharded run's parts (`report/merge.hpp`). Pure (std only). */

#include <stress_testing/criteria.hpp>
#include <stress_testing/load/run_summary.hpp>
#include <stress_testing/metrics/segment_tally.hpp>
#include <stress_testing/metrics/snapshot.hpp>
#include <stress_testing/metrics/system_metrics.hpp>
#include <stress_testing/run/analysis.hpp>
#include <stress_testing/run/result.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace stress_testing::run {

/** Judges the criteria scoped `over any <T>`: keeps the last K interval snapshots (K = T / the
    sampling interval, rounded up; the run's last, partial interval counts as one), merges the
    last K after each interval and records, per criterion, the worst value over every window.
    Memory: K snapshots of three histograms (about 84 KiB each), only when such criteria exist.
    A run shorter than K intervals is judged as one window. */
class window_tracker {
 public:
  window_tracker(const std::vector<criterion>& criteria, std::chrono::nanoseconds interval) {
    for (std::size_t i = 0; i < criteria.size(); ++i) {
      auto const& c = criteria[i];
      if (c.scope != criterion_scope::any_window) continue;
      double const k = std::ceil(c.span_seconds / std::chrono::duration<double>(interval).count() - 1e-9);
      entries_.push_back({c, static_cast<std::size_t>(std::max(1.0, k)), std::nullopt});
      max_k_ = std::max(max_k_, entries_.back().k);
    }
  }

  bool empty() const noexcept { return entries_.empty(); }

  /** Adds one interval's snapshot; returns an abort-on-fail criterion whose window just failed.
      `generator_limited` (this interval's, `interval_generator_limited`): a latency criterion's
      window is still recorded but cannot abort the run. */
  std::optional<criterion_result> add(const metrics::snapshot& snap, const metrics::derive_options& d,
                                      bool generator_limited = false) {
    std::optional<criterion_result> abort;
    if (entries_.empty()) return abort;
    ring_.push_back(snap);
    if (ring_.size() > max_k_) ring_.pop_front();
    for (auto& e : entries_) {
      if (ring_.size() < e.k) continue;
      auto const v = window_value(e, d);
      if (!v) continue;
      e.worst = e.worst ? worse_value(e.c, *e.worst, *v) : *v;
      ++e.windows;
      if (e.c.abort_on_fail && !compare(*v, e.c.op, e.c.threshold) && !abort &&
          !(generator_limited && judges_latency(e.c)))
        abort = judge(e.c, *v);
    }
    return abort;
  }

  /// At the end of the run: each criterion's actual value (criteria with no complete window are
  /// judged on every interval there was).
  void finish(const metrics::derive_options& d, run_analysis& a) {
    for (auto& e : entries_) {
      if (e.windows == 0 && !ring_.empty()) {
        auto const k = e.k;
        e.k = ring_.size();
        e.worst = window_value(e, d);
        e.k = k;
      }
      a.scoped_actuals.emplace_back(to_string(e.c), e.worst);
    }
  }

 private:
  struct entry {
    criterion c;
    std::size_t k;
    std::optional<double> worst;
    std::size_t windows = 0;
  };

  std::optional<double> window_value(const entry& e, const metrics::derive_options& d) const {
    auto const m = metrics::find_metric(e.c.metric);
    if (!m) return std::nullopt;
    metrics::snapshot merged = ring_[ring_.size() - e.k];
    for (std::size_t i = ring_.size() - e.k + 1; i < ring_.size(); ++i) merged.append(ring_[i]);
    return metrics::derive_metric_values(merged, d).get(*m);
  }

  std::vector<entry> entries_;
  std::size_t max_k_ = 0;
  std::deque<metrics::snapshot> ring_;
};

/** Every figure of `result` derived from what the engine measured. Reads `scenario`,
    `accounting`, `histograms`, `intervals`, `ended_at` and `memory_growth` (optional), and sets
    `values`, `analysis`, `generator_limited`, `generator_reason`, `criteria` and `summary`.
    `requests` is the run's tally by intended time (request-resolution windows), or null (the
    windows are then judged on the interval series); `windowed` has seen every interval. */
inline void assemble_figures(run_result& result, const std::vector<disturbance_window>& windows,
                             recovery_thresholds recovery, const metrics::segment_tally* requests,
                             window_tracker& windowed, const metrics::derive_options& run_derive) {
  auto const& scenario = result.scenario;
  result.values = metrics::derive_metric_values(result.histograms, run_derive);
  if (result.memory_growth) result.values.set(metrics::metric::memory_growth_percent, result.memory_growth->percent);
  if (result.scaling && result.scaling->time_to_scale_seconds)
    result.values.set(metrics::metric::time_to_scale_seconds, *result.scaling->time_to_scale_seconds);
  // A level: the run's value is its peak, not the last interval's (users have left by the end).
  if (result.users) result.values.set(metrics::metric::concurrent_users, static_cast<double>(result.users->peak_active));
  for (auto const& c : scenario.success_criteria)  // the SLO's own error rate is the budget
    if (c.scope == criterion_scope::run && c.metric == "error_rate" &&
        (c.op == comparison::less || c.op == comparison::less_equal) && c.threshold > 0)
      recovery.error_budget_rate = c.threshold;
  result.analysis = analyse(result.intervals, windows, recovery, requests);
  result.analysis.resilience.timestamp = result.ended_at;
  // The series holds the same outcomes as the accounting; the accounting is the run's truth, and
  // the hero figure (fraud::business_tally::to_hero_metrics) reads it too.
  result.analysis.resilience.uptime_percentage = load::uptime_percentage(result.accounting);
  result.analysis.store(result.values);
  windowed.finish(run_derive, result.analysis);
  for (auto const& c : scenario.success_criteria)
    if (c.scope == criterion_scope::after_each_failure)
      result.analysis.scoped_actuals.emplace_back(to_string(c), seconds_until_condition_holds(c, result.intervals, windows));
  auto const& acc = result.accounting;
  result.generator_limited = acc.generator_limited;  // before judging: latency criteria become inconclusive
  set_reported_values(result);
  result.criteria = judge_criteria(result);
  result.summary = metrics::to_system_metrics(result.values, result.histograms, result.ended_at);
  result.generator_reason.clear();
  if (acc.generator_limited) {
    using ms = std::chrono::duration<double, std::milli>;
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "%llu of %llu requests were sent late (p99 send lag %.3f ms, max %.3f ms): the load generator "
                  "could not keep up, and response times include its lateness",
                  static_cast<unsigned long long>(acc.late), static_cast<unsigned long long>(acc.issued),
                  ms(acc.send_lag_p99).count(), ms(acc.send_lag_max).count());
    result.generator_reason = buf;
  }
}

}  // namespace stress_testing::run

#endif
