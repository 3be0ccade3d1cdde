#ifndef STRESS_TESTING_RUN_RESULT_HPP
#define STRESS_TESTING_RUN_RESULT_HPP

/** What a scenario run returns: status, summary in the seed's `SystemMetrics`, the accounting,
    the per-interval series, the criteria outcomes, the resilience analysis and the merged
    histograms (DESIGN.md §5). `report/results_json.hpp` writes it as one versioned document. */

#include <stress_testing/criteria.hpp>
#include <stress_testing/load/run_summary.hpp>
#include <stress_testing/metrics/snapshot.hpp>
#include <stress_testing/metrics/system_metrics.hpp>
#include <stress_testing/models.hpp>
#include <stress_testing/outcome.hpp>
#include <stress_testing/run/alerts.hpp>
#include <stress_testing/run/analysis.hpp>
#include <stress_testing/run/scaling.hpp>
#include <stress_testing/target/service_stats.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stress_testing::run {

/// Everything known about a finished run.
struct run_result {
  stress_testing::test_scenario scenario;
  /// COMPLETED (ran to the end), FAILED (an abort-on-fail criterion stopped it, or the run could
  /// not start), CANCELLED (stopped by the caller). Whether the SLOs were met is `passed()`.
  test_status status = test_status::not_started;
  /// Why the run ended as it did, in a sentence ("criterion error_rate < 0.01 failed at 12.0 s").
  std::string status_reason;

  stress_testing::timestamp started_at{};
  stress_testing::timestamp ended_at{};
  double elapsed_seconds = 0;  ///< from the first intended instant to the last completion

  /// The whole run in the seed's field names.
  stress_testing::system_metrics summary;
  /// Every metric of `metrics::metric_table` over the whole run, run-level ones included: what
  /// the criteria were judged on.
  metrics::metric_values values;
  /// The engine's accounting, merged over workers: intended == sum of outcomes.
  load::run_summary accounting;
  /// The per-interval series, in time order.
  std::vector<interval_record> intervals;
  /// Every success criterion with its actual value and verdict, in the scenario's order.
  std::vector<criterion_result> criteria;
  /// Degradation, drift and resilience per disturbance window.
  run_analysis analysis;
  /// The whole run's three histograms (nanoseconds), mergeable with other runs'.
  metrics::snapshot histograms;

  /** Per-agent figures of the system under test, when the target reports them (the HTTP target
      reads `Server-Timing`); filled by the harness after the run, empty otherwise. */
  std::vector<stress_testing::agent_metrics> agents;

  /** The closed population the run drove (`load::closed_workload`); empty when it ran the open
      model (arrival rates). */
  struct users_record {
    std::size_t users = 0;               ///< the population (a ramp of stages: its peak)
    double think_time_mean_seconds = 0;  ///< the think time's mean
    double nominal_response_time_ms = 0; ///< the cadence's healthy response (coordinated omission)
    std::int64_t peak_active = 0;        ///< the most users active at any interval's end
    bool steady = true;                  ///< all users from the start to the end (no ramp, no stages)
    /** Each user's session (issue 15), as the scenario gave it; its figures are
        `accounting.steps` (same order) when it has more than one step. */
    std::vector<stress_testing::session_step> session;
  };
  std::optional<users_record> users;

  /// Little's law over a population and its histograms (see `littles_law_tps`).
  static std::optional<double> littles_law(const std::optional<users_record>& users,
                                           const metrics::snapshot& histograms) noexcept {
    if (!users || !users->steady || histograms.service_time.total_count() == 0) return std::nullopt;
    double const cycle = users->think_time_mean_seconds + histograms.service_time.mean() / 1e9;
    return cycle > 0 ? std::optional<double>(static_cast<double>(users->users) / cycle) : std::nullopt;
  }

  /// "closed" (virtual users) or "open" (arrival rates): the load model that ran.
  /// With workloads of both kinds: "mixed".
  std::string_view load_model() const noexcept {
    bool open = false, closed = false;
    for (auto const& w : workloads) (w.model == "closed" ? closed : open) = true;
    if (open && closed) return "mixed";
    if (open || closed) return closed ? "closed" : "open";
    return users ? "closed" : "open";
  }

  /** Little's law for the closed population: `users / (think time mean + mean service time)`
      (with a session, the mean pause over its steps, each step's own or the think time),
      requests/s, the throughput N users reach when each cycles through one think and one
      service time (completed − sent); nullopt for the open model, a population that ramps (its
      size changes during the run), or before any response. */
  std::optional<double> littles_law_tps() const noexcept { return littles_law(users, histograms); }

  /// Requests sent per second of the run (`accounting.issued / elapsed_seconds`; 0 before any).
  double sent_tps() const noexcept {
    return elapsed_seconds > 0 ? static_cast<double>(accounting.issued) / elapsed_seconds : 0.0;
  }

  /** One workload of a mix (`test_scenario::workloads`), measured by its own worker pool on the
      run's clock. The run's `accounting`, `histograms` and each interval's counters are the exact
      merge of its workloads' (counts add, histograms add). */
  struct workload_result {
    std::string name;
    std::string model;  ///< "open" or "closed", as `workload::model`
    load::run_summary accounting;
    metrics::snapshot histograms;
    /// Every metric over the workload's whole run (what criteria `@ name` are judged on).
    metrics::metric_values values;
    std::optional<users_record> users;  ///< closed workloads: the population
    /// The workload's own series, interval for interval with the run's `intervals`.
    std::vector<interval_record> intervals;
    double elapsed_seconds = 0;  ///< the workload's first intended instant to its last completion

    /// Little's law for a closed, steady workload (`run_result::littles_law_tps`'s rule).
    std::optional<double> littles_law_tps() const noexcept { return littles_law(users, histograms); }
  };
  /// Each workload of a mix, in the scenario's order; empty for a scenario without `workloads`.
  std::vector<workload_result> workloads;

  /// The workload named `name`, or null.
  const workload_result* find_workload(std::string_view name) const noexcept {
    for (auto const& w : workloads)
      if (w.name == name) return &w;
    return nullptr;
  }
  /// Business figures of a workload that knows them (the fraud workload); filled by the harness.
  std::optional<stress_testing::business_metrics> business;
  /** The accounting the business figures were reconciled with when it is not the run's own (a
      mix: the workloads that sent the transactions; a session: its scoring steps); filled by the
      harness with `business`. Empty: the run's `accounting`. */
  std::optional<load::run_summary> business_accounting;
  /// The presentation's hero numbers of such a workload; filled by the harness.
  std::optional<stress_testing::hero_metrics> hero;
  /// The thresholds results.json's `alerts` are raised at (`detect_alerts` over `intervals`).
  alert_thresholds alerting;
  /** Reference points supplied by the user (stress-run `--presentation FILE`), never measured:
      what results.json's `presentation.competitive_benchmarks` compares with; filled by the host. */
  std::vector<stress_testing::competitor_figures> competitors;
  /** Counters a target keeps beyond the outcomes (the HTTP target's `connections_opened`,
      `resets`, `protocol_errors`, ...), by name; filled by the harness. */
  std::map<std::string, std::uint64_t> target_counters;
  /** The first cause of each failure class, by outcome name: what the target saw first
      ("connect_error": "TLS handshake: certificate verify failed: self-signed certificate ...",
      "http_error": "HTTP 500") and what the engine knows (`timeout`, `dropped`); see
      `add_engine_failure_causes`. Empty when nothing failed. */
  std::map<std::string, std::string> failure_causes;

  /** How `values[memory_growth_percent]` was measured; empty when it could not be (no memory
      figure, or the run ended before its first interval). Resident memory grows from the end of
      the first interval (warm-up excluded: connections, buffers and histograms are allocated by
      then) to the end of the run. */
  struct memory_growth_record {
    double percent = 0;
    /// "target" (the host's `run_options::target_resident_bytes`) or "generator" (this process,
    /// which includes a target embedded in it).
    std::string measured_on;
    double from_seconds = 0;  ///< when the reading it grows from was taken (end of the first interval)
    std::uint64_t from_bytes = 0;
    std::uint64_t to_bytes = 0;
    /// What was read: the host's description of `target_resident_bytes` (`run_options::
    /// target_resident_source`, e.g. "/proc/1234/statm"), "resident_bytes of <target_stats_source>"
    /// (the service's own report), or "/proc/self/statm" (the generator).
    std::string source;
  };
  std::optional<memory_growth_record> memory_growth;

  /** This process's part of a sharded run (`run/shard.hpp`), or of a run started at a shared
      instant (`run_options::start_at`); empty otherwise. Its plan's origin is `started_at`. */
  struct shard_record {
    std::size_t index = 0;
    std::size_t count = 1;
    /// Where the shard came from: "--shard", "kubernetes", "open-mpi", "pmi", "slurm" (the host's).
    std::string source;
    /// How long before its first intended instant this process was ready to start (negative:
    /// it came up late, and its first requests were late).
    double lead_seconds = 0;
  };
  std::optional<shard_record> shard;

  /** A result merged from the shards of a run (`report::merge_results`); empty otherwise. */
  struct merge_record {
    struct part {
      std::size_t index = 0;
      std::string source;
      stress_testing::timestamp started_at{};  ///< the shard's plan origin, by its own clock
      double lead_seconds = 0;
      std::uint64_t intended = 0;
    };
    std::vector<part> parts;  ///< by shard index
    /// Latest minus earliest `started_at` of the parts: how far apart their plans began.
    double start_skew_seconds = 0;
    /// Every part kept its interval histograms, so every interval's percentiles are exact.
    bool exact_intervals = false;
  };
  std::optional<merge_record> merged;

  /** What the service reported about itself (`run_options::target_stats`, e.g. its `GET /stats`
      read by `target::http::stats_probe`), polled before the first request, after each interval
      and at the end; empty when the host gave no such hook. */
  struct target_stats_record {
    std::string source;            ///< `run_options::target_stats_source` (e.g. the URL)
    std::uint64_t polls = 0;       ///< readings asked for
    std::uint64_t failed_polls = 0;  ///< of them, those that gave nothing
    std::string last_error;        ///< why the last failed one failed
    /// The first and the last reading that succeeded; agents' `current_load` is
    /// `target::agent_load(first, last, name)`.
    std::optional<target::service_stats> first, last;
    /// The largest `in_flight` and `queued` over the readings (sampled once per interval).
    std::optional<std::uint64_t> peak_in_flight, peak_queued;
  };
  std::optional<target_stats_record> target_stats;

  /** The target's scaling timeline (`run/scaling.hpp`), from its readings in `target_stats`;
      empty when no reading said the target autoscales. Gives `time_to_scale_seconds`. */
  std::optional<scaling_record> scaling;

  /** The generator, not the target, was the bottleneck (send lag); latency figures include it,
      and criteria on latency are `inconclusive` (`judge_criteria`). */
  bool generator_limited = false;
  std::string generator_reason;

  /** The run's verdict: `fail` when it ended FAILED (aborted by a criterion, or the engine
      failed) or a criterion failed; otherwise `inconclusive` when a criterion is (a latency
      criterion of a generator-limited run); otherwise `pass`. Never `no_data`: a criterion
      without data does not fail a run. A CANCELLED run is judged on what it measured. */
  stress_testing::verdict verdict() const noexcept {
    if (status == test_status::failed) return stress_testing::verdict::fail;
    return overall_verdict(criteria);
  }
  /// The run completed and its verdict is `pass`: no criterion failed or was inconclusive.
  bool passed() const noexcept { return status == test_status::completed && verdict() == stress_testing::verdict::pass; }
  /** No criterion failed, but at least one could not be judged because the generator was
      limited: neither a pass nor a failure. In a test, warn instead of asserting. */
  bool inconclusive() const noexcept { return verdict() == stress_testing::verdict::inconclusive; }
};

/// A run's verdict as summaries print it: `PASSED`, `FAILED`, `INCONCLUSIVE` (`NO DATA` for a
/// criterion's `no_data`, which a run never has).
constexpr std::string_view verdict_word(verdict v) noexcept {
  switch (v) {
    case verdict::pass: return "PASSED";
    case verdict::fail: return "FAILED";
    case verdict::inconclusive: return "INCONCLUSIVE";
    case verdict::no_data: return "NO DATA";
  }
  return "?";
}

/// The `status_reason` of a run that completed, from its criteria's verdicts.
/** Sets each agent's `current_load` from the service's own report, first to last reading
    (`target::agent_load`); an agent the report lacks keeps nullopt. The orchestrator calls it;
    a host that rebuilds `agents` after the run (stress-run's HTTP finisher) calls it again. */
inline void apply_agent_loads(run_result& r) {
  if (!r.target_stats || !r.target_stats->first || !r.target_stats->last) return;
  for (auto& a : r.agents) a.current_load = target::agent_load(*r.target_stats->first, *r.target_stats->last, a.agent_name);
}

inline std::string completed_reason(const std::vector<criterion_result>& criteria) {
  switch (overall_verdict(criteria)) {
    case verdict::fail: return "completed; a success criterion failed";
    case verdict::inconclusive: {
      std::size_t n = 0;
      for (auto const& c : criteria) n += c.inconclusive() ? 1 : 0;
      return "completed; inconclusive: the load generator could not keep up, so " + std::to_string(n) +
             (n == 1 ? " latency criterion was" : " latency criteria were") + " not judged (no criterion failed)";
    }
    default: return "completed; every criterion passed";
  }
}

/** Judges every criterion of `r`'s scenario, in order: run-scoped ones on `r.values`, scoped ones
    (`over any 10s`, `within 30s after each failure`) on the actual values the orchestrator
    recorded in `r.analysis.scoped_actuals`. When `r.generator_limited`, criteria on latency are
    `inconclusive` (`mark_latency_inconclusive`); for a workload's criterion, when that workload's
    generator was limited. */
inline std::vector<criterion_result> judge_criteria(const run_result& r) {
  std::vector<criterion_result> out;
  out.reserve(r.scenario.success_criteria.size());
  for (auto const& c : r.scenario.success_criteria) {
    if (!c.workload.empty()) {  // `@ name`: that workload's figures, its own generator's health
      auto const* w = r.find_workload(c.workload);
      out.push_back(w ? evaluate(c, w->values) : judge(c, std::nullopt));
      if (w && w->accounting.generator_limited) mark_latency_inconclusive(out.back());
      continue;
    }
    out.push_back(c.scope == criterion_scope::run ? evaluate(c, r.values) : judge(c, r.analysis.scoped_actual(c)));
    if (r.generator_limited) mark_latency_inconclusive(out.back());
  }
  return out;
}

/** Sets the run-level metrics only a target or workload can report, from `r.agents` and
    `r.business`: `unhealthy_agents` (agents whose status is "unhealthy") and
    `fraud_prevented_amount`. The orchestrator calls it for what the targets reported. */
inline void set_reported_values(run_result& r) {
  if (!r.agents.empty()) {
    double unhealthy = 0;
    for (auto const& a : r.agents) unhealthy += a.status == "unhealthy" ? 1 : 0;
    r.values.set(metrics::metric::unhealthy_agents, unhealthy);
  }
  if (r.business) r.values.set(metrics::metric::fraud_prevented_amount, r.business->fraud_prevented_amount);
}

/** For a harness that filled `agents` or `business` after the run: sets the reported metrics
    (`set_reported_values`) and judges the criteria again, so that criteria on them get a value
    instead of `no_data`. A completed run's `status_reason` follows the new verdicts. */
inline void update_reported_metrics(run_result& r) {
  set_reported_values(r);
  r.criteria = judge_criteria(r);
  if (r.status == test_status::completed) r.status_reason = completed_reason(r.criteria);
}

/** Adds the causes of the failure classes the engine itself decides (`failure_causes`), when
    requests ended so and the target named no cause: `timeout` (no response within
    `request_timeout`, or still in flight when the drain grace ended) and `dropped` (the in-flight
    bound `max_in_flight` per worker was reached). */
inline void add_engine_failure_causes(run_result& r, std::chrono::nanoseconds request_timeout,
                                      std::size_t max_in_flight) {
  auto const& a = r.accounting;
  char text[160];
  if (a.count(outcome::timeout) > a.timed_out_at_stop) {
    std::snprintf(text, sizeof text, "no response within the request timeout (%g s)",
                  std::chrono::duration<double>(request_timeout).count());
    r.failure_causes.try_emplace("timeout", text);
  } else if (a.timed_out_at_stop > 0) {
    r.failure_causes.try_emplace("timeout", "still in flight when the run's drain grace ended");
  }
  if (a.dropped_at_limit > 0) {
    std::snprintf(text, sizeof text, "%zu requests in flight (the per-worker bound) when they were due: not sent",
                  max_in_flight);
    r.failure_causes.try_emplace("dropped", text);
  }
}

/** The reason of a run in which no request succeeded (`run_options::require_success`): how many
    ended how, with the first cause of each class. */
inline std::string nothing_succeeded_reason(const run_result& r) {
  auto const& a = r.accounting;
  if (a.due() == 0) return "no request was sent: the load profile asked for none";
  std::string out = "no request succeeded:";
  bool first = true;
  for (auto o : all_outcomes) {
    auto const n = a.count(o);
    if (n == 0) continue;
    out += (first ? " " : "; ") + std::to_string(n) + " " + std::string(to_string(o));
    if (auto it = r.failure_causes.find(std::string(to_string(o))); it != r.failure_causes.end())
      out += " (first: " + it->second + ")";
    first = false;
  }
  return out;
}

/** The run in a few lines, for a failed test's message or a log: status, verdict and reason, the
    accounting, the headline figures, each criterion with its actual value (✓ pass, ✗ fail,
    ~ inconclusive, ? no data), and why the generator was limited if it was.

    ```
    CHECK_MESSAGE(r.passed(), st::run::describe(r));
    ```
*/
inline std::string describe(const run_result& r) {
  auto const& a = r.accounting;
  auto const& m = r.summary;
  std::string out = std::string(to_string(r.status)) + ", " + std::string(verdict_word(r.verdict())) + ": " +
                    r.status_reason + "\n";
  out += "  " + std::to_string(a.intended) + " intended:";
  bool first = true;
  for (auto o : all_outcomes) {
    if (auto const n = a.count(o); n > 0) {
      out += (first ? " " : ", ") + std::to_string(n) + " " + std::string(to_string(o));
      first = false;
    }
  }
  out += a.balanced() ? " (balanced)\n" : " (NOT balanced: an engine bug)\n";
  char line[200];
  for (auto const& w : r.workloads) {  // a mix: each workload's share of the totals
    std::snprintf(line, sizeof line, "  workload %s (%s): %llu intended, %llu ok, p99 %.3f ms%s\n", w.name.c_str(),
                  w.model.c_str(), static_cast<unsigned long long>(w.accounting.intended),
                  static_cast<unsigned long long>(w.accounting.count(outcome::ok)),
                  w.values.get(metrics::metric::p99_response_time_ms).value_or(0),
                  w.accounting.balanced() ? "" : " (NOT balanced)");
    out += line;
  }
  std::snprintf(line, sizeof line, "  p50 %.3f ms, p99 %.3f ms, max %.3f ms, error rate %.4f%%, %.1f/s over %.2f s\n",
                m.p50_response_time_ms, m.p99_response_time_ms, m.max_response_time_ms, 100 * m.error_rate,
                m.throughput_tps, r.elapsed_seconds);
  out += line;
  for (auto const& c : r.criteria) {
    out += c.passed() ? "  \u2713 " : c.failed() ? "  \u2717 " : c.inconclusive() ? "  ~ " : "  ? ";
    out += to_string(c.criterion);
    if (c.actual) {
      std::snprintf(line, sizeof line, c.inconclusive() ? " (actual %g, inconclusive: the generator was limited)"
                                                        : " (actual %g)", *c.actual);
      out += line;
    } else {
      out += " (no data)";
    }
    out += "\n";
  }
  if (r.generator_limited) out += "  generator limited: " + r.generator_reason + "\n";
  return out;
}

}  // namespace stress_testing::run

#endif
